// Finds the recon master: the candidates are tried in order (recon.master=, pxeaddr=, DNS name "bang", the DHCP
// server of the boot NIC's lease), and only an answer to GET /api/v1/hello with {recon: true, api: 1} counts —
// nothing is ever uploaded to a host that merely answers HTTP. Retries with exponential backoff and jitter.
import { lookup } from 'node:dns/promises';
import { readFile, readdir } from 'node:fs/promises';
import type { ConsoleLine } from './console-log.js';

export interface MasterHello {
  base: string;
  version: string;
}

export interface FindMasterOptions {
  explicit?: string;
  pxeaddr?: string;
  port?: number;
  bootIfname?: string;
  log: ConsoleLine;
  /** total time to keep trying; default: forever (a peer has nothing better to do) */
  deadlineMs?: number;
  signal?: AbortSignal;
}

const HELLO_TIMEOUT_MS = 3000;

export function hostUrl(host: string, port = 80): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === 80 ? `http://${h}` : `http://${h}:${port}`;
}

/** Asks one candidate; resolves with its hello only if it is a recon master speaking API 1. */
export async function hello(base: string): Promise<MasterHello | undefined> {
  try {
    const res = await fetch(`${base}/api/v1/hello`, { signal: AbortSignal.timeout(HELLO_TIMEOUT_MS) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { recon?: unknown; api?: unknown; version?: unknown };
    if (body.recon !== true || body.api !== 1) return undefined;
    return { base, version: typeof body.version === 'string' ? body.version : 'unknown' };
  } catch {
    return undefined;
  }
}

/** DHCP server identifier from dhclient / systemd-networkd lease files (pure text search). */
export function dhcpServerFromLease(text: string): string | undefined {
  const dhclient = [...text.matchAll(/option dhcp-server-identifier ([0-9.]+);/g)].pop();
  if (dhclient?.[1]) return dhclient[1];
  return /^SERVER_ADDRESS=([0-9.]+)$/m.exec(text)?.[1];
}

async function leaseServer(ifname: string | undefined): Promise<string | undefined> {
  const files: string[] = [];
  const add = async (dir: string, match: (f: string) => boolean): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    files.push(...names.filter(match).map((n) => `${dir}/${n}`));
  };
  await add('/run/systemd/netif/leases', () => true);
  await add('/var/lib/dhcp', (f) => f.endsWith('.leases') && (!ifname || f.includes(ifname)));
  await add('/var/lib/dhclient', (f) => f.endsWith('.leases'));
  for (const f of files) {
    const server = dhcpServerFromLease(await readFile(f, 'utf8').catch(() => ''));
    if (server) return server;
  }
  return undefined;
}

async function candidates(o: FindMasterOptions): Promise<string[]> {
  const out: string[] = [];
  if (o.explicit) out.push(o.explicit.replace(/\/+$/, ''));
  if (o.pxeaddr) out.push(hostUrl(o.pxeaddr, o.port));
  const bang = await lookup('bang').catch(() => undefined);
  if (bang) out.push(hostUrl(bang.address, o.port));
  const server = await leaseServer(o.bootIfname);
  if (server) out.push(hostUrl(server, o.port));
  return [...new Set(out)];
}

/** Backoff: 0.5 s doubling to 30 s, ±30 % jitter so a rack of peers does not knock in step. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base * (0.7 + 0.6 * random()));
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function findMaster(o: FindMasterOptions): Promise<MasterHello> {
  const until = o.deadlineMs === undefined ? Infinity : Date.now() + o.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const list = await candidates(o);
    for (const base of list) {
      const h = await hello(base);
      if (h) {
        o.log(`master found at ${base} (recon ${h.version})`);
        return h;
      }
    }
    const wait = backoffMs(attempt);
    if (Date.now() + wait > until || o.signal?.aborted)
      throw new Error(`no recon master answered (tried ${list.join(', ') || 'nothing'})`);
    o.log(
      `no recon master yet (tried ${list.join(', ') || 'no candidates'}); retrying in ${(wait / 1000).toFixed(1)} s`,
    );
    await sleep(wait, o.signal);
  }
}

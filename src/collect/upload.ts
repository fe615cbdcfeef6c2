// The peer side of the master's peer API (/api/v1): stage events, inventory and raw uploads (acknowledged only
// when the returned sha256 matches what was sent), and the command long-poll. Every call retries with backoff.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as tarCreate } from 'tar';
import type { PeerCommand, Stage } from '../shared/peer.js';
import type { Inventory } from '../shared/inventory/schema.js';
import type { ConsoleLine } from './console-log.js';
import { backoffMs, sleep } from './find-master.js';
import type { RawRun } from './run-tools.js';

export interface PeerApi {
  base: string;
  mac: string;
  log: ConsoleLine;
  /** give up after this long per call (default: keep trying) */
  deadlineMs?: number;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 30_000;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function nodeUrl(api: PeerApi, tail: string): string {
  return `${api.base}/api/v1/nodes/${api.mac.replace(/:/g, '-')}/${tail}`;
}

/** The master answered with an error status. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`HTTP ${status} ${text.slice(0, 120)}`);
  }
}

/** 507: the master's data partition has no room for this (it keeps its reserve for inventories). */
const noRoom = (e: unknown): boolean => e instanceof HttpStatusError && e.status === 507;

/**
 * Repeats `attempt` until it returns a value; each failure is one console line, then a backoff pause.
 * A failure `final` recognises is thrown at once.
 */
async function retry<T>(
  api: PeerApi,
  what: string,
  attempt: () => Promise<T>,
  final?: (e: unknown) => boolean,
): Promise<T> {
  const until = api.deadlineMs === undefined ? Infinity : Date.now() + api.deadlineMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (final?.(e)) throw e;
      const wait = backoffMs(Math.min(n, 6));
      if (Date.now() + wait > until || api.signal?.aborted)
        throw new Error(`${what}: ${(e as Error).message}`);
      api.log(`${what} failed (${(e as Error).message}); retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, api.signal);
    }
  }
}

async function call(url: string, init: RequestInit, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new HttpStatusError(res.status, text);
  return text ? (JSON.parse(text) as unknown) : {};
}

export function reportStage(api: PeerApi, stage: Stage, detail?: string): Promise<unknown> {
  const body = JSON.stringify(detail === undefined ? { stage } : { stage, detail });
  return retry(api, `stage ${stage}`, () =>
    call(nodeUrl(api, 'events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
  );
}

/** PUT until the master answers with the sha256 of exactly these bytes (it answers only once they are durable). */
function putVerified(
  api: PeerApi,
  what: string,
  tail: string,
  type: string,
  body: Buffer,
  final?: (e: unknown) => boolean,
): Promise<string> {
  const want = sha256(body);
  return retry(
    api,
    what,
    async () => {
      const r = (await call(nodeUrl(api, tail), {
        method: 'PUT',
        headers: { 'content-type': type },
        body,
      })) as { sha256?: unknown };
      if (r.sha256 !== want) throw new Error(`master stored sha256 ${String(r.sha256)}, sent ${want}`);
      return want;
    },
    final,
  );
}

export function uploadInventory(api: PeerApi, inv: Inventory): Promise<string> {
  return putVerified(
    api,
    'inventory upload',
    'inventory',
    'application/json',
    Buffer.from(JSON.stringify(inv, null, 2)),
  );
}

/**
 * The raw archive, until stored; undefined when the master has no room for it (507, its data partition is
 * full): it is not sent again, the inventory (uploaded before, and kept room for by the master) is what counts.
 */
export async function uploadRaw(api: PeerApi, tarGz: Buffer): Promise<string | undefined> {
  try {
    return await putVerified(api, 'raw upload', 'raw', 'application/gzip', tarGz, noRoom);
  } catch (e) {
    if (!noRoom(e)) throw e;
    api.log(`raw upload refused: the master has no room for it (${(e as Error).message}); not sent again`);
    return undefined;
  }
}

/** Long-polls for the next command; a network error counts as "none" so the caller just polls again. */
export async function pollCommand(api: PeerApi, waitSeconds = 25): Promise<PeerCommand> {
  try {
    const r = (await call(nodeUrl(api, `command?wait=${waitSeconds}`), {}, (waitSeconds + 10) * 1000)) as {
      command?: unknown;
    };
    return r.command === 'shutdown' || r.command === 'recollect' ? r.command : 'none';
  } catch (e) {
    api.log(`command poll failed (${(e as Error).message})`);
    await sleep(backoffMs(3), api.signal);
    return 'none';
  }
}

/** tar.gz of every source's stdout/stderr plus runs.json (argv, exit code, duration), built in a scratch dir. */
export async function rawArchive(raws: ReadonlyMap<string, RawRun>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-raw-'));
  try {
    const files: string[] = ['runs.json'];
    const runs: Record<string, unknown> = {};
    for (const [id, r] of raws) {
      const base = id.replace(/[^A-Za-z0-9._-]/g, '_');
      runs[id] = {
        argv: r.argv,
        exitCode: r.exitCode,
        error: r.error,
        durationMs: r.durationMs,
        stdout: `${base}.stdout`,
        stderr: `${base}.stderr`,
      };
      // scratch files in tmpfs, deleted below: durability does not matter here
      await writeFile(join(dir, `${base}.stdout`), r.stdout);
      await writeFile(join(dir, `${base}.stderr`), r.stderr);
      files.push(`${base}.stdout`, `${base}.stderr`);
    }
    await writeFile(join(dir, 'runs.json'), JSON.stringify(runs, null, 2));
    const chunks: Buffer[] = [];
    const stream = tarCreate({ gzip: true, cwd: dir, portable: true }, files);
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

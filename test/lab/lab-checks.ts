// What every lab test checks after a run: the data dir holds schema-valid inventories and the fleet
// report, and nothing the lab made is left (namespaces, processes, loopback ports).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { run } from '../helpers/netns.js';
import { portFree } from '../../src/lab/network.js';
import { validateInventory } from '../../src/shared/inventory/index.js';

/** A stream for runLab's `out` that keeps everything written to it. */
export function textSink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(c: Buffer, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  return { out, text: () => text };
}

/** The data dir the lab printed on its way out. */
export function labDataDir(text: string): string {
  const m = /lab: torn down; data and report in (\S+)/.exec(text);
  assert.ok(m?.[1], `no teardown line in:\n${text}`);
  return m[1];
}

/** The last lines of each peer's log of the lab whose output is `text`, for a failure message. */
export function peerLogs(text: string): string {
  const dir = /^lab: (\S+) — /m.exec(text)?.[1];
  if (!dir || !existsSync(join(dir, 'logs'))) return '(no lab logs)';
  return readdirSync(join(dir, 'logs'))
    .filter((f) => f.startsWith('peer-'))
    .map((f) => {
      const lines = readFileSync(join(dir, 'logs', f), 'utf8')
        .trimEnd()
        .split('\n');
      return `${f}:\n  ${lines.slice(-4).join('\n  ')}`;
    })
    .join('\n');
}

/** `peers` schema-valid inventories and the report in JSON, CSV and HTML; returns the node dirs' MACs. */
export function assertInventoriesAndReport(dataDir: string, peers: number, context = ''): string[] {
  const nodes = join(dataDir, 'nodes');
  const macs = readdirSync(nodes).filter((m) => existsSync(join(nodes, m, 'inventory.json')));
  assert.equal(macs.length, peers, context);
  for (const m of macs) {
    const v = validateInventory(JSON.parse(readFileSync(join(nodes, m, 'inventory.json'), 'utf8')));
    assert.ok(v.ok, `${m}: ${v.ok ? '' : v.errors.join('; ')}`);
  }
  for (const f of ['report.json', 'report.csv', 'report.html'])
    assert.ok(existsSync(join(dataDir, f)), `${f} in ${dataDir}`);
  return macs;
}

interface StateNode {
  ip6?: string;
  inventory?: {
    summary: {
      vendor?: string;
      product?: string;
      bootMode?: string;
      disks?: { name: string; model?: string; sizeBytes?: number }[];
    };
  };
}

/**
 * Each peer's record in the master's state agrees with what the peer simulated: the boot mode of its firmware
 * (peer n boots BIOS when n is even), a system line, the recorded disks (the Dell's 4 TB Seagate as sda), and
 * in a lab with IPv6 the DHCPv6 address it took from the lab's /64.
 */
export function assertCoherentPeers(dataDir: string, text: string): void {
  const { state } = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as {
    state: { nodes: Record<string, StateNode> };
  };
  const v6 = / and ([0-9a-f:]+)::\/64 in namespace/.exec(text)?.[1];
  const peers = Object.entries(state.nodes).filter(([mac]) => mac.startsWith('02:1a:b0:00:'));
  assert.ok(peers.length > 0, 'simulated peers in the state');
  for (const [mac, n] of peers) {
    const index = parseInt(mac.slice(-5).replace(':', ''), 16);
    const s = n.inventory?.summary;
    assert.ok(s, `${mac}: inventory summary`);
    assert.equal(s.bootMode, index % 2 === 0 ? 'bios' : 'uefi', `${mac}: boot mode`);
    assert.ok(`${s.vendor ?? ''} ${s.product ?? ''}`.trim(), `${mac}: a system line`);
    if (s.product === 'PowerEdge R440')
      assert.deepEqual(
        s.disks?.map((d) => [d.name, d.sizeBytes, d.model]),
        [['sda', 4000787030016, 'SEAGATE ST4000NM0043']],
        `${mac}: the Dell's recorded disk`,
      );
    if (v6) assert.ok(n.ip6?.startsWith(`${v6}::`), `${mac}: DHCPv6 address in ${v6}::/64, got ${n.ip6}`);
  }
}

/** Every process's command line, from /proc (no procps needed). */
function processCommandLines(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        return [readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim()];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** No namespace, process or loopback port of the lab whose output is `text` and whose dir is `dir`. */
export async function assertLabGone(text: string, dir: string): Promise<void> {
  const id = /namespace (rlab\d+)m\b/.exec(text)?.[1];
  if (id) {
    const list = (await run(['ip', 'netns', 'list'])).stdout;
    assert.ok(!new RegExp(`^${id}[mp]`, 'm').test(list), `namespaces of ${id} removed:\n${list}`);
  }
  const ports = /ports (\d+)-(\d+)/.exec(text);
  if (ports)
    for (let p = Number(ports[1]); p <= Number(ports[2]); p++)
      assert.ok(await portFree(p), `port ${p} free again`);
  assert.ok(id || ports, `the lab said where it ran:\n${text}`);
  const left = processCommandLines().filter((c) => c.includes(dir));
  assert.deepEqual(left, [], 'no process of the lab left');
}

/**
 * Runs argv in cwd; SIGTERM once the output matches `termWhen`, and on timeout (the lab tears down on
 * it), SIGKILL 15 s later.
 */
export function runIn(
  argv: string[],
  cwd: string,
  ms: number,
  termWhen?: RegExp,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (c: string) => {
    out += c;
    if (termWhen?.test(out)) {
      termWhen = undefined;
      child.kill('SIGTERM');
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const term = setTimeout(() => child.kill('SIGTERM'), ms);
  const kill = setTimeout(() => child.kill('SIGKILL'), ms + 15_000);
  return new Promise((res) =>
    child.once('close', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      res({ code, out });
    }),
  );
}

// What every lab test checks after a run: the data dir holds schema-valid inventories and the fleet
// report, and nothing the lab made is left (namespaces, processes, loopback ports).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isRoot } from '../helpers/needs.js';
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
  const procs = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  assert.ok(!procs.includes(dir), `no process of the lab left:\n${procs}`);
}

/**
 * How to run a command as an unprivileged user: as root, through setpriv as `nobody`; otherwise as
 * this (already unprivileged) user. `skip` says why it cannot be done.
 */
export function unprivileged(readable: string): {
  prefix: string[];
  uid: number;
  gid: number;
  skip: string | false;
} {
  if (!isRoot())
    return { prefix: [], uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, skip: false };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  } catch {
    return { prefix: [], uid: -1, gid: -1, skip: 'skipped: no user nobody to drop privileges to' };
  }
  const prefix = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'];
  try {
    execFileSync(prefix[0]!, [...prefix.slice(1), 'test', '-r', readable], { stdio: 'ignore' });
  } catch {
    return {
      prefix,
      uid,
      gid,
      skip: `skipped: cannot run as nobody (setpriv) or nobody cannot read ${readable}`,
    };
  }
  return { prefix, uid, gid, skip: false };
}

// A hostile peer against the assembled `recon master` in a network namespace rig, with an honest peer in
// another namespace. At a file limit of 1,024 (as systemd's default): 1,100 idle connections from one peer
// leave HTTP, TFTP and the control socket working for everyone else; 300 never-acknowledged RRQs from one
// peer leave TFTP to the honest client. Then: repeated uploads get 429, 800 unfinished 1 MiB inventory
// bodies stay within the body budget (RSS measured), a body trickled at a byte every 10 s is cut, and a
// trickled upload holds `recon power off --yes` no longer than power.uploadWaitSeconds. Last, an inventory
// of 1.35 million empty disks (4 MB) is refused at once instead of stalling the master.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { needs } from '../helpers/needs.js';
import { NetnsRig, RIG_V4, type Peer } from '../helpers/netns.js';
import { recon, reconArgv, waitForSocket } from '../helpers/master.js';
import { sampleInventory } from '../collect/sample-inventory.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';

const skip = needs({ root: true, tools: ['ip', 'ss', 'tftp', 'curl', 'prlimit'] });
const HOSTILE = [
  process.execPath,
  '--import',
  'tsx',
  join(import.meta.dirname, '../helpers/hostile-peer.ts'),
];
const MASTER = RIG_V4.master;
const ATTACKER_IP = '10.99.0.66';
const HONEST_IP = '10.99.0.77';
/** the attacker's extra addresses for the body test: 26 × 32 connections per source ≥ 800 */
const ATTACKER_EXTRA = Array.from({ length: 26 }, (_, i) => `10.99.0.${130 + i}`);

let rig: NetnsRig;
let attacker: Peer;
let honest: Peer;
let dir: string;
let bootSha: string;
let master: ChildProcess | undefined;
let masterErr = '';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sock = () => join(dir, 'control.sock');

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function config(extra: ReconConfigInput = {}): ReconConfigInput {
  return {
    interface: 'br0',
    ipv4: { address: MASTER, prefix: 24, range: ['10.99.0.20', '10.99.0.60'] },
    ipv6: { enabled: false },
    dataDir: join(dir, `data-${Date.now()}`),
    tftpRoot: join(dir, 'tftp'),
    controlSocket: sock(),
    http: { roots: { '/install': join(dir, 'install') } },
    guard: { enabled: false },
    power: { poweroffCommand: [join(dir, 'poweroff.sh')], uploadWaitSeconds: 4 },
    ...extra,
  };
}

/** `recon master` in the master namespace, optionally under a file limit; waits for its control socket. */
async function startMaster(cfg: ReconConfigInput, nofile?: number): Promise<ChildProcess> {
  const path = join(dir, 'recon.json');
  await writeFile(path, JSON.stringify(cfg, null, 2));
  await rm(sock(), { force: true });
  const limit = nofile ? ['prlimit', `--nofile=${nofile}:${nofile}`] : [];
  const child = rig.spawn(rig.masterNs, [...limit, ...reconArgv(), 'master', '--config', path]);
  masterErr = '';
  child.stderr?.on('data', (d: Buffer) => (masterErr += d.toString()));
  await waitForSocket(sock(), 30_000);
  return child;
}

function stopAttacks(): void {
  for (const a of attacks) a.kill('SIGKILL');
  attacks.clear();
}

async function stopMaster(): Promise<void> {
  if (!master || master.exitCode !== null) return;
  const m = master;
  m.kill('SIGTERM');
  const killer = setTimeout(() => m.kill('SIGKILL'), 15_000);
  await new Promise((r) => m.once('exit', r));
  clearTimeout(killer);
}

const attacks = new Set<ChildProcess>();

/** A hostile peer process in the attacker namespace (until stopAttacks); `last()` is its latest status line. */
function hostile(...args: string[]) {
  const child = rig.spawn(attacker.ns, [...HOSTILE, ...args]);
  attacks.add(child);
  let last: Record<string, number> = {};
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) last = JSON.parse(l) as Record<string, number>;
  });
  return { child, last: () => last, stop: () => child.kill('SIGKILL') };
}

/** Waits (at most 60 s) until `cond` holds: a hostile process on a loaded machine takes a while to start. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 120 && !cond(); i++) await sleep(500);
  assert.ok(cond(), what);
}

async function honestHttp(path: string): Promise<{ code: string; seconds: number }> {
  const t0 = Date.now();
  const r = await rig.exec(honest.ns, [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    '10',
    `http://${MASTER}${path}`,
  ]);
  return { code: r.stdout.trim() || r.stderr.trim(), seconds: (Date.now() - t0) / 1000 };
}

/** tftp-hpa in the honest namespace; the file's sha256 (or the error) and how long it took. */
async function honestTftp(): Promise<{ sha: string; seconds: number; err: string }> {
  const out = join(dir, `got-${Date.now()}`);
  const t0 = Date.now();
  const r = await rig.exec(
    honest.ns,
    ['timeout', '20', 'tftp', '-m', 'binary', MASTER, '-c', 'get', 'boot.bin', out],
    { timeoutMs: 30_000 },
  );
  const got = await readFile(out).catch(() => Buffer.alloc(0));
  await rm(out, { force: true });
  return { sha: sha(got), seconds: (Date.now() - t0) / 1000, err: r.stdout + r.stderr };
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-hostile-'));
  await mkdir(join(dir, 'tftp'));
  await mkdir(join(dir, 'install'));
  const boot = randomBytes(1 << 20);
  bootSha = sha(boot);
  await writeFile(join(dir, 'tftp', 'boot.bin'), boot);
  await writeFile(join(dir, 'install', 'file.bin'), randomBytes(256 << 10));
  await writeFile(join(dir, 'poweroff.sh'), `#!/bin/sh\ndate +%s.%N >> ${join(dir, 'poweroff.log')}\n`);
  await chmod(join(dir, 'poweroff.sh'), 0o755);
  rig = await NetnsRig.create('hos');
  attacker = await rig.addPeer('52:54:00:66:00:66');
  honest = await rig.addPeer('52:54:00:77:00:77');
  for (const [p, ip] of [
    [attacker, ATTACKER_IP],
    [honest, HONEST_IP],
  ] as const)
    assert.equal((await rig.exec(p.ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])).code, 0);
  for (const ip of ATTACKER_EXTRA)
    await rig.exec(attacker.ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
});

after(async () => {
  if (skip) return;
  await stopMaster();
  await rig?.teardown();
  await rm(dir, { recursive: true, force: true });
});

test(
  'at 1,024 files: 1,100 idle connections and 300 stalled RRQs from one peer leave HTTP, TFTP and control to the others',
  { skip },
  async () => {
    const cfg = config();
    master = await startMaster(cfg, 1024);
    const pid = master.pid!;
    try {
      const idle = hostile('idle', MASTER, '80', '1100');
      await until(() => (idle.last().closed ?? 0) > 1100, 'the idle attack is under way');
      const fds = (await rig.exec(rig.masterNs, ['ls', `/proc/${pid}/fd`])).stdout.split('\n').length;
      // connections the master holds (accepted: they have its pid), by the attacker's address
      const held = (
        await rig.exec(rig.masterNs, ['ss', '-Htnp', 'state', 'established', 'sport', '=', ':80'])
      ).stdout
        .split('\n')
        .filter((l) => l.includes(`pid=${pid},`) && l.includes(ATTACKER_IP)).length;
      const http = await honestHttp('/install/file.bin');
      const tftp = await honestTftp();
      const status = await recon(['status', '--socket', sock(), '--json'], { timeoutMs: 20_000 });
      process.stdout.write(
        `# idle attack: the master holds ${held} of the attacker's 1100 (attacker saw ${idle.last().closed} closed); master fds ${fds}; honest HTTP ${http.code} in ${http.seconds} s, TFTP ${tftp.seconds} s\n`,
      );
      assert.equal(http.code, '200', 'HTTP still answers an honest peer');
      assert.equal(tftp.sha, bootSha, `TFTP still serves an honest peer: ${tftp.err}`);
      assert.equal(status.code, 0, `the control socket answers: ${status.stderr}`);
      assert.ok(held <= 32, `one source holds at most its cap (${held})`);
      assert.ok(fds < 1024 - 100, `file descriptors left over (${fds} open)`);
      assert.doesNotMatch(masterErr, /EMFILE/);

      // a silent connection is closed after its first-request timeout, and reopened by the attacker
      assert.ok(
        (idle.last().closed ?? 0) > 1000,
        `refused and timed-out connections (${idle.last().closed})`,
      );

      const rrq = hostile('rrq', MASTER, '69', '300', 'boot.bin');
      await until(() => (rrq.last().errors ?? 0) > 250, 'the stalled RRQs are under way');
      const during = await honestTftp();
      process.stdout.write(
        `# stalled RRQs: attacker got ${rrq.last().errors} errors, ${rrq.last().data} data; honest TFTP ${during.seconds} s\n`,
      );
      assert.equal(during.sha, bootSha, `honest TFTP under 300 stalled RRQs: ${during.err}`);
      assert.ok(during.seconds < 10, `promptly (${during.seconds} s)`);
      assert.ok((rrq.last().errors ?? 0) > 250, 'the attacker is told "busy"');
      const again = await honestHttp('/install/file.bin');
      assert.equal(again.code, '200');
      // nothing acknowledged, nothing recorded: the flood of requests leaves no transfer events
      const events = await readFile(join(cfg.dataDir!, 'events.jsonl'), 'utf8');
      const attackerTransfers = events.split('\n').filter((l) => l.includes(`"ip":"${ATTACKER_IP}"`));
      assert.deepEqual(attackerTransfers, []);
      assert.ok(events.includes(`"ip":"${HONEST_IP}"`), "the honest client's transfers are recorded");
      rrq.stop();
      idle.stop();
    } finally {
      stopAttacks();
      await stopMaster();
    }
  },
);

test(
  'uploads: 429 on repeats, 800 unfinished 1 MiB bodies within the budget, a trickle is cut and cannot hold the power-down',
  { skip },
  async () => {
    const cfg = config({ http: { roots: { '/install': join(dir, 'install') }, trustAnySource: true } });
    master = await startMaster(cfg);
    const pid = master.pid!;
    try {
      // repeated uploads from one node: the burst, then 429 with Retry-After
      const inv = join(dir, 'inv.json');
      await writeFile(inv, JSON.stringify(sampleInventory()));
      const url = `http://${MASTER}/api/v1/nodes/52:54:00:77:00:77/inventory`;
      const puts = await rig.exec(honest.ns, [
        'sh',
        '-c',
        `for i in 1 2 3 4 5 6; do curl -sS -o /dev/null -D - -w '%{http_code}\\n' -X PUT -H 'content-type: application/json' --data-binary @${inv} ${url} | grep -iE '^(retry-after|[0-9]{3}$)'; done`,
      ]);
      const codes = puts.stdout
        .split('\n')
        .filter((l) => /^\d{3}\s*$/.test(l))
        .map((l) => l.trim());
      assert.deepEqual(codes, ['200', '200', '200', '200', '429', '429'], puts.stdout + puts.stderr);
      assert.match(puts.stdout, /retry-after: \d+/i);
      // only the accepted ones are events, each with its bounded summary
      const stored = (await readFile(join(cfg.dataDir!, 'events.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('"inventory.stored"'));
      assert.equal(stored.length, 4);
      assert.ok(stored.every((l) => l.length < 64 * 1024));

      // 800 unfinished 1 MiB inventory bodies from 26 addresses
      const rssBefore = rssMiB(pid);
      const bodies = hostile('bodies', MASTER, '80', '800', String(1 << 20), ...ATTACKER_EXTRA);
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
      // every body sent or refused, and a while for the accepted ones to sit in memory
      await until(() => (bodies.last().open ?? 0) + (bodies.last().closed ?? 0) >= 800, 'all bodies sent');
      await sleep(3000);
      clearInterval(sampler);
      const b = bodies.last();
      process.stdout.write(
        `# bodies: ${b.open} open, ${b.http503 ?? 0} answered 503, ${b.closed ?? 0} closed; master RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB\n`,
      );
      assert.ok((b.http503 ?? 0) + (b.closed ?? 0) >= 600, 'bodies beyond the budget are refused');
      assert.ok(peak - rssBefore < 200, `memory bounded: +${(peak - rssBefore).toFixed(0)} MiB`);
      const meanwhile = await honestHttp('/install/file.bin');
      assert.equal(meanwhile.code, '200');
      bodies.stop();

      // a byte every 10 s: cut by the minimum body rate
      const slow = hostile('trickle', MASTER, '80', '52:54:00:66:00:02', '1', '10000');
      const t0 = performance.now();
      while (slow.last().closed === undefined && performance.now() - t0 < 40_000) await sleep(500);
      process.stdout.write(
        `# trickle 1 B/10 s: cut after ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
      assert.equal(slow.last().closed, 1, 'the trickled upload was cut');
      slow.stop();

      // faster than the minimum rate, slower than ever finishing: the power-down waits 4 s, then cuts it
      const held = hostile('trickle', MASTER, '80', '52:54:00:66:00:03', '2000', '1000');
      await until(() => (held.last().sent ?? 0) >= 4000, 'the held upload is under way');
      assert.equal(held.last().closed, undefined, `still uploading: ${JSON.stringify(held.last())}`);
      const p0 = Date.now();
      const off = await recon(['power', 'off', '--yes', '--socket', sock()], { timeoutMs: 90_000 });
      const took = (Date.now() - p0) / 1000;
      process.stdout.write(
        `# power off with a trickled upload in flight: ${took.toFixed(1)} s (uploadWaitSeconds 4)\n`,
      );
      assert.equal(off.code, 0, off.stdout + off.stderr);
      assert.match(
        off.stderr,
        /uploads discarded FAILED: not finished after 4 s, cut and not stored: 52:54:00:66:00:03/,
      );
      assert.ok(took < 4 + 5 + 15, `not held by the peer (${took} s)`);
      assert.equal((await readFile(join(dir, 'poweroff.log'), 'utf8')).trim().split('\n').length, 1);
      held.stop();
    } finally {
      stopAttacks();
      await stopMaster();
    }
  },
);

test(
  'a 4 MiB inventory of 1.35 million empty disks is refused at once, and the master goes on answering',
  { skip },
  async () => {
    const cfg = config({ http: { roots: { '/install': join(dir, 'install') }, trustAnySource: true } });
    master = await startMaster(cfg);
    try {
      const doc = join(dir, 'disks.json');
      await writeFile(
        doc,
        JSON.stringify({ ...sampleInventory(), disks: Array.from({ length: 1_350_000 }, () => ({})) }),
      );
      const url = `http://${MASTER}/api/v1/nodes/52:54:00:66:00:04/inventory`;
      const put = await rig.exec(attacker.ns, [
        'curl',
        '-sS',
        '-o',
        join(dir, 'disks.answer'),
        '-w',
        '%{http_code} %{time_total}',
        '-X',
        'PUT',
        '-H',
        'content-type: application/json',
        '--data-binary',
        `@${doc}`,
        url,
      ]);
      const [code, seconds] = put.stdout.trim().split(' ');
      const answer = await readFile(join(dir, 'disks.answer'), 'utf8');
      process.stdout.write(`# 1.35M empty disks: ${code} in ${seconds} s: ${answer.slice(0, 120)}\n`);
      assert.equal(code, '422', put.stderr + answer);
      assert.match(answer, /disks/);
      // the whole exchange (4 MB over the bridge, parse, refusal), not validation alone: seconds would mean a stall
      assert.ok(Number(seconds) < 2, `refused in ${seconds} s`);
      const after = await honestHttp('/install/file.bin');
      assert.equal(after.code, '200');
      const stored = (await readFile(join(cfg.dataDir!, 'events.jsonl'), 'utf8')).includes(
        '52:54:00:66:00:04',
      );
      assert.equal(stored, false, 'nothing of the refused inventory was recorded');
    } finally {
      await stopMaster();
    }
  },
);

// A full stick, against `recon master` itself: its data dir is a small tmpfs, peers on the rig bridge
// upload raw archives until the master refuses them (507: the reserve is kept), inventories still get in,
// boots are still served (DHCP lease, TFTP and HTTP reads), `recon status` says "data partition full" with
// the figures, then events and inventories fill the partition to the last byte and are refused with 507
// too. After a restart on the full partition every acknowledged event (`seq`) and upload (`sha256`) is on
// disk and in the recovered state, and the event log holds no torn or glued line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ControlClient } from '../../src/master/control/client.js';
import { readLog } from '../../src/model/log.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { recon, startMaster, type RunningMaster } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { NetnsRig, RIG_V4, run, type Peer } from '../helpers/netns.js';
import type { PeerAnswer, PeerKind } from '../helpers/upload-peer.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KiB = 1024;
const MiB = 1024 * KiB;
const RESERVE = 1 * MiB;
const MASTER = `http://${RIG_V4.master}`;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ok = (a: PeerAnswer) => a.status >= 200 && a.status < 300;

async function must(argv: string[]): Promise<string> {
  const r = await run(argv, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs the simulated peers in `peer`'s namespace; returns every answer in order. */
async function peers(
  rig: NetnsRig,
  peer: Peer,
  kind: PeerKind,
  opts: { count: number; tag: number; bytes?: number; concurrency?: number; stopOn507?: boolean },
): Promise<PeerAnswer[]> {
  const argv = [
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'test/helpers/upload-peer.ts'),
    '--base',
    MASTER,
    '--kind',
    kind,
    '--count',
    String(opts.count),
    '--tag',
    String(opts.tag),
    '--bytes',
    String(opts.bytes ?? 64 * KiB),
    '--concurrency',
    String(opts.concurrency ?? 1),
    ...(opts.stopOn507 ? ['--stop-on', '507'] : []),
  ];
  const r = await rig.exec(peer.ns, argv, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`peers failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PeerAnswer);
}

async function status(m: RunningMaster): Promise<string> {
  const r = await recon(['status', '--socket', m.socket]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** What a peer booting now gets: a DHCP lease (PXE vendor class), a TFTP file, an HTTP file. */
async function bootReads(rig: NetnsRig, dhcpPeer: Peer, peer: Peer, dir: string): Promise<void> {
  const lease = await rig.exec(dhcpPeer.ns, [
    'udhcpc',
    '-i',
    'eth0',
    '-n',
    '-q',
    '-t',
    '5',
    '-T',
    '2',
    '-s',
    '/bin/true',
    '-V',
    'PXEClient:Arch:00000:UNDI:002001',
  ]);
  assert.equal(lease.code, 0, `no DHCP lease: ${lease.stderr}`);
  const got = join(dir, `tftp-${randomBytes(3).toString('hex')}`);
  const tftp = await rig.exec(peer.ns, [
    'tftp',
    '-m',
    'binary',
    RIG_V4.master,
    '-c',
    'get',
    'undionly.kpxe',
    got,
  ]);
  assert.equal(tftp.code, 0, `TFTP read failed: ${tftp.stderr}`);
  assert.equal(sha(await readFile(got)), sha(await readFile(join(dir, 'tftp', 'undionly.kpxe'))));
  const http = await rig.exec(peer.ns, [
    'curl',
    '-sf',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    `${MASTER}/install/file.bin`,
  ]);
  assert.equal(http.stdout, '200', `HTTP read failed: ${http.stderr}`);
}

void test(
  'a full stick: raw archives refused first (507), inventories and boots go on, nothing acknowledged is lost',
  { skip: needs({ root: true, tools: ['mount', 'umount', 'curl', 'udhcpc', 'tftp'] }), timeout: 300_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-full-stick-'));
    const data = join(dir, 'data');
    await mkdir(data);
    await must(['mount', '-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', data]);
    const rig = await NetnsRig.create('full');
    let master: RunningMaster | undefined;
    try {
      const peer = await rig.addPeer();
      await must(['ip', '-n', peer.ns, 'addr', 'add', '10.99.0.60/24', 'dev', 'eth0']);
      const dhcpPeer = await rig.addPeer('52:54:00:fa:11:01');
      await mkdir(join(dir, 'tftp'));
      await mkdir(join(dir, 'install'));
      await writeFile(join(dir, 'tftp', 'undionly.kpxe'), randomBytes(100 * KiB));
      await writeFile(join(dir, 'install', 'file.bin'), randomBytes(100 * KiB));
      const config = (d: string): ReconConfigInput => ({
        interface: 'br0',
        dataDir: data,
        tftpRoot: join(d, 'tftp'),
        controlSocket: join(d, 'control.sock'),
        ipv4: { address: RIG_V4.master, prefix: RIG_V4.prefix, range: ['10.99.0.100', '10.99.0.200'] },
        ipv6: { enabled: false },
        http: { roots: { '/install': join(d, 'install') }, trustAnySource: true },
        guard: { enabled: false },
        state: { reserveBytes: RESERVE },
      });
      master = await startMaster({ dir, netns: rig.masterNs, config, readyTimeoutMs: 90_000 });
      const answers: PeerAnswer[] = [];

      // raw archives until the master refuses one: the reserve is not theirs
      const raws = await peers(rig, peer, 'raw', { count: 100, tag: 1, stopOn507: true });
      answers.push(...raws);
      const rawRefusal = raws.at(-1)!;
      assert.equal(rawRefusal.status, 507, JSON.stringify(rawRefusal));
      assert.match(rawRefusal.error ?? '', /raw archives are refused/);
      assert.ok(raws.filter(ok).length >= 10, `${raws.filter(ok).length} raw archives stored`);
      for (const a of raws.filter(ok)) assert.equal(a.sha256, a.sent);

      // inventories still get in, into the reserve; the partition is then "full" for raw archives
      const inventories = await peers(rig, peer, 'inventory', { count: 20, tag: 2 });
      answers.push(...inventories);
      assert.deepEqual(
        inventories.map((a) => a.status),
        inventories.map(() => 200),
      );
      const small = await peers(rig, peer, 'raw', { count: 1, tag: 3, bytes: 4 * KiB });
      assert.equal(small[0]!.status, 507, 'a raw archive inside the reserve is refused');
      const full = await status(master);
      assert.match(full, /ALERT data partition full: [\d.]+ [KM]iB free of [\d.]+ MiB \(reserve 1\.0 MiB\)/);

      // boots go on while the reserve lasts
      await bootReads(rig, dhcpPeer, peer, dir);

      // then inventories are refused at the events' quarter of the reserve, and events fill the rest
      const moreInventories = await peers(rig, peer, 'inventory', { count: 1000, tag: 4, stopOn507: true });
      answers.push(...moreInventories);
      assert.equal(moreInventories.at(-1)!.status, 507);
      const events = await peers(rig, peer, 'event', {
        count: 20_000,
        tag: 5,
        concurrency: 4,
        stopOn507: true,
      });
      answers.push(...events);
      const refusedEvents = events.filter((a) => a.status === 507);
      assert.ok(refusedEvents.length > 0, 'the event log filled up');
      assert.ok(events.filter(ok).length > 100, `${events.filter(ok).length} events acknowledged`);
      assert.deepEqual(
        answers.filter((a) => !ok(a) && a.status !== 507),
        [],
        'every refusal is a 507',
      );
      assert.match(await status(master), /ALERT data partition full: /);
      // a full stick still serves what boots read (a new lease needs a line in the log: not asserted)
      const tftp = await rig.exec(peer.ns, [
        'tftp',
        RIG_V4.master,
        '-c',
        'get',
        'undionly.kpxe',
        join(dir, 'again'),
      ]);
      assert.equal(tftp.code, 0, `TFTP read on a full stick: ${tftp.stderr}`);
      const http = await rig.exec(peer.ns, [
        'curl',
        '-sf',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${MASTER}/install/file.bin`,
      ]);
      assert.equal(http.stdout, '200');

      // restart on the full partition: everything acknowledged is there, on disk and in the state
      assert.equal(await master.stop(), 0, master.stderr());
      master = await startMaster({ dir, netns: rig.masterNs, config, readyTimeoutMs: 90_000 });
      const acked = answers.filter(ok);
      const log = await readLog(join(data, 'events.jsonl'));
      assert.deepEqual(log.skipped, [], 'no torn or glued line in events.jsonl');
      const bySeq = new Map(log.events.map((e) => [e.seq, e]));
      const client = await ControlClient.connect(master.socket);
      const { state } = await client.getState();
      client.close();
      for (const a of acked) {
        if (a.kind === 'event') {
          const ev = bySeq.get(a.seq!);
          assert.ok(ev, `acknowledged event ${a.seq} lost`);
          assert.equal((ev.data as { detail?: string }).detail, a.sent);
          continue;
        }
        const file = join(data, 'nodes', a.mac, a.kind === 'raw' ? 'raw.tar.gz' : 'inventory.json');
        assert.equal(sha(await readFile(file)), a.sha256, `${a.kind} of ${a.mac}`);
        const node = state.nodes[a.mac];
        assert.equal(a.kind === 'raw' ? node?.raw?.sha256 : node?.inventory?.sha256, a.sha256, a.mac);
      }
      t.diagnostic(
        `acknowledged: ${acked.filter((a) => a.kind === 'raw').length} raw, ` +
          `${acked.filter((a) => a.kind === 'inventory').length} inventories, ` +
          `${acked.filter((a) => a.kind === 'event').length} events; refused (507): ` +
          `${answers.filter((a) => a.status === 507).length}`,
      );
    } finally {
      await master?.stop('SIGKILL');
      await rig.teardown();
      await run(['umount', data]);
      await rm(dir, { recursive: true, force: true });
    }
  },
);

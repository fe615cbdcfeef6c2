// Table tests for the pure parts of the power module, on recorded real output (test/fixtures/power):
// ipmitool answers from ipmi_sim → power status and failure kind; the RMCP pong; /proc/self/mountinfo of a
// machine with a loop-mounted data partition → which mount holds the data dir and whether recon may unmount
// it; /proc/<pid>/maps → files a process maps from that mount; secret file modes; peer-shutdown decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  classifyIpmiFailure,
  failureDetail,
  IpmiError,
  isRetryable,
  needsPing,
  parsePowerStatus,
  type IpmiFailureKind,
} from '../../src/net/bmc/ipmi/ipmi-result.js';
import { encodePresencePing, isPresencePong, type PingOutcome } from '../../src/net/bmc/ipmi/rmcp.js';
import { classifyDataMount, findMountFor, isMounted, parseMountinfo } from '../../src/master/power/mounts.js';
import { describeHolder, devToMajorMinor, mappedFilesOn } from '../../src/master/power/holders.js';
import { passwordFromFile, secretFileModeProblem } from '../../src/net/bmc/credentials.js';
import { isShutdownAck, shutdownAllTargets } from '../../src/master/power/peer-shutdown.js';
import { summarizeShutdown } from '../../src/master/power/actions.js';
import { reduceAll } from '../../src/model/reducer.js';
import type { ReconEvent } from '../../src/model/events.js';

const fx = (name: string): string =>
  readFileSync(new URL(`../fixtures/power/${name}`, import.meta.url), 'utf8');

interface Recorded {
  stdout: string;
  stderr: string;
  rc: number;
}
const ipmitool = (c: string): Recorded => ({
  stdout: fx(`ipmitool-${c}.stdout`),
  stderr: fx(`ipmitool-${c}.stderr`),
  rc: Number(fx(`ipmitool-${c}.rc`).trim()),
});

test('ipmitool power answers: status is read, control answers are not a status', () => {
  const table: [string, 'on' | 'off' | undefined][] = [
    ['status-on', 'on'],
    ['status-off', 'off'],
    ['soft', undefined],
    ['off', undefined],
  ];
  for (const [c, want] of table) {
    const r = ipmitool(c);
    assert.equal(r.rc, 0, c);
    assert.equal(parsePowerStatus(r.stdout), want, c);
    // a successful -v run only chatters on stderr: nothing there reads as a failure reason
    assert.equal(failureDetail(r.stderr), '', c);
  }
  assert.equal(parsePowerStatus(''), undefined);
  assert.equal(parsePowerStatus('Chassis Power is unknown\n'), undefined);
});

test('ipmitool failures are classified: auth failed, unreachable, timeout, other', () => {
  // case, what a presence ping saw (when one is sent), killed by our time limit, kind
  const table: [string, PingOutcome | undefined, boolean, IpmiFailureKind][] = [
    ['wrong-password', undefined, false, 'auth'],
    ['unknown-user', undefined, false, 'auth'],
    ['cipher-17', undefined, false, 'other'],
    ['no-answer', 'refused', false, 'unreachable'],
    ['no-answer', 'no-route', false, 'unreachable'],
    ['silent', 'silent', false, 'timeout'],
    // something answers RMCP but the session never came: not a network problem
    ['silent', 'pong', false, 'other'],
    ['no-answer', undefined, false, 'other'],
    // our own time limit ended it, whatever it had printed
    ['silent', undefined, true, 'timeout'],
    ['wrong-password', undefined, true, 'timeout'],
  ];
  for (const [c, ping, killed, kind] of table) {
    const r = ipmitool(c);
    assert.equal(r.rc, 1, c);
    assert.equal(r.stdout, '', c);
    assert.equal(
      classifyIpmiFailure({ stderr: r.stderr, killed, ping }),
      kind,
      `${c} ping=${ping} killed=${killed}`,
    );
  }
});

test('only a run that heard nothing asks for a ping; auth failures are never retried', () => {
  const table: [string, boolean][] = [
    ['no-answer', true],
    ['silent', true],
    ['wrong-password', false],
    ['unknown-user', false],
    ['cipher-17', false],
    ['status-on', false],
  ];
  for (const [c, want] of table) assert.equal(needsPing(ipmitool(c).stderr), want, c);
  assert.equal(isRetryable('auth'), false);
  for (const k of ['unreachable', 'timeout', 'other'] as const) assert.equal(isRetryable(k), true, k);
});

test('the failure reason is the informative stderr lines, without -v chatter', () => {
  const table: [string, string][] = [
    ['wrong-password', 'RAKP 2 HMAC is invalid; Error: Unable to establish IPMI v2 / RMCP+ session'],
    [
      'unknown-user',
      'RAKP 2 message indicates an error : unauthorized name; Error: Unable to establish IPMI v2 / RMCP+ session',
    ],
    [
      'cipher-17',
      'Error in open session response message : invalid authentication algorithm; Error: Unable to establish IPMI v2 / RMCP+ session',
    ],
    [
      'no-answer',
      'Get Auth Capabilities error; Error issuing Get Channel Authentication Capabilities request; Error: Unable to establish IPMI v2 / RMCP+ session',
    ],
  ];
  for (const [c, want] of table) assert.equal(failureDetail(ipmitool(c).stderr), want, c);
  const e = new IpmiError('auth', '10.0.0.5:623 chassis power status: RAKP 2 HMAC is invalid');
  assert.equal(e.message, 'authentication failed: 10.0.0.5:623 chassis power status: RAKP 2 HMAC is invalid');
  assert.equal(new IpmiError('unreachable', 'x').message, 'BMC unreachable: x');
  assert.equal(new IpmiError('timeout', 'x').message, 'BMC timed out: x');
});

test('RMCP presence ping bytes, and the pong ipmi_sim sent back', () => {
  assert.equal(encodePresencePing(1).toString('hex'), '0600ff06000011be80010000');
  assert.equal(encodePresencePing(0x1ff).readUInt8(9), 0xff, 'the tag is one byte');
  const pong = Buffer.from(fx('rmcp-pong-ipmi-sim.hex').trim(), 'hex');
  assert.equal(isPresencePong(pong, 1), true);
  assert.equal(isPresencePong(pong, 2), false, 'an answer to another ping');
  assert.equal(isPresencePong(pong.subarray(0, 11), 1), false, 'truncated');
  assert.equal(isPresencePong(encodePresencePing(1), 1), false, 'a ping is not a pong');
  const otherIana = Buffer.from(pong);
  otherIana.writeUInt32BE(1, 4);
  assert.equal(isPresencePong(otherIana, 1), false);
});

const MOUNTINFO = fx('mountinfo-loop-data.txt');

test('mountinfo of a machine with a loop-mounted data partition is parsed, escapes decoded', () => {
  const entries = parseMountinfo(MOUNTINFO);
  assert.equal(entries.length, MOUNTINFO.trim().split('\n').length);
  assert.deepEqual(
    entries.find((e) => e.source === '/dev/loop300'),
    {
      id: 55,
      parentId: 27,
      dev: '7:300',
      root: '/',
      mountPoint: '/mnt/recon data',
      options: 'rw,relatime',
      fstype: 'ext4',
      source: '/dev/loop300',
    },
  );
  const root = entries.find((e) => e.mountPoint === '/');
  assert.deepEqual([root?.dev, root?.fstype, root?.source], ['254:0', 'ext4', '/dev/vda']);
  // optional fields ("shared:1") sit before the separator and do not shift the fields after it
  const netns = entries.find((e) => e.mountPoint === '/run/netns');
  assert.deepEqual([netns?.root, netns?.fstype, netns?.source], ['/run/netns', 'ext4', '/dev/vda']);
  const nsfs = entries.find((e) => e.fstype === 'nsfs');
  assert.equal(nsfs?.root, 'net:[4026532177]');

  const odd = parseMountinfo(
    [
      '90 27 8:18 / /export/a\\011b\\012c\\134d rw - vfat /dev/sdb2 rw',
      'garbage',
      '91 27 8:19 / /short rw',
      'x y 8:20 / /bad-id rw - ext4 /dev/sdb4 rw',
      '92 27 8:21 / /no-sep rw ext4 /dev/sdb5 rw extra fields here',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    odd.map((e) => e.mountPoint),
    ['/export/a\tb\nc\\d'],
  );
});

test('the mount a path lives on: deepest mount point, never a mere name prefix', () => {
  const entries = parseMountinfo(MOUNTINFO);
  const table: [string, number | undefined][] = [
    ['/mnt/recon data', 55],
    ['/mnt/recon data/nodes/52:54:00:00:00:11', 55],
    ['/mnt/recon datax', 27],
    ['/', 27],
    ['/srv/kiwi/build/image-root/var/cache/kiwi/x', 47],
    ['/srv/kiwi/build/image-root/var', 43],
    ['/dev/shm/x', 30], // mounted twice: the later one is on top
    ['/sys/fs/cgroup/memory/x', 35],
  ];
  for (const [path, id] of table) assert.equal(findMountFor(entries, path)?.id, id, path);
  assert.equal(findMountFor([], '/x'), undefined);
  assert.equal(isMounted(entries, '/mnt/recon data'), true);
  assert.equal(isMounted(entries, '/mnt/recon'), false);
});

test('recon unmounts the data dir only when it is a partition of its own', () => {
  const recorded = parseMountinfo(MOUNTINFO);
  const extra = parseMountinfo(
    [
      '100 1 0:40 / / rw - overlay LiveOS_rootfs rw,lowerdir=/run/rootfsbase,upperdir=/run/overlayfs',
      '101 100 8:18 / /export rw,noatime - ext4 /dev/sdb2 rw',
      '102 100 8:18 / /run/media/live/DATA rw,noatime - ext4 /dev/sdb2 rw',
      '103 100 0:41 / /scratch rw - tmpfs tmpfs rw',
      '104 100 8:19 / /export2 rw - xfs /dev/sdb3 rw',
    ].join('\n'),
  );
  const table: [string, typeof recorded, 'own' | 'shared', RegExp | string][] = [
    ['/mnt/recon data/nodes', recorded, 'own', '/dev/loop300'],
    ['/export/nodes', recorded, 'shared', 'the data dir is on the root filesystem (ext4)'],
    ['/run/netns/data', recorded, 'shared', 'the data dir is on the system mount /run/netns (ext4)'],
    ['/dev/shm/recon', recorded, 'shared', 'the data dir is on the system mount /dev/shm (tmpfs)'],
    // a bind mount of a directory of the root filesystem: unmounting it would release nothing
    [
      '/srv/kiwi/build/image-root/var/cache/kiwi/nodes',
      recorded,
      'shared',
      /bind mount of \/var\/cache\/kiwi from \/dev\/vda/,
    ],
    ['/srv/nodes', extra, 'shared', 'the data dir is on the root filesystem (overlay, the live overlay)'],
    // the stick's partition, also mounted by the desktop: it would stay mounted after our unmount
    ['/export/nodes', extra, 'shared', /\/dev\/sdb2 is also mounted at \/run\/media\/live\/DATA/],
    ['/scratch/nodes', extra, 'shared', /\/scratch \(tmpfs from tmpfs\), not a partition/],
    ['/export2', extra, 'own', '/dev/sdb3'],
    ['/nodes', [], 'shared', 'no mount found for the data dir'],
  ];
  for (const [dir, entries, kind, what] of table) {
    const d = classifyDataMount(entries, dir);
    assert.equal(d.kind, kind, dir);
    const text = d.kind === 'own' ? d.mount.source : d.why;
    if (typeof what === 'string') assert.equal(text, what, dir);
    else assert.match(text, what, dir);
  }
});

test('holders: device numbers as stat gives them, files mapped from the mount', () => {
  // st_dev values recorded with stat on files of /dev/vda, /dev/loop0 and /dev/loop300
  const table: [number, string][] = [
    [65024, '254:0'],
    [1792, '7:0'],
    [1050412, '7:300'],
    [2049, '8:1'],
    [66305, '259:1'],
  ];
  for (const [dev, want] of table) assert.equal(devToMajorMinor(dev), want, String(dev));

  const maps = fx('maps-holder-loop300.txt');
  assert.deepEqual(mappedFilesOn(maps, '7:300'), ['/mnt/recon data/sleep-copy']);
  assert.deepEqual(mappedFilesOn(maps, '7:0'), []);
  const onRoot = mappedFilesOn(maps, '254:0');
  assert.ok(onRoot.includes('/usr/lib/x86_64-linux-gnu/libc.so.6'), onRoot.join());
  assert.ok(!onRoot.some((f) => f.startsWith('[')), 'anonymous mappings (inode 0) are not files');
  assert.deepEqual(mappedFilesOn('garbage\n\n', '7:300'), []);
  assert.equal(
    describeHolder({ pid: 4242, command: 'sleep 600', what: ['cwd /export', 'open /export/x (deleted)'] }),
    'pid 4242 (sleep 600): cwd /export, open /export/x (deleted)',
  );
});

test('BMC password files: only the owner may read them; first line, trailing blanks dropped', () => {
  const table: [number, string | undefined][] = [
    [0o100600, undefined],
    [0o100400, undefined],
    [0o100700, undefined],
    [0o100640, "/etc/recon/bmc.pw is readable by its group (mode 0640): run 'chmod 600 /etc/recon/bmc.pw'"],
    [0o100604, "/etc/recon/bmc.pw is readable by everyone (mode 0604): run 'chmod 600 /etc/recon/bmc.pw'"],
    [0o100620, "/etc/recon/bmc.pw is readable by its group (mode 0620): run 'chmod 600 /etc/recon/bmc.pw'"],
  ];
  for (const [mode, want] of table)
    assert.equal(secretFileModeProblem('/etc/recon/bmc.pw', mode), want, mode.toString(8));
  assert.equal(passwordFromFile('s3cret \t\nsecond line\n'), 's3cret');
  assert.equal(passwordFromFile(' lead space kept\n'), ' lead space kept');
  assert.equal(passwordFromFile(''), '');
});

test('peer shutdown decisions: targets, acknowledgements, summary', () => {
  const at = '2026-01-02T03:00:00.000Z';
  let seq = 0;
  const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
  const A = '52:54:00:00:00:0a';
  const B = '52:54:00:00:00:0b';
  const C = '52:54:00:00:00:0c';
  const D = '52:54:00:00:00:0d';
  const state = reduceAll([
    ev('inventory.stored', {
      mac: B,
      sha256: 'b',
      bytes: 1,
      summary: { bmc: { ipv4: '10.0.1.11', ipv6: 'fd00::b' } },
    }),
    ev('inventory.stored', { mac: A, sha256: 'a', bytes: 1, summary: { bmc: { ipv6: 'fd00::a' } } }),
    ev('inventory.stored', { mac: C, sha256: 'c', bytes: 1, summary: {} }),
    ev('power.state', { mac: C, state: 'off', via: 'ipmi' }),
    ev('dhcp.discover', { mac: D, family: 4, firmware: 'bios' }),
  ]);
  assert.deepEqual(shutdownAllTargets(state), [A, B], 'inventoried and not off, sorted');

  const acks: [ReconEvent, boolean][] = [
    [ev('command.delivered', { mac: A, command: 'shutdown' }), true],
    [ev('command.delivered', { mac: A, command: 'recollect' }), false],
    [ev('command.delivered', { mac: B, command: 'shutdown' }), false],
    [ev('node.stage', { mac: A, stage: 'powering-off' }), true],
    [ev('node.stage', { mac: A, stage: 'uploaded' }), false],
    [ev('power.state', { mac: A, state: 'off', via: 'agent' }), true],
    // our own IPMI fallback's events are not an answer from the peer
    [ev('power.state', { mac: A, state: 'powering-off', via: 'ipmi' }), false],
    [ev('command.queued', { mac: A, command: 'shutdown', by: 'x' }), false],
  ];
  for (const [e, want] of acks) assert.equal(isShutdownAck(e, A), want, JSON.stringify(e));

  const s = summarizeShutdown([
    { mac: A, ok: true, via: 'agent', detail: 'x' },
    { mac: B, ok: true, via: 'ipmi', detail: 'y' },
    {
      mac: C,
      ok: false,
      reason: 'authentication failed: 10.0.1.12:623 chassis power status: RAKP 2 HMAC is invalid',
    },
  ]);
  assert.equal(s.ok, false);
  assert.equal(
    s.message,
    `2 of 3 peer(s) shutting down or off (1 through IPMI); ${C}: authentication failed: 10.0.1.12:623 chassis power status: RAKP 2 HMAC is invalid`,
  );
  assert.deepEqual(summarizeShutdown([]), {
    ok: true,
    message: '0 of 0 peer(s) shutting down or off',
    data: [],
  });
});

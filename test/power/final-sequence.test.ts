// The final power-down sequence against a recording seam (the real test on a loop-mounted ext4 is
// final-powerdown.test.ts): for every way it can stop, nothing after the stop runs — above all the power-off
// — and the reason is named; when it goes through, the power-off runs once, last, after the unmount and
// the read-only check. The mount table is the recorded one of a machine with a loop-mounted data partition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import { StateStore } from '../../src/model/store.js';
import { UploadRegistry } from '../../src/model/inflight.js';
import { finalPowerDown, type PowerDownOutcome } from '../../src/master/power/final.js';
import type { PowerDownSeam, ToolResult } from '../../src/master/power/seam.js';
import type { Holder } from '../../src/master/power/holders.js';

const MOUNTINFO = readFileSync(new URL('../fixtures/power/mountinfo-loop-data.txt', import.meta.url), 'utf8');
const UNMOUNTED = MOUNTINFO.split('\n')
  .filter((l) => !l.includes('/dev/loop300'))
  .join('\n');
const ON_PARTITION = '/mnt/recon data/nodes';
const ON_ROOT = '/export/nodes';
const HOLDER: Holder = {
  pid: 4242,
  command: 'tail -f /mnt/recon data/nodes/x',
  what: ['open /mnt/recon data/nodes/x'],
};

interface Script {
  dataDir?: string;
  holdersBefore?: Holder[];
  holdersAfterUmount?: Holder[];
  sync?: ToolResult;
  umount?: ToolResult;
  stillMounted?: boolean;
  fsck?: ToolResult;
  poweroff?: ToolResult;
  /** an upload ends by itself after endsAfterMs, or when cut (its body still arriving) */
  uploads?: { mac: string; endsAfterMs?: number; complete?: boolean }[];
  waitSeconds?: number;
}

interface Run {
  outcome: PowerDownOutcome;
  calls: string[];
  progress: string[];
  reportWritten: boolean;
}

const OK: ToolResult = { code: 0, output: '' };

async function powerDown(s: Script): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-seq-'));
  const calls: string[] = [];
  const progress: string[] = [];
  let mountinfoReads = 0;
  const seam: PowerDownSeam = {
    realpath: () => Promise.resolve(s.dataDir ?? ON_PARTITION),
    readMountinfo: () => {
      calls.push('read mountinfo');
      return Promise.resolve(mountinfoReads++ === 0 || s.stillMounted ? MOUNTINFO : UNMOUNTED);
    },
    findHolders: (dev) => {
      calls.push(`holders ${dev}`);
      return Promise.resolve(
        calls.some((c) => c.startsWith('umount')) ? (s.holdersAfterUmount ?? []) : (s.holdersBefore ?? []),
      );
    },
    sync: () => (calls.push('sync'), Promise.resolve(s.sync ?? OK)),
    umount: (mp) => (calls.push(`umount ${mp}`), Promise.resolve(s.umount ?? OK)),
    fsck: (device, fstype) => (calls.push(`fsck ${device} ${fstype}`), Promise.resolve(s.fsck ?? OK)),
    poweroff: (argv) => (calls.push(`poweroff ${argv.join(' ')}`), Promise.resolve(s.poweroff ?? OK)),
  };
  const uploads = new UploadRegistry();
  for (const u of s.uploads ?? []) {
    const done = uploads.begin(u.mac, () => {
      if (u.complete) return false;
      setTimeout(done, 10); // the handler unwinds after its request is destroyed
      return true;
    });
    if (u.endsAfterMs !== undefined) setTimeout(done, u.endsAfterMs);
  }
  const store = await StateStore.open(dir);
  try {
    const outcome = await finalPowerDown(
      {
        config: parseConfig({ dataDir: dir, power: { poweroffCommand: ['test-poweroff', '--now'] } }),
        store,
        log: pino({ level: 'silent' }),
        version: 't',
        stopNetworkServices: () => (calls.push('stop services'), Promise.resolve()),
      },
      {
        by: 'test',
        waitSeconds: s.waitSeconds ?? 0,
        progress: (m) => progress.push(m),
        seam,
        uploads,
        pid: process.pid,
      },
    );
    const reportWritten = await access(join(dir, 'report.json')).then(
      () => true,
      () => false,
    );
    return { outcome, calls, progress, reportWritten };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const last = (r: Run) => r.calls[r.calls.length - 1];
const ran = (r: Run, prefix: string) => r.calls.some((c) => c.startsWith(prefix));

test('own partition: services, report, sync, unmount, check, then power-off once and last', async () => {
  const r = await powerDown({});
  assert.deepEqual(r.calls, [
    'read mountinfo',
    'holders 7:300',
    'stop services',
    'sync',
    'umount /mnt/recon data',
    'read mountinfo',
    'fsck /dev/loop300 ext4',
    'poweroff test-poweroff --now',
  ]);
  assert.deepEqual(r.outcome, {
    ok: true,
    poweredOff: true,
    dataMount: '/mnt/recon data',
    message: 'data safe on /dev/loop300 (unmounted, clean); powering off',
  });
  assert.equal(r.reportWritten, true);
  assert.ok(r.progress.includes('fsck -n /dev/loop300: clean'));
});

test('data on the root filesystem: nothing unmounted, the reason said, power-off last', async () => {
  const r = await powerDown({ dataDir: ON_ROOT });
  assert.deepEqual(r.calls, ['read mountinfo', 'stop services', 'sync', 'poweroff test-poweroff --now']);
  assert.equal(r.outcome.poweredOff, true);
  assert.equal(r.outcome.message, 'state closed and synced; powering off');
  assert.ok(
    r.progress.some((p) =>
      p.includes("the data dir is on the root filesystem (ext4): the system's orderly shutdown unmounts it"),
    ),
    r.progress.join('\n'),
  );
});

test('every stop: nothing after it runs, never the power-off, and the reason is named', async () => {
  const table: [string, Script, RegExp, string[]][] = [
    [
      'a process holds the mount',
      { holdersBefore: [HOLDER] },
      /in use by pid 4242 \(tail -f .*\): open \/mnt\/recon data\/nodes\/x — stop them and ask again; nothing was changed/,
      ['stop services', 'sync', 'umount'],
    ],
    ['sync fails', { sync: { code: 1, output: 'sync: I/O error' } }, /sync: I\/O error/, ['umount', 'fsck']],
    [
      'unmount refused: busy',
      { umount: { code: 32, output: 'umount: target is busy.' }, holdersAfterUmount: [HOLDER] },
      /unmount of \/mnt\/recon data failed: in use by pid 4242 .*nothing was forced; the data is synced/,
      ['fsck'],
    ],
    [
      'unmount refused, nobody found',
      { umount: { code: 32, output: 'umount: /mnt/recon data: target is busy.' } },
      /failed: umount: \/mnt\/recon data: target is busy\./,
      ['fsck'],
    ],
    ['still mounted after umount', { stillMounted: true }, /still mounted after umount/, ['fsck']],
    [
      'the read-only check finds problems',
      { fsck: { code: 4, output: 'Free blocks count wrong' } },
      /fsck -n \/dev\/loop300 reports problems \(exit 4\): Free blocks count wrong/,
      [],
    ],
  ];
  for (const [name, script, why, never] of table) {
    const r = await powerDown(script);
    assert.equal(r.outcome.ok, false, name);
    assert.equal(r.outcome.poweredOff, false, name);
    assert.match(r.outcome.message, why, name);
    assert.equal(ran(r, 'poweroff'), false, `${name}: no power-off`);
    for (const n of never)
      assert.equal(ran(r, n), false, `${name}: ${n} must not run (${r.calls.join(', ')})`);
  }
});

test('uploads that outlast the wait are cut and named, and the power-down goes on', async () => {
  for (const waitSeconds of [0, 1]) {
    const t0 = Date.now();
    const r = await powerDown({
      uploads: [{ mac: '52:54:00:00:00:02' }, { mac: '52:54:00:00:00:01' }],
      waitSeconds,
    });
    assert.equal(r.outcome.poweredOff, true, r.outcome.message);
    assert.ok(
      r.progress.includes(
        `uploads discarded FAILED: not finished after ${waitSeconds} s, cut and not stored: 52:54:00:00:00:01, 52:54:00:00:00:02`,
      ),
      r.progress.join('\n'),
    );
    assert.ok(Date.now() - t0 < waitSeconds * 1000 + 3000, 'no wait beyond the one allowed');
    assert.equal(last(r), 'poweroff test-poweroff --now');
  }
});

test('an upload whose body is complete is not cut: it may finish storing', async () => {
  const r = await powerDown({ uploads: [{ mac: '52:54:00:00:00:05', complete: true, endsAfterMs: 1500 }] });
  assert.equal(r.outcome.poweredOff, true, r.outcome.message);
  assert.ok(!r.progress.some((p) => p.startsWith('uploads discarded')), r.progress.join('\n'));
});

test('an upload that ends during the wait: counted down, then the power-down goes on', async () => {
  const r = await powerDown({ uploads: [{ mac: '52:54:00:00:00:04', endsAfterMs: 1200 }], waitSeconds: 10 });
  assert.equal(r.outcome.poweredOff, true, r.outcome.message);
  assert.ok(
    r.progress.includes('waiting for 1 upload(s) to finish: 10 s left (52:54:00:00:00:04)'),
    r.progress.join('\n'),
  );
  assert.equal(last(r), 'poweroff test-poweroff --now');
});

test('a power-off command that fails: reported, the data already safe', async () => {
  const r = await powerDown({ poweroff: { code: 1, output: 'Failed to connect to bus' } });
  assert.deepEqual(r.outcome, {
    ok: false,
    poweredOff: false,
    message: 'test-poweroff --now failed (exit 1): Failed to connect to bus; the data is safe',
  });
  assert.equal(last(r), 'poweroff test-poweroff --now');
  assert.ok(ran(r, 'umount') && ran(r, 'fsck'));
});

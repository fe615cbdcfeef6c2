// The real image, end to end (minutes, so only with RECON_IMAGE_TEST=1): build debian-12 with KIWI, boot the
// ISO in QEMU (TCG) as a USB stick with its NIC on a test bridge, and see the master role on the serial
// console; then PXE boot a second VM from that master and see the peer role on its serial console.
// RECON_IMAGE_ISO=<path> boots an already built ISO instead of building one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetnsRig, run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';

const KIWI_DIR = new URL('../../kiwi-description/', import.meta.url).pathname;
const skip =
  needs({ env: 'RECON_IMAGE_TEST' }) ||
  needs({ root: true, tools: ['kiwi-ng', 'xorriso', 'mksquashfs', 'qemu-system-x86_64', 'make', 'ip'] });

let rig: NetnsRig;
let dir = '';
let iso = '';
const timings: Record<string, number> = {};

void before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-image-'));
  rig = await NetnsRig.create('img');
  iso = process.env.RECON_IMAGE_ISO ?? '';
});
void after(async () => {
  if (skip) return;
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`# image timings (s): ${JSON.stringify(timings)}\n`);
});

/** Polls a serial log until `pattern` shows up; fails with the log's tail after `seconds`. */
async function waitSerial(log: string, pattern: RegExp, seconds: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + seconds * 1000;
  let text = '';
  while (Date.now() < deadline) {
    text = await readFile(log, 'latin1').catch(() => '');
    const m = pattern.exec(text);
    if (m) return m;
    await sleep(2000);
  }
  assert.fail(
    `no ${String(pattern)} on ${log} within ${seconds} s; last lines:\n${text.split('\n').slice(-40).join('\n')}`,
  );
}

function startVm(name: string, mac: string, tap: string, bootArgs: string[], memMiB: number): string {
  const log = join(dir, `${name}-serial.log`);
  rig.spawn(rig.masterNs, [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-m',
    String(memMiB),
    '-smp',
    '2',
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    `file:${log}`,
    '-monitor',
    'none',
    '-no-reboot',
    '-netdev',
    `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${mac}`,
    ...bootArgs,
  ]);
  return log;
}

void test('kiwi builds the debian-12 live ISO', { skip, timeout: 40 * 60_000 }, async (t) => {
  if (iso) {
    await stat(iso);
    t.skip(`RECON_IMAGE_ISO=${iso} is booted instead`);
    return;
  }
  const build = join(KIWI_DIR, 'builds', 'debian-12');
  const t0 = Date.now();
  const r = await run(
    ['env', `BUILD_DIR=${build}`, join(KIWI_DIR, 'make-recipe-target'), 'debian-12', 'target'],
    {
      timeoutMs: 35 * 60_000,
    },
  );
  timings.build = Math.round((Date.now() - t0) / 1000);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr.slice(-4000));
  const isos = (await readdir(build)).filter((f) => f.endsWith('.iso') && !f.endsWith('.install.iso'));
  assert.equal(isos.length, 1, isos.join(', '));
  iso = join(build, isos[0]!);
  const size = (await stat(iso)).size;
  process.stdout.write(`# built ${iso}: ${(size / 1e6).toFixed(0)} MB in ${timings.build} s\n`);
  assert.ok(size > 100e6, 'a live ISO with a kernel, an initrd and a squashfs');
  // the medium the master serves to its peers: kernel + initrd + squashfs, readable without a loop mount
  const ls = await run(['xorriso', '-indev', iso, '-find', '/', '-type', 'f', '--', '-exec', 'lsdl'], {
    timeoutMs: 60_000,
  });
  for (const f of ['/boot/x86_64/loader/linux', '/boot/x86_64/loader/initrd', '/LiveOS/squashfs.img'])
    assert.ok(ls.stdout.includes(`'${f}'`), `${f} in the ISO`);
});

void test(
  'the ISO boots from a USB stick in QEMU and becomes the master',
  { skip, timeout: 20 * 60_000 },
  async () => {
    assert.ok(iso, 'the build step produced an ISO');
    const tap = await rig.addTap();
    const t0 = Date.now();
    const log = startVm(
      'master',
      '52:54:00:12:34:61',
      tap,
      [
        '-drive',
        `if=none,id=stick,file=${iso},format=raw,snapshot=on`,
        '-device',
        'qemu-xhci',
        '-device',
        'usb-storage,drive=stick,bootindex=0',
      ],
      2048,
    );
    const m = await waitSerial(
      log,
      /recon-role: master on (\S+) \(52:54:00:12:34:61\): 192\.168\.219\.1\/24/,
      900,
    );
    timings.masterRole = Math.round((Date.now() - t0) / 1000);
    process.stdout.write(`# master role on ${m[1]} after ${timings.masterRole} s: ${m[0]}\n`);
    const text = await readFile(log, 'latin1');
    assert.match(
      text,
      /recon: role=master interface=\S+ \(52:54:00:12:34:61, first Ethernet NIC with link\)/,
    );
  },
);

void test(
  'a second VM PXE boots from that master into the same image as a peer',
  { skip, timeout: 25 * 60_000 },
  async () => {
    assert.ok(iso, 'the build step produced an ISO');
    const tap = await rig.addTap();
    const t0 = Date.now();
    const log = startVm('peer', '52:54:00:12:34:62', tap, ['-boot', 'n'], 3072);
    const m = await waitSerial(log, /recon: role=peer pxeaddr=(\S+)/, 1200);
    timings.peerRole = Math.round((Date.now() - t0) / 1000);
    process.stdout.write(`# peer role after ${timings.peerRole} s: ${m[0]}\n`);
    assert.equal(m[1], '192.168.219.1');
  },
);

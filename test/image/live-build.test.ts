// The real image, end to end (minutes, so only with RECON_IMAGE_TEST=1): build debian-12 with KIWI, check that
// its UEFI loaders and kernel carry Secure Boot signatures, place it with the `http` target on a RECON-DATA disk,
// start its kernel from SeaBIOS, boot the ISO in QEMU (TCG) as a USB stick on a Secure Boot machine (OVMF with
// the Microsoft keys enrolled: shim → signed GRUB → signed kernel) with that disk and a NIC on a test bridge and
// see the master role and the console on the serial port; then PXE boot a second VM from that master over HTTP
// and see the peer role on its serial console. Timings and sizes are printed at the end.
// RECON_IMAGE_ISO=<path> boots an already built ISO instead of building one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetnsRig, run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';

const KIWI_DIR = new URL('../../kiwi-description/', import.meta.url).pathname;
const MAKE_RECIPE_TARGET = join(KIWI_DIR, 'make-recipe-target');
const MASTER_MAC = '52:54:00:12:34:61';
const PEER_MAC = '52:54:00:12:34:62';
const MASTER_V4 = '192.168.219.1';
const OVMF_SECBOOT_CODE = '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd';
/** OVMF variables with Microsoft's keys enrolled and Secure Boot on (each VM writes to its own copy) */
const OVMF_MS_VARS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd';
// `npm test` leaves it to `npm run test:image`, so that CI with RECON_IMAGE_TEST=1 builds once
const underNpmTest = process.env.npm_lifecycle_event === 'test';
const skip =
  needs({ env: 'RECON_IMAGE_TEST' }) ||
  (underNpmTest && 'skipped: the real image build runs in npm run test:image') ||
  needs({
    root: true,
    tools: [
      'kiwi-ng',
      'xorriso',
      'mksquashfs',
      'qemu-system-x86_64',
      'make',
      'ip',
      'mkfs.ext4',
      'sha256sum',
      'sbverify',
      'mcopy',
      OVMF_SECBOOT_CODE,
      OVMF_MS_VARS,
    ],
  });

let rig: NetnsRig;
let dir = '';
let buildDir = '';
let iso = '';
let dataDisk = '';
/** seconds, and sizes in bytes */
const figures: Record<string, number> = {};
/** the serial lines that prove each role, quoted at the end */
const proof: string[] = [];

void before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-image-'));
  rig = await NetnsRig.create('img');
  iso = process.env.RECON_IMAGE_ISO ?? '';
  buildDir = join(KIWI_DIR, 'builds', 'debian-12');
});
void after(async () => {
  if (skip) return;
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`# image figures: ${JSON.stringify(figures)}\n`);
  for (const line of proof) process.stdout.write(`# serial: ${line}\n`);
});

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** Serial text without the terminal's escapes and carriage returns. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** Polls a serial log until `pattern` shows up; fails with the log's tail after `limitSeconds`. */
async function waitSerial(log: string, pattern: RegExp, limitSeconds: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + limitSeconds * 1000;
  let text = '';
  while (Date.now() < deadline) {
    text = plain(await readFile(log, 'latin1').catch(() => ''));
    const m = pattern.exec(text);
    if (m) return m;
    await sleep(1000);
  }
  assert.fail(
    `no ${String(pattern)} on ${log} within ${limitSeconds} s; last lines:\n${text.split('\n').slice(-40).join('\n')}`,
  );
}

/** The whole serial line a match sits on. */
function lineOf(m: RegExpExecArray): string {
  const start = m.input.lastIndexOf('\n', m.index) + 1;
  const end = m.input.indexOf('\n', m.index);
  return m.input.slice(start, end < 0 ? undefined : end).trim();
}

/**
 * A QEMU VM with one virtio NIC on `tap`; `nic` adds NIC properties (`romfile=` keeps QEMU's unsigned iPXE ROM
 * off a Secure Boot machine). Returns the serial log and a way to power it off.
 */
function startVm(
  name: string,
  mac: string,
  tap: string,
  bootArgs: string[],
  memMiB: number,
  nic = '',
): { log: string; kill: () => void } {
  const log = join(dir, `${name}-serial.log`);
  const child = rig.spawn(rig.masterNs, [
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
    `virtio-net-pci,netdev=n0,mac=${mac}${nic}`,
    ...bootArgs,
  ]);
  return { log, kill: () => child.kill('SIGKILL') };
}

/** The ISO as a USB stick on an XHCI controller, booted first (writes go to a QEMU snapshot). */
function stickArgs(): string[] {
  return [
    '-drive',
    `if=none,id=stick,file=${iso},format=raw,snapshot=on`,
    '-device',
    'qemu-xhci',
    '-device',
    'usb-storage,drive=stick,bootindex=0',
  ];
}

/** q35 with OVMF's Secure Boot build in SMM-protected flash and a fresh copy of the Microsoft-key variables. */
async function secureBootArgs(name: string): Promise<string[]> {
  const vars = join(dir, `${name}-vars.fd`);
  await copyFile(OVMF_MS_VARS, vars);
  return [
    '-machine',
    'q35,smm=on',
    '-global',
    'driver=cfi.pflash01,property=secure,value=on',
    '-global',
    'ICH9-LPC.disable_s3=1',
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_SECBOOT_CODE}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${vars}`,
  ];
}

void test('kiwi builds the debian-12 live ISO', { skip, timeout: 40 * 60_000 }, async (t) => {
  if (iso) {
    await stat(iso);
    // the `http` target reads the ISO from the build directory: give it this one
    buildDir = join(dir, 'build');
    await mkdir(buildDir);
    await symlink(iso, join(buildDir, basename(iso)));
    t.skip(`RECON_IMAGE_ISO=${iso} is booted instead`);
    return;
  }
  const t0 = Date.now();
  const r = await run(['env', `BUILD_DIR=${buildDir}`, MAKE_RECIPE_TARGET, 'debian-12', 'target'], {
    timeoutMs: 35 * 60_000,
  });
  figures.buildSeconds = seconds(t0);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr.slice(-4000));
  const isos = (await readdir(buildDir)).filter((f) => f.endsWith('.iso') && !f.endsWith('.install.iso'));
  assert.equal(isos.length, 1, isos.join(', '));
  iso = join(buildDir, isos[0]!);
});

void test('the ISO holds kernel, initrd and squashfs, readable without a loop mount', { skip }, async () => {
  assert.ok(iso, 'the build step produced an ISO');
  figures.isoBytes = (await stat(iso)).size;
  assert.ok(figures.isoBytes > 100e6, 'a live ISO with a kernel, an initrd and a squashfs');
  const ls = await run(['xorriso', '-indev', iso, '-find', '/', '-type', 'f', '-exec', 'lsdl', '--'], {
    timeoutMs: 60_000,
  });
  for (const f of ['/boot/x86_64/loader/linux', '/boot/x86_64/loader/initrd', '/LiveOS/squashfs.img'])
    assert.ok(ls.stdout.includes(`'${f}'`), `${f} in the ISO`);
  // lsdl: "-rw-r--r-- 1 0 0 <bytes> <date> '<path>'"
  const squash = /\s(\d+)\s+\S+\s+\d+\s+\S+\s+'\/LiveOS\/squashfs\.img'/.exec(ls.stdout);
  assert.ok(squash?.[1], ls.stdout.slice(0, 2000));
  figures.squashfsBytes = Number(squash[1]);
});

/** What `sbverify --list` says about a PE file's signatures (it exits 0 also for an unsigned file). */
async function signatures(file: string): Promise<string> {
  const r = await run(['sbverify', '--list', file], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `${file}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

void test(
  "the ISO's UEFI path is signed: Microsoft-signed shim, Debian-signed GRUB and kernel",
  { skip, timeout: 5 * 60_000 },
  async () => {
    assert.ok(iso, 'the build step produced an ISO');
    const out = join(dir, 'signed');
    await mkdir(out);
    // the firmware starts the El Torito UEFI image (a FAT file system), not the ISO 9660 tree
    const boot = await run(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract_boot_images', `${out}/`], {
      timeoutMs: 120_000,
    });
    assert.equal(boot.code, 0, boot.stderr);
    const kernel = await run(
      [
        'xorriso',
        '-osirrox',
        'on',
        '-indev',
        iso,
        '-extract',
        '/boot/x86_64/loader/linux',
        join(out, 'linux'),
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(kernel.code, 0, kernel.stderr);
    const esp = join(out, 'eltorito_img2_uefi.img');
    for (const loader of ['bootx64.efi', 'grubx64.efi']) {
      const r = await run(['mcopy', '-n', '-i', esp, `::/EFI/BOOT/${loader}`, join(out, loader)]);
      assert.equal(r.code, 0, `${loader} on the UEFI boot image: ${r.stderr}`);
    }
    const shim = await signatures(join(out, 'bootx64.efi'));
    assert.match(
      shim,
      /Microsoft Corporation UEFI CA 2011/,
      `bootx64.efi is the Microsoft-signed shim:\n${shim}`,
    );
    for (const debianSigned of ['grubx64.efi', 'linux']) {
      const listed = await signatures(join(out, debianSigned));
      assert.match(listed, /CN=Debian Secure Boot/, `${debianSigned} is signed by Debian:\n${listed}`);
      proof.push(`sbverify ${debianSigned}: ${/subject: (.*)/.exec(listed)?.[1] ?? ''}`);
    }
  },
);

void test(
  'make-recipe-target debian-12 http places ISO, kernel and initrd on a RECON-DATA disk',
  { skip, timeout: 10 * 60_000 },
  async () => {
    assert.ok(iso, 'the build step produced an ISO');
    const data = join(dir, 'data');
    const httpDir = join(data, 'install', 'recon');
    const t0 = Date.now();
    const r = await run(
      ['env', `BUILD_DIR=${buildDir}`, `HTTP_DIR=${httpDir}`, MAKE_RECIPE_TARGET, 'debian-12', 'http'],
      { timeoutMs: 5 * 60_000 },
    );
    figures.httpSeconds = seconds(t0);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const base = basename(iso, '.iso');
    assert.deepEqual((await readdir(httpDir)).sort(), [
      'SHA256SUMS',
      `${base}.initrd`,
      `${base}.iso`,
      `${base}.kernel`,
    ]);
    const check = await run(['sh', '-c', 'cd "$1" && sha256sum -c SHA256SUMS', 'sh', httpDir], {
      timeoutMs: 5 * 60_000,
    });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // the master mounts a file system labelled RECON-DATA on /export and serves /export/install as /install
    dataDisk = join(dir, 'data.img');
    const mb = Math.ceil((figures.isoBytes ?? (await stat(iso)).size) / 1e6) + 256;
    const mk = await run(['mkfs.ext4', '-q', '-F', '-L', 'RECON-DATA', '-d', data, dataDisk, `${mb}M`], {
      timeoutMs: 5 * 60_000,
    });
    assert.equal(mk.code, 0, mk.stderr);
    await rm(data, { recursive: true, force: true });
  },
);

void test(
  'the ISO still starts its kernel from a USB stick under SeaBIOS',
  { skip, timeout: 10 * 60_000 },
  async () => {
    assert.ok(iso, 'the build step produced an ISO');
    const tap = await rig.addTap();
    const t0 = Date.now();
    const vm = startVm('bios', '52:54:00:12:34:60', tap, ['-machine', 'graphics=off', ...stickArgs()], 1024);
    try {
      const kernel = await waitSerial(vm.log, /Linux version \S+/, 480);
      figures.biosKernelSeconds = seconds(t0);
      proof.push(`SeaBIOS: ${lineOf(kernel)}`);
    } finally {
      vm.kill();
    }
  },
);

void test(
  'the ISO boots from a USB stick on a Secure Boot machine (shim → signed GRUB → signed kernel) and becomes the master',
  { skip, timeout: 20 * 60_000 },
  async () => {
    assert.ok(iso && dataDisk, 'the build and http steps ran');
    const tap = await rig.addTap();
    const t0 = Date.now();
    const { log } = startVm(
      'master',
      MASTER_MAC,
      tap,
      [
        ...(await secureBootArgs('master')),
        ...stickArgs(),
        '-drive',
        `if=virtio,file=${dataDisk},format=raw`,
      ],
      2048,
      ',romfile=',
    );
    // the kernel says so itself: OVMF with Microsoft's keys started shim, which started GRUB, which started
    // the kernel; with Secure Boot on each refuses what its keys did not sign
    const secure = await waitSerial(log, /secureboot: Secure boot enabled/, 600);
    figures.secureBootKernelSeconds = seconds(t0);
    const stub = /EFI stub: UEFI Secure Boot is enabled\./.exec(secure.input);
    const lockdown = /Kernel is locked down from EFI Secure Boot/.exec(secure.input);
    assert.ok(lockdown, 'the kernel locks itself down because the firmware booted it with Secure Boot on');
    proof.push(...(stub ? [lineOf(stub)] : []), lineOf(lockdown), lineOf(secure));
    const decided = await waitSerial(
      log,
      new RegExp(`recon: role=master interface=\\S+ \\(${MASTER_MAC}, first Ethernet NIC with link\\)`),
      900,
    );
    const applied = await waitSerial(
      log,
      new RegExp(`recon-role: master on (\\S+) \\(${MASTER_MAC}\\): ${MASTER_V4.replace(/\./g, '\\.')}/24`),
      120,
    );
    figures.masterRoleSeconds = seconds(t0);
    const data = await waitSerial(log, /recon-role: data partition \S+ \(RECON-DATA\) on \/export/, 60);
    // the operator console on ttyS0, connected to the running master (its header names it)
    const console = await waitSerial(
      log,
      new RegExp(`recon bang ${MASTER_V4.replace(/\./g, '\\.')} \\S+`),
      300,
    );
    figures.masterConsoleSeconds = seconds(t0);
    proof.push(lineOf(decided), lineOf(applied), lineOf(data), console[0]);
  },
);

void test(
  'a second VM PXE boots from that master into the same image as a peer',
  { skip, timeout: 30 * 60_000 },
  async () => {
    assert.ok(figures.masterConsoleSeconds, 'the master and its console are up');
    const tap = await rig.addTap();
    const t0 = Date.now();
    // graphics=off: SeaBIOS copies the text screen (iPXE's messages) to the serial port
    const { log } = startVm('peer', PEER_MAC, tap, ['-machine', 'graphics=off', '-boot', 'n'], 3072);
    const menu = await waitSerial(log, /recon: booting (\S+) from http:\/\/(\S+)/, 300);
    figures.peerMenuSeconds = seconds(t0);
    assert.equal(menu[2], MASTER_V4);
    const initrd = await waitSerial(log, /dracut-\S+ \(Initramfs\)/, 600);
    figures.peerInitrdSeconds = seconds(t0);
    const role = await waitSerial(log, /recon: role=peer pxeaddr=(\S+)/, 1500);
    figures.peerRoleSeconds = seconds(t0);
    assert.equal(role[1], MASTER_V4);
    const text = role.input;
    assert.match(text, new RegExp(`root=live:http://${MASTER_V4.replace(/\./g, '\\.')}/install/recon/`));
    proof.push(lineOf(menu), lineOf(initrd), lineOf(role));
    const leased = /recon-role: peer: boot NIC \S+ kept leased/.exec(text);
    if (leased) proof.push(lineOf(leased));
  },
);

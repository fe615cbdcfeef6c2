// The power-cut rig's VM: `recon master` itself, booted straight from the lab kernel with its data dir on
// a virtio disk. A tiny initramfs (busybox, the lab's virtio modules, /init) mounts two disks: vda, the
// data partition, and vdb, a read-only ext4 image of a root made here — this host's node and the
// libraries it needs, `recon master` bundled by esbuild from the working tree (its two thread entries
// beside it, koffi's native module) and the master's config — and runs the master chrooted in it until
// QEMU is killed. (The lab's collector initramfs carries node too, but under TCG the kernel spends most
// of a minute unpacking its ~120 MiB at every boot; a disk is read on demand.)
//
// The disk is attached with cache=none (O_DIRECT on the host): what the guest kernel has not written to
// its virtual disk — its page cache, the unflushed tail of the event log — dies with the QEMU process,
// and the host's page cache never holds guest data that a plain SIGKILL would keep alive (QEMU's
// default writeback cache would: that is how a missing fsync hides from a SIGKILL test).
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { cpioStream, type CpioEntry } from '../../src/lab/vm/cpio.js';
import { defaultCacheDir, moduleFiles } from '../../src/lab/vm/build.js';
import { ensureKernel } from '../../src/lab/vm/kernel.js';
import { sharedLibraries } from '../../src/lab/vm/shared-libs.js';

const execFileP = promisify(execFile);

const ROOT = resolve(import.meta.dirname, '../..');
const KOFFI = join(ROOT, 'node_modules', 'koffi');
const KOFFI_NATIVE = 'build/koffi/linux_x64/koffi.node';

/** Addresses on the rig bridge: the VM's master and the host side where the simulated peers run. */
export const VM_MASTER_IP = '10.99.0.1';
export const HOST_PEER_IP = '10.99.0.254';
export const VM_MAC = '52:54:00:9c:00:01';
/** the line /init prints before it starts the master; a boot that never prints it is a failed boot */
export const VM_READY = 'powercut-vm: starting recon master';

export const VM_CONFIG: ReconConfigInput = {
  interface: 'eth0',
  dataDir: '/data/nodes',
  tftpRoot: '/srv/tftp',
  controlSocket: '/run/recon/control.sock',
  ipv4: { address: VM_MASTER_IP, prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
  ipv6: { enabled: false },
  http: { roots: { '/install': '/srv/install' }, trustAnySource: true },
  guard: { enabled: false },
  // snapshots every second: the cuts land in state.json and per-node file writes too
  state: { snapshotEverySeconds: 1, reserveBytes: 1024 * 1024 },
};

/** Mount points inside the system image (the chroot the master runs in). */
const SYSROOT_DIRS = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/tmp',
  '/data',
  '/etc/recon',
  '/srv/tftp',
  '/srv/install',
];

const init = (modules: readonly string[]): string => `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/null >/dev/ttyS0 2>&1
say() { echo "powercut-vm: $*"; }
stop() { say "$*"; sync; poweroff -f; }
for m in ${modules.join(' ')}; do insmod "$m" || say "insmod $m failed"; done
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /root
mount -t ext4 -o ro /dev/vdb /root || stop "FAILED: cannot mount the system disk /dev/vdb"
mount -t ext4 /dev/vda /root/data || stop "FAILED: cannot mount the data disk /dev/vda"
for d in proc sys dev; do mount -o bind /$d /root/$d; done
mount -t tmpfs -o mode=0755 tmpfs /root/run
mount -t tmpfs -o mode=1777 tmpfs /root/tmp
ip link set lo up
ip link set eth0 up || stop "FAILED: no eth0"
ip addr add ${VM_MASTER_IP}/24 dev eth0
say "starting recon master at $(cut -d' ' -f1 /proc/uptime) s"
( while sleep 5; do say "uptime $(cut -d' ' -f1 /proc/uptime) s"; done ) &
chroot /root /usr/bin/node /recon/master.js /etc/recon/recon.json
stop "recon master exited with status $?"
`;

/**
 * Bundles `recon master` for the VM: one directory, no node_modules but koffi. A worker thread's entry
 * (`<name>-thread.ts` under src/net) is started from `./<name>-thread.js` beside the code that starts it,
 * so each becomes a file of its own beside the bundle.
 */
async function bundle(outDir: string): Promise<void> {
  const net = join(ROOT, 'src/net');
  const threads = (await readdir(net, { recursive: true })).filter((f) => f.endsWith('-thread.ts'));
  await build({
    entryPoints: {
      master: join(ROOT, 'test/e2e/powercut-master-entry.ts'),
      ...Object.fromEntries(threads.map((f) => [basename(f, '.ts'), join(net, f)])),
    },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    external: ['koffi'],
    define: { RECON_VERSION: JSON.stringify('0.0.0-powercut') },
    logLevel: 'error',
    // bundled CommonJS dependencies call require() for Node built-ins
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
}

async function copyInto(root: string, path: string, source = path): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await copyFile(await realpath(source), join(root, path));
}

/** The read-only system disk: node, its libraries, the bundled master and its config. */
async function buildSystemDisk(dir: string): Promise<string> {
  const root = join(dir, 'sysroot');
  for (const d of SYSROOT_DIRS) await mkdir(join(root, d), { recursive: true });
  const node = await realpath(process.execPath);
  await copyInto(root, '/usr/bin/node', node);
  for (const lib of await sharedLibraries([node])) await copyInto(root, lib);
  await bundle(join(root, 'recon'));
  for (const f of ['package.json', 'index.js', 'indirect.js', KOFFI_NATIVE])
    await copyInto(root, `/recon/node_modules/koffi/${f}`, join(KOFFI, f));
  await writeFile(join(root, 'etc/recon/recon.json'), JSON.stringify(VM_CONFIG, null, 2));
  const disk = join(dir, 'system.img');
  await execFileP('mkfs.ext4', ['-q', '-F', '-L', 'reconsys', '-d', root, disk, '256M']);
  return disk;
}

async function hostFile(path: string, source: string, mode = 0o644): Promise<CpioEntry> {
  const real = await realpath(source);
  return { kind: 'host-file', path, source: real, size: (await stat(real)).size, mode };
}

/** The initramfs: busybox, the virtio modules (dependencies first) and /init. */
async function buildInitrd(dir: string): Promise<{ kernel: string; initrd: string }> {
  const k = await ensureKernel(defaultCacheDir());
  const modules = await moduleFiles(k);
  const inInitrd = modules.map((m) => `/lib/modules/${m.split('/').pop()!}`);
  const entries: CpioEntry[] = [
    ...['/bin', '/dev', '/proc', '/sys', '/lib', '/lib/modules'].map(
      (path): CpioEntry => ({ kind: 'dir', path }),
    ),
    { kind: 'char', path: '/dev/console', major: 5, minor: 1 },
    await hostFile(
      '/bin/busybox',
      (await execFileP('sh', ['-c', 'command -v busybox'])).stdout.trim(),
      0o755,
    ),
    ...(await Promise.all(modules.map((m, i) => hostFile(inInitrd[i]!, join(k.modulesDir, m))))),
    { kind: 'file', path: '/init', mode: 0o755, data: Buffer.from(init(inInitrd)) },
  ];
  const initrd = join(dir, 'initrd');
  await pipeline(Readable.from(cpioStream(entries)), createWriteStream(initrd));
  return { kernel: k.vmlinuz, initrd };
}

export interface MasterVmImage {
  kernel: string;
  initrd: string;
  /** the read-only system disk (vdb) */
  system: string;
}

/** Builds the VM's boot files and system disk under `dir` from the working tree. */
export async function buildMasterVm(dir: string): Promise<MasterVmImage> {
  const { kernel, initrd } = await buildInitrd(dir);
  return { kernel, initrd, system: await buildSystemDisk(dir) };
}

export interface VmBoot {
  proc: ChildProcess;
  exited: Promise<void>;
}

/**
 * Boots the master VM inside `netns` (where `tap` is): `disk` is its data partition (vda, cache=none), the
 * serial console goes to `serialLog`.
 */
export function bootMasterVm(opts: {
  netns: string;
  tap: string;
  image: MasterVmImage;
  disk: string;
  serialLog: string;
}): VmBoot {
  const argv = [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-m',
    '768',
    '-smp',
    '1',
    '-nodefaults',
    '-nographic',
    '-serial',
    `file:${opts.serialLog}`,
    '-monitor',
    'none',
    '-no-reboot',
    '-machine',
    'pc',
    '-kernel',
    opts.image.kernel,
    '-initrd',
    opts.image.initrd,
    '-append',
    // no_timer_check: a busy host can starve TCG long enough for the kernel to give up on the IO-APIC timer
    'console=ttyS0 panic=-1 quiet no_timer_check',
    '-netdev',
    `tap,id=n0,ifname=${opts.tap},script=no,downscript=no`,
    // no iPXE option ROM: the kernel is loaded directly
    '-device',
    `virtio-net-pci,netdev=n0,mac=${VM_MAC},romfile=`,
    // vda: the data partition; what the guest has not written out is lost with the QEMU process
    '-drive',
    `file=${opts.disk},if=none,id=d0,format=raw,cache=none,aio=threads`,
    '-device',
    'virtio-blk-pci,drive=d0',
    '-drive',
    `file=${opts.image.system},if=none,id=d1,format=raw,readonly=on`,
    '-device',
    'virtio-blk-pci,drive=d1',
  ];
  const proc = spawn('ip', ['netns', 'exec', opts.netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, exited };
}

// Builds the lab VM's boot files — Debian's cloud kernel and a gzip'd newc initramfs — from what this host
// has installed: busybox (static), and in collector mode `node`, the inventory tools the collector runs
// (iproute2 `ip`, lsblk, dmidecode, lspci, ethtool, lshw when present) with the shared libraries `ldd`
// names, and the virtio NIC/disk modules with their dependencies. The result is cached under the cache
// directory by a key over every input, so a second lab start reuses it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, realpath, rename, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { fsyncDir, tempPathFor } from '../../shared/durable.js';
import { cpioStream, type CpioEntry } from './cpio.js';
import { POWEROFF_PATH, POWEROFF_SCRIPT, renderInit, UDHCPC_SCRIPT, type InitMode } from './init-script.js';
import { ensureKernel, type LabKernel } from './kernel.js';
import { loadOrder, moduleDepends, moduleName, readModinfo } from './kernel-modules.js';
import { sharedLibraries } from './shared-libs.js';

const execFileP = promisify(execFile);

/**
 * The modules /init loads: the virtio PCI transport, the NIC, a disk (for a non-empty disk inventory) and
 * efivarfs (the collector reads the SecureBoot variable). Debian signs them: they load under lockdown too.
 */
export const LAB_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk', 'efivarfs'] as const;
/** Inventory tools carried when the host has them; the collector records the others as missing. */
export const LAB_TOOLS = ['ip', 'lsblk', 'dmidecode', 'lspci', 'ethtool', 'lshw'] as const;
const PCI_IDS = '/usr/share/misc/pci.ids';

export interface LabVmImage {
  kernel: string;
  initrd: string;
  kernelRelease: string;
  initrdBytes: number;
  /** false when the cached build was reused */
  built: boolean;
}

export interface BuildOptions {
  mode: InitMode;
  /** default: $XDG_CACHE_HOME/recon/lab-vm or ~/.cache/recon/lab-vm */
  cacheDir?: string;
  log?: (line: string) => void;
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'recon', 'lab-vm');
}

async function which(name: string): Promise<string | undefined> {
  try {
    const out = (await execFileP('sh', ['-c', 'command -v "$1"', 'sh', name])).stdout.trim();
    return out.startsWith('/') ? out : undefined;
  } catch {
    return undefined;
  }
}

async function hostFile(path: string, source: string, mode = 0o755): Promise<CpioEntry> {
  const real = await realpath(source);
  return { kind: 'host-file', path, source: real, size: (await stat(real)).size, mode };
}

/** Module files (relative to the modules dir) for LAB_MODULES, dependencies first. */
export async function moduleFiles(k: LabKernel): Promise<string[]> {
  const { stdout } = await execFileP('find', [k.modulesDir, '-name', '*.ko*'], { maxBuffer: 32 << 20 });
  const byName = new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => [moduleName(f), relative(k.modulesDir, f)] as const),
  );
  const deps = new Map<string, string[]>();
  const dependsOf = (name: string): string[] | undefined => deps.get(name);
  // read modinfo lazily along the dependency walk: only the handful of modules involved
  const load = async (name: string): Promise<void> => {
    const file = byName.get(name);
    if (!file || deps.has(name)) return;
    const d = moduleDepends(readModinfo(await readFile(join(k.modulesDir, file))));
    deps.set(name, d);
    for (const x of d) await load(x);
  };
  for (const m of LAB_MODULES) await load(m);
  return loadOrder(LAB_MODULES, dependsOf).map((n) => byName.get(n)!);
}

function dirEntries(paths: Iterable<string>): CpioEntry[] {
  const dirs = new Set<string>(['/dev', '/proc', '/sys', '/run', '/tmp', '/root', '/etc']);
  for (const p of paths) for (let d = dirname(p); d !== '/'; d = dirname(d)) dirs.add(d);
  return [...dirs].sort().map((path) => ({ kind: 'dir', path, mode: path === '/tmp' ? 0o1777 : 0o755 }));
}

async function entriesFor(mode: InitMode, k: LabKernel): Promise<CpioEntry[]> {
  const busybox = await which('busybox');
  if (!busybox) throw new Error('busybox is not installed (Debian: busybox-static)');
  const files: CpioEntry[] = [await hostFile('/bin/busybox', busybox)];
  let modules: string[] = [];
  if (mode === 'collector') {
    const node = await which('node');
    if (!node) throw new Error('node is not on PATH');
    const tools = [node];
    files.push(await hostFile('/usr/bin/node', node));
    for (const t of LAB_TOOLS) {
      const p = await which(t);
      if (!p) continue;
      tools.push(p);
      files.push(await hostFile(p, p));
    }
    for (const lib of await sharedLibraries(tools)) files.push(await hostFile(lib, lib));
    // lspci prints vendor and device names only with the ID database
    if (await stat(PCI_IDS).catch(() => undefined)) files.push(await hostFile(PCI_IDS, PCI_IDS, 0o644));
    modules = await moduleFiles(k);
    for (const m of modules)
      files.push(await hostFile(`/lib/modules/${k.release}/${m}`, join(k.modulesDir, m), 0o644));
    files.push({ kind: 'file', path: '/etc/udhcpc.script', mode: 0o755, data: Buffer.from(UDHCPC_SCRIPT) });
    files.push({ kind: 'file', path: POWEROFF_PATH, mode: 0o755, data: Buffer.from(POWEROFF_SCRIPT) });
    files.push({ kind: 'file', path: '/etc/hosts', data: Buffer.from('127.0.0.1 localhost\n') });
    files.push({ kind: 'file', path: '/etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\n') });
  }
  const unique = [...new Map(files.map((f) => [f.path, f])).values()];
  const taken = new Set(unique.map((f) => f.path));
  const { stdout } = await execFileP(busybox, ['--list']);
  const applets = stdout
    .split('\n')
    .filter((a) => a && !['busybox', 'init', 'linuxrc'].includes(a) && !taken.has(`/bin/${a}`))
    .map((a): CpioEntry => ({ kind: 'symlink', path: `/bin/${a}`, target: 'busybox' }));
  const init = renderInit({ mode, kernelRelease: k.release, modules });
  return [
    ...dirEntries([...unique, ...applets].map((e) => e.path)),
    { kind: 'char', path: '/dev/console', major: 5, minor: 1 },
    { kind: 'char', path: '/dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'char', path: '/dev/ttyS0', major: 4, minor: 64 },
    ...unique,
    ...applets,
    { kind: 'file', path: '/init', mode: 0o755, data: Buffer.from(init) },
  ];
}

/** A key over everything that ends up in the image: a changed tool, library or script means a new build. */
export function buildKey(mode: InitMode, release: string, entries: readonly CpioEntry[]): string {
  const h = createHash('sha256').update(`${mode}\n${release}\n`);
  for (const e of entries) {
    h.update(`${e.kind} ${e.path}\n`);
    if (e.kind === 'file') h.update(e.data);
    if (e.kind === 'host-file') h.update(`${e.source} ${e.size}\n`);
    if (e.kind === 'symlink') h.update(e.target);
  }
  return h.digest('hex').slice(0, 16);
}

async function writeDurably(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  await write(tmp);
  const fh = await open(tmp, 'r');
  await fh.sync().finally(() => fh.close());
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function buildLabVm(opts: BuildOptions): Promise<LabVmImage> {
  const log = opts.log ?? ((): void => {});
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const k = await ensureKernel(cacheDir, log);
  const entries = await entriesFor(opts.mode, k);
  const dir = join(cacheDir, 'images', `${opts.mode}-${buildKey(opts.mode, k.release, entries)}`);
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd');
  const have = await stat(initrd).catch(() => undefined);
  if (have && (await stat(kernel).catch(() => undefined))) {
    return { kernel, initrd, kernelRelease: k.release, initrdBytes: have.size, built: false };
  }
  await mkdir(dir, { recursive: true });
  log(`building the ${opts.mode} initramfs for ${k.release}`);
  await writeDurably(kernel, (tmp) => copyFile(k.vmlinuz, tmp));
  await writeDurably(initrd, (tmp) =>
    pipeline(
      Readable.from(cpioStream(entries)),
      createGzip({ level: 6 }),
      createWriteStream(tmp, { flags: 'wx' }),
    ),
  );
  const size = (await stat(initrd)).size;
  log(`initramfs ${(size / 1048576).toFixed(1)} MiB at ${initrd}`);
  return { kernel, initrd, kernelRelease: k.release, initrdBytes: size, built: true };
}

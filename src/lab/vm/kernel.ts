// The lab VM's kernel: Debian's cloud kernel (small, virtio drivers as modules), fetched once with
// `apt-get download` into a cache directory and unpacked with `dpkg-deb -x`. A package already in the
// cache is used without asking the archive again, so the lab works offline after the first run.
// Its vmlinuz is signed by Debian (sbverify --list: "Debian Secure Boot Signer 2022 - linux"), so a Secure
// Boot lab VM boots it through shim and GRUB; its modules are signed too and load under lockdown.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** The metapackage that always points at the current cloud kernel. */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

export class KernelFetchError extends Error {}

export interface LabKernel {
  /** e.g. "6.1.0-56-cloud-amd64" */
  release: string;
  vmlinuz: string;
  /** /lib/modules/<release> of the unpacked package */
  modulesDir: string;
  deb: string;
}

/** The versioned kernel package named by `apt-cache depends <metapackage>`. */
export function kernelPackageFromDepends(text: string): string | undefined {
  return /^\s*Depends: (linux-image-\d[^\s<>]*)\s*$/m.exec(text)?.[1];
}

/** "linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb" → "6.1.0-56-cloud-amd64". */
export function releaseFromDebName(file: string): string | undefined {
  return /^linux-image-(\d[^_]*)_[^_]+_amd64\.deb$/.exec(file)?.[1];
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    return (await execFileP(cmd, args, { cwd, timeout: 300_000, maxBuffer: 16 << 20 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new KernelFetchError(
      `${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim().split('\n').pop()}`,
    );
  }
}

async function cachedDeb(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => releaseFromDebName(n) !== undefined).sort()[0];
}

/** Returns the cached kernel, downloading and unpacking it first when needed. */
export async function ensureKernel(
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<LabKernel> {
  const debDir = join(cacheDir, 'debs');
  await mkdir(debDir, { recursive: true });
  let deb = await cachedDeb(debDir);
  if (!deb) {
    const pkg = kernelPackageFromDepends(await run('apt-cache', ['depends', KERNEL_METAPACKAGE]));
    if (!pkg) throw new KernelFetchError(`apt-cache knows no kernel package behind ${KERNEL_METAPACKAGE}`);
    log(`downloading ${pkg} (apt-get download)`);
    await run('apt-get', ['download', '-q', pkg], debDir);
    deb = await cachedDeb(debDir);
    if (!deb) throw new KernelFetchError(`apt-get download ${pkg} left no package in ${debDir}`);
  }
  const release = releaseFromDebName(deb)!;
  const root = join(cacheDir, `kernel-${release}`);
  const vmlinuz = join(root, 'boot', `vmlinuz-${release}`);
  const modulesDir = join(root, 'lib', 'modules', release);
  const present = await readdir(join(root, 'boot')).catch(() => [] as string[]);
  if (!present.includes(`vmlinuz-${release}`)) {
    // unpack beside, then rename: an interrupted unpack never looks complete
    const tmp = `${root}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await run('dpkg-deb', ['-x', join(debDir, deb), tmp]);
    await rm(root, { recursive: true, force: true });
    await rename(tmp, root);
  }
  return { release, vmlinuz, modulesDir, deb: join(debDir, deb) };
}

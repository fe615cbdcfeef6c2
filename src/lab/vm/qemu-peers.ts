// `recon lab --qemu N`: N real VMs as lab peers. Stages the lab boot files where the master's menu.ipxe
// finds them (<install>/<imageDir>/: the lab kernel + initramfs, the post.tgz the initramfs fetches, and a
// placeholder ISO name, because the menu names the live ISO on the kernel command line even though the
// lab initramfs never mounts it), then starts each VM on its own tap of the lab bridge, by default with
// SeaBIOS + iPXE ROM and OVMF's own PXE client in turn (the two ways a real fleet boots: iPXE at once, or a
// firmware PXE client that fetches an iPXE binary by TFTP first).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, realpath, rename, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fsyncDir, tempPathFor, writeFileDurable } from '../../shared/durable.js';
import type { LabVmImage } from './build.js';
import { OVMF_PATHS, OVMF_SECURE_BOOT, startVm, type RunningVm, type VmFirmware } from './qemu.js';

const execFileP = promisify(execFile);

/** dist/post.tgz of this installation (the same path from src/lab/vm and dist/lab/vm). */
export const BUILT_POST_TGZ = fileURLToPath(new URL('../../../dist/post.tgz', import.meta.url));
export const LAB_ISO_NAME = (release: string): string =>
  `recon-lab-${release.replace(/[^0-9A-Za-z.]/g, '.')}.iso`;

async function copyDurable(from: string, to: string): Promise<void> {
  const tmp = tempPathFor(to);
  await copyFile(from, tmp);
  const fh = await open(tmp, 'r');
  await fh.sync().finally(() => fh.close());
  await rename(tmp, to);
  await fsyncDir(join(to, '..'));
}

/** Puts the lab boot files into the image directory the master serves under /install/<imageDir>/. */
export async function stageLabImage(
  imageDir: string,
  image: LabVmImage,
  postTgz = BUILT_POST_TGZ,
): Promise<void> {
  if (!existsSync(postTgz)) throw new Error(`${postTgz} is missing: build it with npm run build`);
  await mkdir(imageDir, { recursive: true });
  await copyDurable(image.kernel, join(imageDir, 'vmlinuz'));
  await copyDurable(image.initrd, join(imageDir, 'initrd'));
  await copyDurable(postTgz, join(imageDir, 'post.tgz'));
  await writeFileDurable(
    join(imageDir, LAB_ISO_NAME(image.kernelRelease)),
    'recon lab: placeholder for the live ISO name on the kernel command line; the lab initramfs does not use it.\n',
  );
}

/**
 * Copies the iPXE boot loaders into the lab's TFTP root, symlinks resolved: Debian ships
 * /usr/lib/ipxe/ipxe.efi as a link to /boot/ipxe.efi, which a server confined to its tree refuses.
 */
export async function stageTftpRoot(
  tftpRoot: string,
  ipxeDirs: readonly string[],
  names: readonly string[],
): Promise<void> {
  await mkdir(tftpRoot, { recursive: true });
  for (const name of names) {
    const source = ipxeDirs.map((d) => join(d, name)).find((p) => existsSync(p));
    if (!source) throw new Error(`${name} not found in ${ipxeDirs.join(', ')} (Debian: ipxe)`);
    await copyDurable(await realpath(source), join(tftpRoot, name));
  }
}

export function labVmMac(i: number): string {
  return `52:54:00:9e:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
}

export const LAB_VM_FIRMWARES: readonly VmFirmware[] = ['bios-ipxe', 'uefi-pxe'];

export function labVmFirmware(i: number): VmFirmware {
  return LAB_VM_FIRMWARES[i % LAB_VM_FIRMWARES.length]!;
}

export interface QemuPeersOptions {
  count: number;
  /** number of the first VM (names, MACs and taps follow from it); default 0 */
  firstIndex?: number;
  /** the namespace holding the lab bridge (undefined: the current one) */
  netns?: string;
  bridge: string;
  /** serial logs and disk images go here */
  workDir: string;
  /** firmware per VM (default: labVmFirmware(i)) */
  firmware?: (i: number) => VmFirmware;
  log?: (line: string) => void;
}

export interface QemuPeers {
  vms: RunningVm[];
  /** kills every VM still running and removes the taps */
  stop(): Promise<void>;
}

async function ipIn(netns: string | undefined, args: string[]): Promise<void> {
  await execFileP('ip', netns ? ['-n', netns, ...args] : args, { timeout: 10_000 });
}

export async function startQemuPeers(o: QemuPeersOptions): Promise<QemuPeers> {
  const log = o.log ?? ((): void => {});
  const ovmf = OVMF_PATHS.find((p) => existsSync(p));
  await mkdir(o.workDir, { recursive: true });
  const vms: RunningVm[] = [];
  const taps: string[] = [];
  const stop = async (): Promise<void> => {
    for (const vm of vms) vm.kill();
    await Promise.all(vms.map((vm) => vm.exited));
    for (const t of taps) await ipIn(o.netns, ['link', 'del', t]).catch(() => undefined);
  };
  try {
    const first = o.firstIndex ?? 0;
    for (let i = first; i < first + o.count; i++) {
      const firmware = o.firmware?.(i) ?? labVmFirmware(i);
      if (firmware === 'uefi-pxe' && !ovmf) throw new Error(`VM ${i}: ${firmware} needs OVMF (Debian: ovmf)`);
      if (firmware === 'uefi-sb' && !existsSync(OVMF_SECURE_BOOT.code))
        throw new Error(`VM ${i}: uefi-sb needs ${OVMF_SECURE_BOOT.code} (Debian: ovmf)`);
      const tap = `rqvm${i}`;
      await ipIn(o.netns, ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      taps.push(tap);
      await ipIn(o.netns, ['link', 'set', tap, 'master', o.bridge]);
      await ipIn(o.netns, ['link', 'set', tap, 'up']);
      const name = `vm${i}`;
      const disk = join(o.workDir, `${name}-disk.img`);
      // a sparse, empty disk: something for lsblk/smartctl to find; opened read-only by QEMU
      await writeFileDurable(disk, '');
      await truncate(disk, 64 << 20);
      // Secure Boot settings live in the vars flash: each VM starts from the template's enrolled keys
      const ovmfVars = firmware === 'uefi-sb' ? join(o.workDir, `${name}-vars.fd`) : undefined;
      if (ovmfVars) await copyDurable(OVMF_SECURE_BOOT.vars, ovmfVars);
      const vm = startVm(
        {
          name,
          mac: labVmMac(i),
          tap,
          firmware,
          serialLog: join(o.workDir, `${name}-serial.log`),
          ovmf,
          ovmfVars,
          disk,
        },
        { netns: o.netns, qemuLog: join(o.workDir, `${name}-qemu.log`) },
      );
      log(
        `${name} (${firmware}, ${labVmMac(i)}) started; serial log ${join(o.workDir, `${name}-serial.log`)}`,
      );
      vms.push(vm);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { vms, stop };
}

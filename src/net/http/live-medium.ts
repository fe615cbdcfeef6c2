// When the master itself runs from the stick, the ISO it booted from *is* the image peers need.
// This finds that device, reads its ISO 9660 primary volume descriptor (the ISO's length — the stick
// may carry a persistent partition right after it, which must never be served) and locates the
// kernel and initrd inside it as byte extents, so all three are served straight from the device
// (opened read-only) and the image need not embed a second copy of itself. Reading the extents from
// the device rather than from the mounted medium also works after rd.live.ram released the mount.
import { open, readlink, realpath, access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BootImage } from './boot-files.js';
import {
  FIRST_DESCRIPTOR_SECTOR,
  ISO_SECTOR,
  IsoError,
  MAX_DESCRIPTORS,
  descriptorKind,
  isoNameMatches,
  parseDirectory,
  parsePrimaryVolume,
  type DirRecord,
  type PrimaryVolume,
} from './iso9660.js';

/** Where dracut's dmsquash-live mounts the live medium. */
export const LIVE_MOUNT = '/run/initramfs/live';

/** Kernel and initrd locations inside the ISO, first match wins (kiwi's layout first). */
const KERNEL_PATHS = (arch: string) => [`boot/${arch}/loader/linux`, 'boot/vmlinuz', 'isolinux/vmlinuz'];
const INITRD_PATHS = (arch: string) => [`boot/${arch}/loader/initrd`, 'boot/initrd', 'isolinux/initrd.img'];

export interface Extent {
  offset: number;
  size: number;
}

export interface LiveMedium {
  device: string;
  volume: PrimaryVolume;
  image: BootImage;
  /** file name (as listed in `image`) → its bytes on the device */
  extents: Record<string, Extent>;
  /** a stable entity tag for everything served from this medium */
  etag: string;
}

/** The kiwi architecture name for this machine (recon.x86_64-1.2.3.iso). */
export function kiwiArch(nodeArch: string = process.arch): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** /proc/mounts escapes blanks as octal (\040); undo that. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Device paths that may hold the live medium, best first. Pure: from the kernel command line and
 * /proc/mounts. A peer (root=live:http://...) has none.
 */
export function liveDeviceCandidates(cmdline: string, mounts: string): string[] {
  const out: string[] = [];
  for (const line of mounts.split('\n')) {
    const [dev, mnt] = line.split(' ');
    if (dev && mnt && unescapeMount(mnt) === LIVE_MOUNT && dev.startsWith('/dev/'))
      out.push(unescapeMount(dev));
  }
  const root = /(?:^|\s)root=live:(\S+)/.exec(cmdline)?.[1];
  if (root) {
    const m = /^(CDLABEL|LABEL|UUID|PARTUUID|PARTLABEL)=(.+)$/.exec(root);
    if (m?.[1] && m[2]) {
      const dir = {
        CDLABEL: 'by-label',
        LABEL: 'by-label',
        UUID: 'by-uuid',
        PARTUUID: 'by-partuuid',
        PARTLABEL: 'by-partlabel',
      }[m[1] as 'CDLABEL'];
      // udev escapes blanks in by-label links as \x20
      out.push(`/dev/disk/${dir}/${m[2].replace(/ /g, '\\x20')}`);
    } else if (root.startsWith('/dev/')) out.push(root);
  }
  return [...new Set(out)];
}

type ReadAt = (offset: number, length: number) => Promise<Buffer>;

async function readVolume(readAt: ReadAt): Promise<PrimaryVolume> {
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const sector = await readAt((FIRST_DESCRIPTOR_SECTOR + i) * ISO_SECTOR, ISO_SECTOR);
    const kind = descriptorKind(sector);
    if (kind === 'primary') return parsePrimaryVolume(sector);
    if (kind === 'terminator') break;
  }
  throw new IsoError('no primary volume descriptor');
}

/** Walks "a/b/c" from the root directory; undefined when a component is missing. */
async function lookup(readAt: ReadAt, vol: PrimaryVolume, path: string): Promise<DirRecord | undefined> {
  let dir: DirRecord = vol.root;
  const parts = path.split('/');
  for (const [i, part] of parts.entries()) {
    if (!dir.isDir || dir.size > 16 << 20) return undefined;
    const entries = parseDirectory(await readAt(dir.offset, dir.size), vol.blockSize);
    const hit = entries.find((e) => isoNameMatches(e.name, part));
    if (!hit) return undefined;
    if (i === parts.length - 1) return hit.isDir ? undefined : hit;
    dir = hit;
  }
  return undefined;
}

/** Reads a device (or an ISO file) as a live medium; throws IsoError when it is not one. */
export async function openLiveMedium(
  device: string,
  version: string,
  arch = kiwiArch(),
): Promise<LiveMedium> {
  const fh = await open(device, 'r');
  try {
    const readAt: ReadAt = async (offset, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new IsoError(`short read at ${offset} (${bytesRead}/${length} bytes)`);
      return buf;
    };
    const volume = await readVolume(readAt);
    const find = async (paths: string[], what: string) => {
      for (const p of paths) {
        const rec = await lookup(readAt, volume, p);
        if (rec && rec.offset + rec.size <= volume.bytes) return rec;
      }
      throw new IsoError(`no ${what} on the medium (looked for ${paths.join(', ')})`);
    };
    const kernel = await find(KERNEL_PATHS(arch), 'kernel');
    const initrd = await find(INITRD_PATHS(arch), 'initrd');
    const image: BootImage = {
      version,
      iso: `recon.${arch}-${version}.iso`,
      kernel: `vmlinuz-${version}`,
      initrd: `initrd-${version}`,
    };
    return {
      device,
      volume,
      image,
      extents: {
        [image.iso]: { offset: 0, size: volume.bytes },
        [image.kernel]: { offset: kernel.offset, size: kernel.size },
        [image.initrd]: { offset: initrd.offset, size: initrd.size },
      },
      etag: `"iso-${volume.bytes.toString(16)}-${volume.created ?? volume.volumeId.replace(/[^A-Za-z0-9_]/g, '')}"`,
    };
  } finally {
    await fh.close();
  }
}

/** The whole disk a partition belongs to (a hybrid ISO's file system may start at the disk's sector 0). */
async function parentDisk(device: string): Promise<string | undefined> {
  try {
    const name = basename(await realpath(device));
    const sys = join('/sys/class/block', name);
    await access(join(sys, 'partition'));
    return join('/dev', basename(dirname(await realpath(sys))));
  } catch {
    return undefined;
  }
}

export interface FindOptions {
  version: string;
  cmdline: string;
  mounts: string;
}

/** The live medium the master booted from, or a reason why there is none. */
export async function findLiveMedium(opts: FindOptions): Promise<{ medium?: LiveMedium; tried: string[] }> {
  const tried: string[] = [];
  for (const dev of liveDeviceCandidates(opts.cmdline, opts.mounts)) {
    const target = await readlink(dev).then(
      (l) => join(dirname(dev), l),
      () => dev,
    );
    const parent = await parentDisk(target);
    for (const d of parent ? [target, parent] : [target]) {
      try {
        return { medium: await openLiveMedium(d, opts.version), tried };
      } catch (e) {
        tried.push(`${d}: ${(e as Error).message}`);
      }
    }
  }
  return { tried };
}

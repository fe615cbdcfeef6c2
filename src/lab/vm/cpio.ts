// The "newc" cpio format the kernel unpacks as an initramfs, written by recon itself so the archive can
// hold device nodes and root-owned files without root privileges or a cpio tool. Entries are produced as
// a stream of buffers (file contents are read lazily), ready to be piped through gzip.
import { createReadStream } from 'node:fs';

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; mode?: number; data: Buffer }
  /** a file copied from the build host; `size` must be its size (checked while streaming) */
  | { kind: 'host-file'; path: string; mode?: number; source: string; size: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'char'; path: string; mode?: number; major: number; minor: number };

export class CpioError extends Error {}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

/** The 110-byte header plus the NUL-terminated, 4-aligned name. */
export function entryHeader(
  ino: number,
  name: string,
  f: { mode: number; size: number; nlink: number; rdevMajor?: number; rdevMinor?: number },
): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  if (f.size > 0xffffffff) throw new CpioError(`${name}: newc cannot hold files over 4 GiB`);
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const fields = [
    ino,
    f.mode,
    0,
    0,
    f.nlink,
    0,
    f.size,
    0,
    0,
    f.rdevMajor ?? 0,
    f.rdevMinor ?? 0,
    nameBytes.length,
    0,
  ];
  const head = Buffer.from(`070701${fields.map(hex).join('')}`, 'ascii');
  return Buffer.concat([head, nameBytes, pad4(head.length + nameBytes.length)]);
}

/** Archive paths are relative ("bin/sh"); a leading slash or a ".." would escape the initramfs root. */
export function archiveName(path: string): string {
  const name = path.replace(/^\/+/, '');
  if (!name || name.split('/').some((p) => p === '..' || p === ''))
    throw new CpioError(`bad archive path ${path}`);
  return name;
}

async function* hostFile(e: Extract<CpioEntry, { kind: 'host-file' }>): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of createReadStream(e.source)) {
    seen += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (seen !== e.size)
    throw new CpioError(`${e.source} changed while archiving (${seen} != ${e.size} bytes)`);
}

/** Streams the whole archive, trailer included. Duplicate paths are refused (the kernel would keep the last). */
export async function* cpioStream(entries: Iterable<CpioEntry>): AsyncGenerator<Buffer> {
  const seen = new Set<string>();
  let ino = 1;
  for (const e of entries) {
    const name = archiveName(e.path);
    if (seen.has(name)) throw new CpioError(`duplicate archive path ${name}`);
    seen.add(name);
    switch (e.kind) {
      case 'dir':
        yield entryHeader(ino++, name, { mode: S_IFDIR | (e.mode ?? 0o755), size: 0, nlink: 2 });
        break;
      case 'symlink': {
        const target = Buffer.from(e.target);
        yield entryHeader(ino++, name, { mode: S_IFLNK | 0o777, size: target.length, nlink: 1 });
        yield Buffer.concat([target, pad4(target.length)]);
        break;
      }
      case 'char':
        yield entryHeader(ino++, name, {
          mode: S_IFCHR | (e.mode ?? 0o600),
          size: 0,
          nlink: 1,
          rdevMajor: e.major,
          rdevMinor: e.minor,
        });
        break;
      case 'file':
        yield entryHeader(ino++, name, { mode: S_IFREG | (e.mode ?? 0o644), size: e.data.length, nlink: 1 });
        yield Buffer.concat([e.data, pad4(e.data.length)]);
        break;
      case 'host-file':
        yield entryHeader(ino++, name, { mode: S_IFREG | (e.mode ?? 0o755), size: e.size, nlink: 1 });
        yield* hostFile(e);
        yield pad4(e.size);
        break;
    }
  }
  yield entryHeader(0, 'TRAILER!!!', { mode: 0, size: 0, nlink: 1 });
}

// Which file a TFTP read request may have, and its bytes. Requests are confined to the TFTP root:
// `..` segments are refused outright, a leading `/` means the root (as tftpd-hpa's secure mode),
// and the resolved real path must still lie inside the root (no symlink escape). The iPXE binaries
// named in config.boot.files (and only those) are also looked up in the distribution's iPXE directories.
// Both are synchronous: a boot file is read once into the cache and then sliced per block, and a file
// too big for the cache is read a window at a time (from the page cache, microseconds each).
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ERR } from './codec.js';

export class TftpFileError extends Error {
  constructor(
    message: string,
    readonly code: typeof ERR.NOT_FOUND | typeof ERR.ACCESS,
  ) {
    super(message);
    this.name = 'TftpFileError';
  }
}

/** The request's file name as a relative path with `/` separators, or a typed refusal. */
export function normalizeRequestName(name: string): string {
  if (name.includes('\0')) throw new TftpFileError('NUL in file name', ERR.ACCESS);
  // some PXE ROMs send DOS separators
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new TftpFileError('".." in file name', ERR.ACCESS);
  if (parts.length === 0) throw new TftpFileError('empty file name', ERR.NOT_FOUND);
  return parts.join('/');
}

function inside(dir: string, path: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** A file a request resolved to: the real path and what stat said of it. */
export interface ResolvedFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** the bytes themselves, for a file generated per request (grub.cfg) */
  data?: Buffer;
  /** where the file starts in `path` (a kernel or initrd inside the live medium's ISO) */
  offset?: number;
}

/**
 * Real path of `rel` under `dir` if it is a regular file (that stays inside `dir` when `confine`);
 * undefined if absent. Synchronous on purpose: a few metadata look-ups answered from the dentry cache
 * cost microseconds, while each round trip through libuv's thread pool wakes a worker thread that
 * preempts the event loop just as the transfer starts.
 */
function findUnder(dir: string, rel: string, confine: boolean): ResolvedFile | undefined {
  let realDir: string;
  let real: string;
  try {
    realDir = realpathSync.native(dir);
    real = realpathSync.native(join(realDir, rel));
  } catch {
    return undefined;
  }
  if (confine && !inside(realDir, real)) throw new TftpFileError(`${rel} leads out of ${dir}`, ERR.ACCESS);
  const st = statSync(real);
  if (!st.isFile()) throw new TftpFileError(`${rel} is not a regular file`, ERR.NOT_FOUND);
  return { path: real, size: st.size, mtimeMs: st.mtimeMs };
}

/** Reads `length` bytes at `offset`; fewer at the end of the file. */
export interface BlockSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
  close(): void;
}

export interface FileRoots {
  root: string;
  /** directories searched for the boot file names (config.boot.ipxeDir) */
  fallbackDirs: string[];
  /** relative names that may come from fallbackDirs (config.boot.files values) */
  fallbackNames: ReadonlySet<string>;
  /** relative names → absolute paths that may serve them, first existing wins (the signed boot files) */
  elsewhere?: ReadonlyMap<string, readonly string[]>;
}

/** Files up to this size are read once and shared by all transfers (iPXE binaries are ~1 MiB). */
const CACHE_FILE_MAX = 16 << 20;
const CACHE_TOTAL_MAX = 64 << 20;
const cache = new Map<string, { mtimeMs: number; data: Buffer }>();

function cached(file: ResolvedFile): BlockSource {
  let hit = cache.get(file.path);
  if (!hit || hit.mtimeMs !== file.mtimeMs || hit.data.length !== file.size) {
    cache.delete(file.path);
    hit = { mtimeMs: file.mtimeMs, data: readFileSync(file.path) };
    let total = hit.data.length;
    for (const v of cache.values()) total += v.data.length;
    // oldest first (a Map keeps insertion order)
    for (const [k, v] of cache) {
      if (total <= CACHE_TOTAL_MAX) break;
      cache.delete(k);
      total -= v.data.length;
    }
    cache.set(file.path, hit);
  }
  return inMemory(hit.data);
}

/**
 * A file too big for the cache, or a region of a device, is read a window at a time (a slow medium
 * holds up the event loop).
 */
function streamed(path: string, region?: { offset: number; size: number }): BlockSource {
  const fd = openSync(path, 'r');
  const base = region?.offset ?? 0;
  const size = region?.size ?? fstatSync(fd).size;
  return {
    size,
    read: (offset, length) => {
      const want = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(want);
      return buf.subarray(0, want && readSync(fd, buf, 0, want, base + offset));
    },
    close: () => closeSync(fd),
  };
}

function inMemory(data: Buffer): BlockSource {
  return {
    size: data.length,
    read: (offset, length) => data.subarray(offset, offset + length),
    close: () => {},
  };
}

/** The bytes of a resolved file (throws when it cannot be read). */
export function openSource(file: ResolvedFile): BlockSource {
  if (file.data) return inMemory(file.data);
  if (file.offset !== undefined) return streamed(file.path, { offset: file.offset, size: file.size });
  return file.size <= CACHE_FILE_MAX ? cached(file) : streamed(file.path);
}

/** The file a read request names, or throws TftpFileError (not found / access violation). */
export function resolveRequest(requested: string, roots: FileRoots): { name: string } & ResolvedFile {
  const name = normalizeRequestName(requested);
  let found = findUnder(roots.root, name, true);
  if (!found && roots.fallbackNames.has(name)) {
    // only fixed names from the config reach here, and distributions link them elsewhere
    // (Debian: /usr/lib/ipxe/ipxe.efi → /boot/ipxe.efi), so these are not confined
    for (const dir of roots.fallbackDirs) {
      found = findUnder(dir, name, false);
      if (found) break;
    }
  }
  for (const path of found ? [] : (roots.elsewhere?.get(name) ?? [])) {
    const slash = path.lastIndexOf('/');
    found = findUnder(path.slice(0, slash) || '/', path.slice(slash + 1), false);
    if (found) break;
  }
  if (!found) throw new TftpFileError(`${name} not found`, ERR.NOT_FOUND);
  return { name, ...found };
}

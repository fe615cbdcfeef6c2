// Which file a TFTP read request may have, and its bytes. Requests are confined to the TFTP root:
// `..` segments are refused outright, a leading `/` means the root (as tftpd-hpa's secure mode),
// and the resolved real path must still lie inside the root (no symlink escape). The iPXE binaries
// named in config.boot.files (and only those) are also looked up in the distribution's iPXE directories.
import { realpathSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
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

/**
 * Real path of `rel` under `dir` if it is a regular file (that stays inside `dir` when `confine`);
 * undefined if absent. Synchronous on purpose: a few metadata look-ups answered from the dentry cache
 * cost microseconds, while each round trip through libuv's thread pool wakes a worker thread that
 * preempts the event loop just as the transfer starts.
 */
function findUnder(
  dir: string,
  rel: string,
  confine: boolean,
): { path: string; size: number; mtimeMs: number } | undefined {
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

/** Reads `length` bytes at `offset`; fewer at the end of the file. Cached files answer at once. */
export interface BlockSource {
  readonly size: number;
  read(offset: number, length: number): Buffer | Promise<Buffer>;
  close(): Promise<void>;
}

export interface FileRoots {
  root: string;
  /** directories searched for the boot file names (config.boot.ipxeDir) */
  fallbackDirs: string[];
  /** relative names that may come from fallbackDirs (config.boot.files values) */
  fallbackNames: ReadonlySet<string>;
}

/** Files up to this size are read once and shared by every transfer (iPXE binaries are ~1 MiB). */
const CACHE_FILE_MAX = 16 << 20;
const CACHE_TOTAL_MAX = 64 << 20;
// promises, so that 100 clients asking at once for an uncached file cause one read
const cache = new Map<string, { mtimeMs: number; size: number; data: Promise<Buffer> }>();

async function readWhole(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

async function cached(path: string, size: number, mtimeMs: number): Promise<BlockSource> {
  let hit = cache.get(path);
  if (!hit || hit.mtimeMs !== mtimeMs || hit.size !== size) {
    cache.delete(path);
    const entry = { mtimeMs, size, data: readWhole(path) };
    entry.data.catch(() => cache.get(path) === entry && cache.delete(path));
    let total = size;
    for (const v of cache.values()) total += v.size;
    // oldest first (a Map keeps insertion order)
    for (const [k, v] of cache) {
      if (total <= CACHE_TOTAL_MAX) break;
      cache.delete(k);
      total -= v.size;
    }
    cache.set(path, entry);
    hit = entry;
  }
  const data = await hit.data;
  return {
    size: data.length,
    read: (offset, length) => data.subarray(offset, offset + length),
    close: () => Promise.resolve(),
  };
}

async function streamed(path: string): Promise<BlockSource> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    size,
    read: async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

/** Opens the requested file for reading, or throws TftpFileError (not found / access violation). */
export async function openForRead(
  requested: string,
  roots: FileRoots,
): Promise<{ name: string; path: string; source: BlockSource }> {
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
  if (!found) throw new TftpFileError(`${name} not found`, ERR.NOT_FOUND);
  const source =
    found.size <= CACHE_FILE_MAX
      ? await cached(found.path, found.size, found.mtimeMs)
      : await streamed(found.path);
  return { name, path: found.path, source };
}

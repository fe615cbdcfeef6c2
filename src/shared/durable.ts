// Durable file writes: every file recon writes goes through here, so a power cut leaves either the old
// file or the new one — never a torn one. Sequence: temp file in the same dir → fsync → rename → fsync dir.
// write(2) may store fewer bytes than asked (a nearly full disk does): every writer loops with
// writeAll, and a full disk surfaces as the ENOSPC/EDQUOT error, never as a short file acknowledged.
import { open, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The calls recon's writers make on an open file (a test can hand in one that writes short or fails). */
export type WritableFile = Pick<FileHandle, 'write' | 'sync' | 'datasync' | 'truncate' | 'stat' | 'close'>;
export type OpenFile = (path: string, flags: string | number, mode: number) => Promise<WritableFile>;

export const openFile: OpenFile = (path, flags, mode) => open(path, flags, mode);

/** Writes every byte of `data` at the file's position, looping over short writes; throws what write throws. */
export async function writeAll(file: Pick<FileHandle, 'write'>, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done);
    // a regular file reports a full disk as ENOSPC; a write that stores nothing must not spin forever
    if (bytesWritten <= 0)
      throw Object.assign(new Error(`write stored nothing with ${data.length - done} bytes left`), {
        code: 'EIO',
      });
    done += bytesWritten;
  }
}

/** A write failed because the data partition (or the quota) is full. */
export function isOutOfSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** fsync a directory so a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A temp path next to `path` (same filesystem, so rename is atomic), hidden and unique. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function writeFileDurable(
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number; mkdir?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  if (opts.mkdir !== false) await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
  try {
    await writeAll(fh, typeof data === 'string' ? Buffer.from(data) : data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

// Receiving peer uploads so that an acknowledged upload is on disk and nothing partial ever is:
// the body goes to a hidden temp file next to its final name, is fsynced, renamed into place and the
// directory fsynced — only then does the caller send its 2xx. Oversized bodies are refused from
// Content-Length when possible and cut off at the limit otherwise; the temp file is removed on any failure.
// A full data partition answers 507 Insufficient Storage: raw archives are refused before they cut into
// the reserve kept for inventories and events, and a write that fails with ENOSPC/EDQUOT is never
// acknowledged. The sha256 returned is of the bytes written: every chunk is written whole (writeAll).
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import getRawBody from 'raw-body';
import type { DataSpace, StoredKind } from '../../model/space.js';
import {
  fsyncDir,
  isOutOfSpace,
  openFile,
  tempPathFor,
  writeAll,
  type OpenFile,
} from '../../shared/durable.js';
import { HttpFailure } from './static.js';

/** How often (in bytes received) a streamed upload asks again whether it still fits. */
export const SPACE_CHECK_BYTES = 1024 * 1024;

/** The part of the master's DataSpace an upload asks. */
export type SpaceGate = Pick<DataSpace, 'refuse'>;

export interface Stored {
  sha256: string;
  bytes: number;
}

function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** A whole (small) body in memory, at most `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit, length: declaredLength(req) });
  } catch (e) {
    const err = e as { type?: string; status?: number };
    if (err.type === 'entity.too.large') throw new HttpFailure(413, `body larger than ${limit} bytes`);
    throw new HttpFailure(400, `could not read the request body (${err.type ?? 'aborted'})`);
  }
}

/** Refuses with 507 when `bytes` more of `kind` would not leave the floor free on the data partition. */
export async function admit(space: SpaceGate, kind: StoredKind, bytes: number): Promise<void> {
  const why = await space.refuse(kind, bytes);
  if (why) throw new HttpFailure(507, why);
}

/**
 * Runs a step that writes to the data partition (a file, an event): a full partition (ENOSPC, EDQUOT)
 * becomes 507 for the peer; nothing was acknowledged. Other failures (EIO) stay errors (500, logged).
 */
export async function storing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (isOutOfSpace(e))
      throw new HttpFailure(507, `data partition full (${(e as NodeJS.ErrnoException).code}): not stored`);
    throw e;
  }
}

export interface StreamOptions {
  /** may veto the content from its first chunk (e.g. a gzip magic check) before anything large is written */
  firstBytes?: (chunk: Buffer) => string | undefined;
  /** asked before the body and every SPACE_CHECK_BYTES whether the rest of it still fits */
  space?: { gate: SpaceGate; kind: StoredKind };
  openFile?: OpenFile;
}

/** Streams a body to `path` durably; a full partition is 507 and leaves nothing behind. */
export async function streamToFileDurable(
  req: IncomingMessage,
  path: string,
  limit: number,
  opts: StreamOptions = {},
): Promise<Stored> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit)
    throw new HttpFailure(413, `body larger than ${limit} bytes`);
  const space = opts.space;
  // the rest of a body of unknown length is taken as nothing: the checks on the way catch it
  const fits = (received: number) =>
    space ? admit(space.gate, space.kind, Math.max(0, (declared ?? 0) - received)) : Promise.resolve();
  await fits(0);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await (opts.openFile ?? openFile)(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  let bytes = 0;
  let ok = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (bytes === 0 && opts.firstBytes) {
        const problem = opts.firstBytes(chunk);
        if (problem) throw new HttpFailure(400, problem);
      }
      const before = bytes;
      bytes += chunk.length;
      if (bytes > limit) throw new HttpFailure(413, `body larger than ${limit} bytes`);
      hash.update(chunk);
      await storing(() => writeAll(fh, chunk));
      if (Math.floor(bytes / SPACE_CHECK_BYTES) > Math.floor(before / SPACE_CHECK_BYTES)) await fits(bytes);
    }
    if (!req.complete) throw new HttpFailure(400, 'upload ended early');
    if (declared !== undefined && declared !== bytes)
      throw new HttpFailure(400, 'body shorter than Content-Length');
    await storing(() => fh.sync());
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Removes temp files a killed master left in nodes/<mac>/ (hidden ".<name>.tmp-<pid>-<rand>").
 * They were never acknowledged, so nothing of value is lost.
 */
export async function removeStaleTemps(nodesDir: string): Promise<number> {
  let removed = 0;
  let macs: string[];
  try {
    macs = await readdir(nodesDir);
  } catch {
    return 0;
  }
  for (const mac of macs) {
    let names: string[];
    try {
      names = await readdir(join(nodesDir, mac));
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^\..+\.tmp-(\d+)-[0-9a-f]+$/.exec(n);
      // a temp file of this very process belongs to an upload in flight
      if (m && Number(m[1]) !== process.pid) {
        await unlink(join(nodesDir, mac, n)).catch(() => undefined);
        removed++;
      }
    }
  }
  return removed;
}

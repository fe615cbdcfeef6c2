// Receiving peer uploads so that an acknowledged upload is on disk and nothing partial ever is:
// the body goes to a hidden temp file next to its final name, is fsynced, renamed into place and the
// directory fsynced — only then does the caller send its 2xx. Oversized bodies are refused from
// Content-Length when possible and cut off at the limit otherwise; the temp file is removed on any failure.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import getRawBody from 'raw-body';
import { fsyncDir, tempPathFor } from '../../shared/durable.js';
import { HttpFailure } from './static.js';

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

/**
 * Streams a body to `path` durably. `firstBytes` may veto the content from its first chunk
 * (e.g. a gzip magic check) before anything large is written.
 */
export async function streamToFileDurable(
  req: IncomingMessage,
  path: string,
  limit: number,
  firstBytes?: (chunk: Buffer) => string | undefined,
): Promise<Stored> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit)
    throw new HttpFailure(413, `body larger than ${limit} bytes`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  let bytes = 0;
  let ok = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (bytes === 0 && firstBytes) {
        const problem = firstBytes(chunk);
        if (problem) throw new HttpFailure(400, problem);
      }
      bytes += chunk.length;
      if (bytes > limit) throw new HttpFailure(413, `body larger than ${limit} bytes`);
      hash.update(chunk);
      await fh.write(chunk);
    }
    if (!req.complete) throw new HttpFailure(400, 'upload ended early');
    if (declared !== undefined && declared !== bytes)
      throw new HttpFailure(400, 'body shorter than Content-Length');
    await fh.sync();
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

// Serves a byte region of a file or block device (the live ISO, or the kernel/initrd inside it) with
// the same HTTP semantics `send` gives ordinary files: single Range (206/416), ETag + If-None-Match
// (304), HEAD. `send` cannot do this: stat() reports size 0 for a block device.
import { createReadStream } from 'node:fs';
import type { Context } from 'koa';
import { decideRange, etagMatches } from './range.js';
import { STREAM_CHUNK } from './static.js';
import { canSendfile, sendfileBody } from './sendfile.js';
import type { Extent } from './live-medium.js';

export interface RegionSource {
  path: string;
  extent: Extent;
  etag: string;
  contentType: string;
}

export function serveRegion(ctx: Context, src: RegionSource, count: (bytes: number) => void): Promise<void> {
  const res = ctx.res;
  const len = src.extent.size;
  ctx.respond = false;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', src.etag);
  if (etagMatches(ctx.get('if-none-match') || undefined, src.etag)) {
    res.statusCode = 304;
    res.end();
    return Promise.resolve();
  }
  // If-Range with a different tag means "send the whole thing"
  const ifRange = ctx.get('if-range');
  const range =
    ifRange && ifRange !== src.etag
      ? { kind: 'full' as const }
      : decideRange(ctx.get('range') || undefined, len);
  if (range.kind === 'unsatisfiable') {
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${len}`);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('range not satisfiable\n');
    return Promise.resolve();
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, len - 1];
  res.statusCode = range.kind === 'partial' ? 206 : 200;
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${len}`);
  res.setHeader('Content-Type', src.contentType);
  res.setHeader('Content-Length', String(end - start + 1));
  if (ctx.method === 'HEAD' || len === 0) {
    res.end();
    return Promise.resolve();
  }
  if (canSendfile(res))
    return sendfileBody(res, src.path, src.extent.offset + start, end - start + 1, count).then(
      (ok) => void (ok || res.destroy()),
      () => void res.destroy(),
    );
  return new Promise((resolve) => {
    const body = createReadStream(src.path, {
      start: src.extent.offset + start,
      end: src.extent.offset + end,
      highWaterMark: STREAM_CHUNK,
    });
    body.on('data', (c: Buffer | string) => count(c.length));
    body.on('error', () => res.destroy());
    res.once('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

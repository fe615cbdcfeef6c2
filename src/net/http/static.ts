// Read-only static trees (config.http.roots): files through pillarjs
// `send` (Range, ETag, Last-Modified, HEAD), directories as a small HTML or JSON index. A path is
// served only if its real path (symlinks resolved) stays inside the tree's real root; anything else
// is "not found", so a symlink pointing out of the tree reveals nothing.
import { readdir, realpath, stat, lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Context } from 'koa';
import send from 'send';
import { canSendfile, sendfileBody } from './sendfile.js';

/** Large reads keep the per-chunk overhead low when streaming ISOs (see docs/BENCHMARKS.md). */
export const STREAM_CHUNK = 1 << 20;

export interface Tree {
  /** URL prefix, e.g. "/install" */
  prefix: string;
  dir: string;
}

export type Resolved =
  | { kind: 'file'; realRoot: string; real: string; stat: Stats }
  | { kind: 'dir'; realRoot: string; real: string }
  | { kind: 'missing' };

function inside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/** Resolves decoded path segments inside a tree, following symlinks only as far as the tree goes. */
export async function resolveInTree(dir: string, segments: readonly string[]): Promise<Resolved> {
  try {
    const realRoot = await realpath(dir);
    const real = await realpath(join(realRoot, ...segments));
    if (!inside(realRoot, real)) return { kind: 'missing' };
    const st = await stat(real);
    if (st.isDirectory()) return { kind: 'dir', realRoot, real };
    if (st.isFile()) return { kind: 'file', realRoot, real, stat: st };
    return { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
}

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

/**
 * Sends one resolved file with `send` (conditional and range requests included) and resolves once
 * the response is over. `count` hears the size of every chunk sent (transfer byte counts).
 */
export function sendFile(
  ctx: Context,
  realRoot: string,
  real: string,
  count: (bytes: number) => void = () => undefined,
  headers: Record<string, string> = {},
): Promise<void> {
  const rel = real.slice(realRoot.length).split(sep).filter(Boolean).map(encodeURIComponent).join('/');
  ctx.respond = false;
  const res: ServerResponse = ctx.res;
  // koa presets 404; send only sets the status for 206/304/errors
  res.statusCode = 200;
  return new Promise((resolve) => {
    const stream = send(ctx.req, `/${rel}`, {
      root: realRoot,
      index: false,
      dotfiles: 'ignore',
      // passed through to fs.createReadStream
      highWaterMark: STREAM_CHUNK,
    } as send.SendOptions);
    stream.on('headers', (r: ServerResponse) => {
      for (const [k, v] of Object.entries(headers)) r.setHeader(k, v);
    });
    // send decides status, headers and range, then calls stream(): the body goes out by sendfile(2)
    const streamThrough = stream.stream.bind(stream);
    stream.stream = (path: string, opts: { start?: number }) => {
      if (!canSendfile(res)) return streamThrough(path, opts);
      const length = Number(res.getHeader('Content-Length'));
      sendfileBody(res, path, opts.start ?? 0, length, count).then(
        (ok) => ok || res.destroy(),
        () => res.destroy(),
      );
    };
    stream.on('stream', (s: Readable) => s.on('data', (c: Buffer) => count(c.length)));
    stream.on('error', (err: { status?: number; message?: string; headers?: Record<string, string> }) => {
      const status = err.status ?? 500;
      if (!res.headersSent) {
        for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
        res.statusCode = status;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(
          `${status === 416 ? 'range not satisfiable' : status === 404 ? 'not found' : 'cannot send file'}\n`,
        );
      } else res.destroy();
    });
    res.once('close', () => resolve());
    stream.pipe(res);
  });
}

export interface ListingEntry {
  name: string;
  type: 'file' | 'dir';
  size: number;
  mtime: string;
}

/** The visible entries of a directory: no dotfiles (temp files), nothing that leads out of the tree. */
export async function listDirectory(realRoot: string, real: string): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  for (const name of (await readdir(real)).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(real, name);
    try {
      const l = await lstat(p);
      if (l.isSymbolicLink() && !inside(realRoot, await realpath(p))) continue;
      const st = await stat(p);
      if (!st.isFile() && !st.isDirectory()) continue;
      out.push({
        name,
        type: st.isDirectory() ? 'dir' : 'file',
        size: st.isFile() ? st.size : 0,
        mtime: st.mtime.toISOString(),
      });
    } catch {
      /* vanished or dangling: not listed */
    }
  }
  return out;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function renderListingHtml(urlPath: string, entries: readonly ListingEntry[]): string {
  const rows = entries
    .map((e) => {
      const href = encodeURIComponent(e.name) + (e.type === 'dir' ? '/' : '');
      return `<tr><td><a href="${esc(href)}">${esc(e.name)}${e.type === 'dir' ? '/' : ''}</a></td><td>${
        e.type === 'file' ? e.size : '-'
      }</td><td>${esc(e.mtime)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(urlPath)}</title></head>
<body><h1>${esc(urlPath)}</h1>
<table><tr><th>name</th><th>bytes</th><th>modified</th></tr>
${urlPath !== '/' ? '<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n' : ''}${rows}
</table></body></html>
`;
}

/** Serves a directory index; JSON when asked for (Accept or ?format=json). */
export async function serveListing(
  ctx: Context,
  realRoot: string,
  real: string,
  urlPath: string,
): Promise<void> {
  const entries = await listDirectory(realRoot, real);
  if (ctx.query.format === 'json' || ctx.accepts('html', 'json') === 'json')
    ctx.body = { path: urlPath, entries };
  else {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderListingHtml(urlPath, entries);
  }
}

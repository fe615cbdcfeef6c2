// The HTTP application: error mapping, path safety, then (in order) the peer API, the boot routes,
// the live medium and the static trees. No sockets here — service.ts listens; tests can mount it on
// any server.
import Koa from 'koa';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { StateStore } from '../../model/store.js';
import type { UploadRegistry } from '../../model/inflight.js';
import {
  bootKind,
  imageUrlPath,
  serveIpxeEfi,
  serveLiveFile,
  serveMenu,
  servePostTgz,
} from './boot-routes.js';
import type { LiveMedium } from './live-medium.js';
import { peerApiRouter } from './peer-api.js';
import { HttpFailure, resolveInTree, sendFile, serveListing, type Tree } from './static.js';
import { trackTransfer } from './transfers.js';
import { PathRefused, decodeRequestPath } from './url-path.js';

export interface HttpDeps {
  config: ReconConfig;
  store: StateStore;
  log: Logger;
  version: string;
  live?: LiveMedium;
  stopping: AbortSignal;
  uploads: UploadRegistry;
}

/**
 * The static trees: config.http.roots, nothing more. The data dir is never one of them (config validation
 * refuses an overlap): a peer needs nothing of it, and another peer's inventory, the log, the events and the
 * state are not a peer's to read. Peers write there only through the peer API.
 */
export function treesOf(config: ReconConfig): Tree[] {
  return Object.entries(config.http.roots).map(([prefix, dir]) => ({ prefix, dir }));
}

function isApi(ctx: Context): boolean {
  return ctx.path === '/api' || ctx.path.startsWith('/api/');
}

/** Every failure becomes a clear answer: JSON {error} on the API, one text line elsewhere. */
function errors(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false)
        throw new HttpFailure(404, 'not found');
    } catch (e) {
      const status = e instanceof HttpFailure ? e.status : e instanceof PathRefused ? 403 : 500;
      const message =
        e instanceof HttpFailure ? e.message : e instanceof PathRefused ? 'forbidden path' : 'internal error';
      if (status === 500) log.error({ err: e, path: ctx.path.slice(0, 200) }, 'request failed');
      else log.debug({ status, path: ctx.path.slice(0, 200), why: (e as Error).message }, 'request refused');
      if (ctx.res.headersSent) {
        ctx.res.destroy();
        return;
      }
      ctx.respond = true;
      ctx.status = status;
      if (isApi(ctx)) ctx.body = { error: message };
      else {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = `${message}\n`;
      }
    }
  };
}

async function serveTrees(ctx: Context, deps: HttpDeps, trees: Tree[]): Promise<void> {
  const { segments, trailingSlash } = decodeRequestPath(ctx.path);
  const [first, ...rest] = segments;
  const imageDir = imageUrlPath(deps.config);
  if (first === undefined) {
    ctx.body = { recon: true, trees: trees.map((t) => t.prefix), menu: '/menu.ipxe', api: '/api/v1/hello' };
    return;
  }
  if (
    `/${first}/${rest[0] ?? ''}` === imageDir &&
    rest.length === 2 &&
    (await serveLiveFile(ctx, deps, rest[1] ?? ''))
  )
    return;
  const tree = trees.find((t) => t.prefix === `/${first}`);
  if (!tree) return;
  const r = await resolveInTree(tree.dir, rest);
  if (r.kind === 'missing') return;
  if (r.kind === 'dir') {
    if (!trailingSlash) {
      ctx.redirect(`${ctx.path}/`);
      return;
    }
    await serveListing(ctx, r.realRoot, r.real, `/${segments.join('/')}/`);
    return;
  }
  const name = rest[rest.length - 1] ?? '';
  const kind = `/${first}/${rest.slice(0, -1).join('/')}` === imageDir ? bootKind(name) : 'other';
  // ordinary files are not worth an event each; boot files are what the console follows
  const count =
    kind === 'other'
      ? undefined
      : trackTransfer(
          deps.store,
          deps.log,
          { ip: ctx.req.socket.remoteAddress ?? '', file: ctx.path, kind, size: r.stat.size },
          ctx.res,
        );
  await sendFile(ctx, r.realRoot, r.real, count);
}

export function createHttpApp(deps: HttpDeps): Koa {
  const app = new Koa();
  app.silent = true;
  const trees = treesOf(deps.config);
  const api = peerApiRouter(deps);
  app.use(errors(deps.log));
  app.use(api.routes());
  app.use(api.allowedMethods());
  app.use(async (ctx, next) => {
    if (isApi(ctx)) {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
      throw new HttpFailure(405, 'read-only: GET and HEAD only');
    switch (ctx.path) {
      case '/menu.ipxe':
        return serveMenu(ctx, deps);
      case '/ipxe.efi':
        return serveIpxeEfi(ctx, deps);
      case '/post.tgz':
        return servePostTgz(ctx, deps);
      default:
        return serveTrees(ctx, deps, trees);
    }
  });
  return app;
}

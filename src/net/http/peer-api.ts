// The peer API (/api/v1), the channel between a peer's collector and the master; see docs/peer-api.md.
// Per-node requests speak for one MAC and are accepted only from an address the master handed to
// that MAC (unless config.http.trustAnySource). Uploads are durable before they are acknowledged, and
// bounded: so many starts per node (429), so much body memory over all nodes (503), a minimum pace.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import { normalizeMac, STAGE_ORDER, type Mac, type PeerCommand, type Stage } from '../../model/events.js';
import type { UploadRegistry } from '../../model/inflight.js';
import type { StateStore } from '../../model/store.js';
import { writeFileDurable } from '../../shared/durable.js';
import { InventoryChecker } from './inventory-check.js';
import { addressesOf, normalizeAddress } from './source.js';
import { HttpFailure } from './static.js';
import { admit, readBody, storing, streamToFileDurable } from './upload.js';
import { BodyBudget, cutSlowBody, StartRateLimit } from './limits.js';

export const API_VERSION = 1;
/** The stages a peer may report about itself; the others belong to DHCP/TFTP/HTTP and the master. */
export const PEER_STAGES: readonly Stage[] = STAGE_ORDER.slice(
  STAGE_ORDER.indexOf('booted'),
  STAGE_ORDER.indexOf('powered-off') + 1,
);
export const MAX_POLL_SECONDS = 30;
/** An upload body is measured against config.http.minUploadBytesPerSecond over windows this long. */
export const BODY_RATE_WINDOW_MS = 10_000;
/** What a refused upload is told to wait when the body budget is spent (others finish within seconds). */
const BUSY_RETRY_SECONDS = 5;

export interface PeerApiDeps {
  config: ReconConfig;
  store: StateStore;
  log: Logger;
  version: string;
  /** aborted when the service stops: pending long-polls answer at once */
  stopping: AbortSignal;
  /** uploads in flight: the final power-down waits for them, then cuts them */
  uploads: UploadRegistry;
}

/**
 * What the upload routes share: the body memory over all of them, each node's upload starts, and the
 * thread that checks inventories.
 */
interface UploadLimits {
  bodies: BodyBudget;
  starts: StartRateLimit;
  checker: InventoryChecker;
}

/** The node a request speaks for, after the MAC and source-address checks. */
function nodeFor(ctx: Context, deps: PeerApiDeps): Mac {
  const raw = (ctx.params as Record<string, string | undefined>).mac ?? '';
  const mac = normalizeMac(raw);
  if (!mac) throw new HttpFailure(400, `not a MAC address: ${raw.slice(0, 40)}`);
  if (deps.config.http.trustAnySource) return mac;
  const from = normalizeAddress(ctx.req.socket.remoteAddress);
  const allowed = addressesOf(deps.store.state, mac);
  if (!allowed.includes(from))
    throw new HttpFailure(
      403,
      allowed.length
        ? `${from} is not the address leased to ${mac}`
        : `${mac} holds no lease from this master (request from ${from})`,
    );
  return mac;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpFailure(400, `not valid JSON: ${(e as Error).message}`);
  }
}

async function postEvent(ctx: Context, deps: PeerApiDeps): Promise<void> {
  const mac = nodeFor(ctx, deps);
  const body = parseJson(await readBody(ctx.req, 64 * 1024)) as { stage?: unknown; detail?: unknown };
  const stage = body?.stage;
  if (typeof stage !== 'string' || !PEER_STAGES.includes(stage as Stage))
    throw new HttpFailure(400, `stage must be one of ${PEER_STAGES.join(', ')}`);
  if (body.detail !== undefined && typeof body.detail !== 'string')
    throw new HttpFailure(400, 'detail must be a string');
  const ev = await storing(() =>
    deps.store.emit({
      type: 'node.stage',
      data: {
        mac,
        stage: stage as Stage,
        detail: typeof body.detail === 'string' ? body.detail.slice(0, 500) : undefined,
        ip: normalizeAddress(ctx.req.socket.remoteAddress),
      },
    }),
  );
  ctx.body = { ok: true, seq: ev.seq };
}

/**
 * Runs an upload handler within the node's start rate, registered as in flight (so the final power-down
 * waits for it, then may cut it) and watched for a body that arrives too slowly.
 */
async function tracked(
  ctx: Context,
  deps: PeerApiDeps,
  limits: UploadLimits,
  handler: (ctx: Context, deps: PeerApiDeps, limits: UploadLimits) => Promise<void>,
): Promise<void> {
  const mac = nodeFor(ctx, deps);
  const start = limits.starts.take(mac, Date.now());
  if (!start.ok) {
    ctx.set('Retry-After', String(start.retryAfterSeconds));
    throw new HttpFailure(429, `too many uploads from ${mac}; retry in ${start.retryAfterSeconds} s`);
  }
  const req = ctx.req;
  const done = deps.uploads.begin(mac, () => {
    if (req.complete) return false;
    req.destroy(new Error('cut by the final power-down'));
    return true;
  });
  const unwatch = cutSlowBody(req, deps.config.http.minUploadBytesPerSecond, BODY_RATE_WINDOW_MS, (bytes) =>
    deps.log.warn({ mac, bytes, windowMs: BODY_RATE_WINDOW_MS }, 'upload too slow; cut'),
  );
  try {
    await handler(ctx, deps, limits);
  } finally {
    unwatch();
    done();
  }
}

/** Refuses at once (before reading a byte) when the body would not fit the memory budget. */
function reserveBody(ctx: Context, limits: UploadLimits, max: number): () => void {
  const declared = Number(ctx.get('content-length'));
  const bytes = Number.isInteger(declared) && declared >= 0 ? Math.min(declared, max) : max;
  const release = limits.bodies.reserve(bytes);
  if (release) return release;
  ctx.set('Retry-After', String(BUSY_RETRY_SECONDS));
  // the unread body is not worth draining
  ctx.set('Connection', 'close');
  throw new HttpFailure(503, 'too many uploads in progress; retry shortly');
}

async function putInventory(ctx: Context, deps: PeerApiDeps, limits: UploadLimits): Promise<void> {
  const mac = nodeFor(ctx, deps);
  const max = deps.config.http.maxInventoryBytes;
  // the body is held from its first byte until it is stored
  const release = reserveBody(ctx, limits, max);
  try {
    await storeInventory(ctx, deps, limits.checker, mac, await readBody(ctx.req, max));
  } finally {
    release();
  }
}

async function storeInventory(
  ctx: Context,
  deps: PeerApiDeps,
  checker: InventoryChecker,
  mac: Mac,
  body: Buffer,
): Promise<void> {
  const checked = await checker.check(body);
  if (!checked.ok) {
    if (checked.status === 400) throw new HttpFailure(400, checked.error);
    ctx.status = 422;
    ctx.body = { error: checked.error, details: checked.details };
    return;
  }
  // the exact bytes received are stored, so the peer can compare the sha256 with its own
  await admit(deps.store.space, 'inventory', body.length);
  await storing(() => writeFileDurable(join(deps.config.dataDir, 'nodes', mac, 'inventory.json'), body));
  const sha256 = createHash('sha256').update(body).digest('hex');
  await storing(() =>
    deps.store.emit({
      type: 'inventory.stored',
      data: { mac, sha256, bytes: body.length, summary: checked.summary },
    }),
  );
  deps.log.info({ mac, bytes: body.length, sha256 }, 'inventory stored');
  ctx.body = { sha256, bytes: body.length };
}

async function putRaw(ctx: Context, deps: PeerApiDeps): Promise<void> {
  const mac = nodeFor(ctx, deps);
  const stored = await streamToFileDurable(
    ctx.req,
    join(deps.config.dataDir, 'nodes', mac, 'raw.tar.gz'),
    deps.config.http.maxRawBytes,
    {
      firstBytes: (first) =>
        first[0] === 0x1f && first[1] === 0x8b ? undefined : 'not a gzip stream (expected a .tar.gz)',
      space: { gate: deps.store.space, kind: 'raw' },
    },
  );
  await storing(() => deps.store.emit({ type: 'raw.stored', data: { mac, ...stored } }));
  deps.log.info({ mac, ...stored }, 'raw tool output stored');
  ctx.body = stored;
}

/** Waits up to `seconds` for a command for `mac`; resolves with it (undefined on timeout/stop). */
function waitForCommand(
  deps: PeerApiDeps,
  mac: Mac,
  seconds: number,
  gone: AbortSignal,
): Promise<PeerCommand | undefined> {
  const pending = () => deps.store.state.nodes[mac]?.pendingCommand;
  const now = pending();
  if (now || seconds <= 0) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = (cmd: PeerCommand | undefined) => {
      clearTimeout(timer);
      unsubscribe();
      deps.stopping.removeEventListener('abort', onAbort);
      gone.removeEventListener('abort', onAbort);
      resolve(cmd);
    };
    const onAbort = () => done(undefined);
    const timer = setTimeout(onAbort, seconds * 1000);
    // the state is read again when the event arrives: another poll may have taken the command already
    const unsubscribe = deps.store.subscribe((ev) => {
      if (ev.type === 'command.queued' && ev.data.mac === mac && pending()) done(pending());
    });
    deps.stopping.addEventListener('abort', onAbort);
    gone.addEventListener('abort', onAbort);
  });
}

async function getCommand(ctx: Context, deps: PeerApiDeps): Promise<void> {
  const mac = nodeFor(ctx, deps);
  const waitRaw = ctx.query.wait;
  const wait = waitRaw === undefined ? 0 : Number(waitRaw);
  if (!Number.isFinite(wait) || wait < 0) throw new HttpFailure(400, 'wait must be a number of seconds');
  const gone = new AbortController();
  // the response closes before it is written only when the client gave up
  ctx.res.once('close', () => gone.abort());
  const cmd = await waitForCommand(deps, mac, Math.min(wait, MAX_POLL_SECONDS), gone.signal);
  // take the command only if it is still pending (a concurrent poll may have delivered it)
  if (cmd && !gone.signal.aborted && deps.store.state.nodes[mac]?.pendingCommand === cmd) {
    await deps.store.emit({ type: 'command.delivered', data: { mac, command: cmd } });
    deps.log.info({ mac, command: cmd }, 'command delivered');
    ctx.body = { command: cmd };
  } else ctx.body = { command: 'none' satisfies PeerCommand };
}

export function peerApiRouter(deps: PeerApiDeps): Router {
  const r = new Router({ prefix: '/api/v1' });
  const http = deps.config.http;
  const limits: UploadLimits = {
    bodies: new BodyBudget(http.bodyBudgetBytes),
    starts: new StartRateLimit(http.uploadsPerMinute, http.uploadBurst),
    checker: new InventoryChecker(),
  };
  deps.stopping.addEventListener('abort', () => void limits.checker.close(), { once: true });
  r.get('/hello', (ctx) => {
    ctx.body = {
      recon: true,
      version: deps.version,
      api: API_VERSION,
      names: deps.config.names,
      domain: deps.config.domain,
      time: new Date().toISOString(),
    };
  });
  r.post('/nodes/:mac/events', (ctx) => postEvent(ctx, deps));
  r.put('/nodes/:mac/inventory', (ctx) => tracked(ctx, deps, limits, putInventory));
  r.put('/nodes/:mac/raw', (ctx) => tracked(ctx, deps, limits, putRaw));
  r.get('/nodes/:mac/command', (ctx) => getCommand(ctx, deps));
  return r;
}

// startHttp: the HTTP boot service as `recon master` runs it. Listens on the master's IPv4 address
// (required), its IPv6 address and loopback (best effort) at config.ports.http, looks for the live
// medium the master booted from, clears temp files a killed master left behind, and reports its
// state as `service` events (up with the addresses, failed with the reason, e.g. EADDRINUSE).
// Every connection is counted against the caps of limits.ts (per source address, and in all within the
// process's file limit) and timed out when silent, so one peer cannot starve the others, TFTP or the
// control socket of file descriptors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningService, ServiceContext, ServiceStarter } from '../../model/service.js';
import { createHttpApp } from './app.js';
import { findLiveMedium, type LiveMedium } from './live-medium.js';
import { removeStaleTemps } from './upload.js';
import { UploadRegistry } from '../../model/inflight.js';
import type { ReconConfig } from '../../model/config/schema.js';
import { ConnectionGate, HTTP_TIMEOUTS, httpConnectionBudget, readNofileLimit } from './limits.js';
import { normalizeAddress } from './source.js';

/** How long stop() lets downloads in flight finish before cutting them. */
const STOP_GRACE_MS = 2000;
/** Refused connections are logged as one summary this often, not one line each. */
const REFUSAL_REPORT_MS = 10_000;
/** Source addresses a refusal summary names; the rest are counted together. */
const REFUSAL_SOURCES = 32;

export interface HttpService extends RunningService {
  /** where it listens (the real ports when config.ports.http is 0) */
  addresses: AddressInfo[];
  live?: LiveMedium;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function readOr(path: string, fallback: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => fallback);
}

/** The connection gate for this process: the configured caps, lowered to what its file limit allows. */
function connectionGate(config: ReconConfig, log: Logger): ConnectionGate {
  const nofile = readNofileLimit();
  const fits = nofile === undefined ? Infinity : httpConnectionBudget(nofile, config.tftp.maxTransfers);
  const total = Math.min(config.http.maxConnections, fits);
  const perSource = Math.min(config.http.maxConnectionsPerSource, total);
  const budget = { nofile, tftpTransfers: config.tftp.maxTransfers, connections: total, perSource };
  if (total < 16) log.error(budget, 'the file limit leaves (almost) no HTTP connections: raise LimitNOFILE');
  else log.info(budget, 'http connection budget');
  return new ConnectionGate(total, perSource);
}

/** Counts refused connections by source and logs them as one line per REFUSAL_REPORT_MS. */
function refusalReporter(log: Logger, gate: ConnectionGate) {
  const refused = new Map<string, number>();
  const timer = setInterval(() => {
    if (refused.size === 0) return;
    log.warn(
      { refused: Object.fromEntries(refused), open: gate.open, caps: [gate.maxTotal, gate.maxPerSource] },
      'http connections refused (per-source or total cap)',
    );
    refused.clear();
  }, REFUSAL_REPORT_MS);
  timer.unref();
  return {
    count(address: string, why: string) {
      const key =
        refused.has(`${address} ${why}`) || refused.size < REFUSAL_SOURCES ? `${address} ${why}` : 'others';
      refused.set(key, (refused.get(key) ?? 0) + 1);
    },
    stop: () => clearInterval(timer),
  };
}

export const startHttp: ServiceStarter = async (ctx: ServiceContext): Promise<HttpService> => {
  const { config, store } = ctx;
  const log = ctx.log.child({ service: 'http' });
  await store.emit({ type: 'service', data: { service: 'http', state: 'starting' } });
  const removed = await removeStaleTemps(join(config.dataDir, 'nodes'));
  if (removed) log.info({ removed }, 'removed unacknowledged upload temp files');
  const found = await findLiveMedium({
    version: ctx.version,
    cmdline: await readOr('/proc/cmdline', ''),
    mounts: await readOr('/proc/mounts', ''),
  });
  if (found.medium)
    log.info({ device: found.medium.device, bytes: found.medium.volume.bytes }, 'serving the live medium');
  else if (found.tried.length)
    log.warn({ tried: found.tried }, 'live medium not usable; serving image files only');
  const stopping = new AbortController();
  const app = createHttpApp({
    config,
    store,
    log,
    version: ctx.version,
    live: found.medium,
    stopping: stopping.signal,
    uploads: ctx.uploads ?? new UploadRegistry(),
  });
  const handler = app.callback();
  const gate = connectionGate(config, log);
  const refusals = refusalReporter(log, gate);
  const admit = (socket: Socket) => {
    const address = normalizeAddress(socket.remoteAddress);
    const verdict = gate.admit(address);
    if (verdict !== 'ok') {
      refusals.count(address, verdict);
      socket.destroy();
      return;
    }
    socket.once('close', () => gate.release(address));
    socket.setTimeout(HTTP_TIMEOUTS.firstRequestMs);
  };

  const servers: Server[] = [];
  const addresses: AddressInfo[] = [];
  const stopAll = async () => {
    stopping.abort();
    refusals.stop();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const cut = setTimeout(() => s.closeAllConnections(), STOP_GRACE_MS);
            s.close(() => {
              clearTimeout(cut);
              resolve();
            });
            s.closeIdleConnections();
          }),
      ),
    );
  };
  const hosts: { host: string; required: boolean }[] = [
    { host: config.ipv4.address, required: true },
    ...(config.ipv6.enabled ? [{ host: config.ipv6.address, required: false }] : []),
    { host: '127.0.0.1', required: false },
    ...(config.ipv6.enabled ? [{ host: '::1', required: false }] : []),
  ];
  const problems: string[] = [];
  for (const { host, required } of hosts.filter((h, i) => hosts.findIndex((o) => o.host === h.host) === i)) {
    // koa's callback settles its own promise (errors become responses)
    const server = createServer(
      {
        headersTimeout: HTTP_TIMEOUTS.headersMs,
        requestTimeout: HTTP_TIMEOUTS.requestMs,
        keepAliveTimeout: HTTP_TIMEOUTS.keepAliveMs,
        connectionsCheckingInterval: HTTP_TIMEOUTS.checkEveryMs,
      },
      (req, res) => void handler(req, res),
    );
    server.on('connection', admit);
    // a request in progress may be silent longer than a new connection (the long-poll of the peer API)
    server.on('request', (req) => req.socket.setTimeout(HTTP_TIMEOUTS.idleMs));
    try {
      await listen(server, host, config.ports.http);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const reason = `${host}:${config.ports.http}: ${err.code ?? err.message}`;
      if (required) {
        await stopAll();
        await store.emit({ type: 'service', data: { service: 'http', state: 'failed', detail: reason } });
        throw Object.assign(new Error(`http: cannot listen on ${reason}`), { code: err.code });
      }
      problems.push(reason);
      continue;
    }
    server.on('clientError', (err, socket) => {
      log.debug({ err }, 'bad HTTP request');
      socket.destroy();
    });
    servers.push(server);
    addresses.push(server.address() as AddressInfo);
  }
  if (problems.length) log.warn({ problems }, 'some HTTP addresses are unavailable');
  const where = addresses
    .map((a) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`))
    .join(' ');
  await store.emit({
    type: 'service',
    data: {
      service: 'http',
      state: 'up',
      detail: `${where}${found.medium ? ` live=${found.medium.device}` : ''}`,
    },
  });
  log.info({ addresses: where }, 'http listening');
  return { name: 'http', addresses, live: found.medium, stop: stopAll };
};

// startHttp: the HTTP boot service as `recon master` runs it. Listens on the master's IPv4 address
// (required), its IPv6 address and loopback (best effort) at config.ports.http, looks for the live
// medium the master booted from, clears temp files a killed master left behind, and reports its
// state as `service` events (up with the addresses, failed with the reason, e.g. EADDRINUSE).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningService, ServiceContext, ServiceStarter } from '../../model/service.js';
import { createHttpApp } from './app.js';
import { findLiveMedium, type LiveMedium } from './live-medium.js';
import { removeStaleTemps } from './upload.js';

/** How long stop() lets downloads in flight finish before cutting them. */
const STOP_GRACE_MS = 2000;

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
  });
  const handler = app.callback();

  const servers: Server[] = [];
  const addresses: AddressInfo[] = [];
  const stopAll = async () => {
    stopping.abort();
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
      { requestTimeout: 0, keepAliveTimeout: 30_000 },
      (req, res) => void handler(req, res),
    );
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

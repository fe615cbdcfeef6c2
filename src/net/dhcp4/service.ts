// The dhcp4 service for `recon master`: sockets bound to the configured interface only, driving
// either the full server or, with --proxy-dhcp, the proxyDHCP handler (ports 67 and 4011).
import type dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { RunningService, ServiceContext, ServiceStarter } from '../../model/service.js';
import { openDeviceSocket } from '../bind-device.js';
import { ProxyDhcp } from './proxy.js';
import type { Destination } from './reply.js';
import { Dhcp4Server, type SendFn } from './server.js';

/** Room for a burst of several thousand requests while the event loop is busy. */
const RECV_BUFFER_BYTES = 8 << 20;
const SWEEP_EVERY_MS = 1000;

function sender(sock: dgram.Socket, log: Logger): SendFn {
  return (buf: Buffer, to: Destination) => {
    sock.send(buf, to.port, to.address, (err) => {
      if (err) log.debug({ err: err.message, to: to.address }, 'dhcp4 reply not sent');
    });
  };
}

function open(ctx: ServiceContext, port: number): Promise<dgram.Socket> {
  return openDeviceSocket({
    family: 4,
    ifname: ctx.config.interface,
    port,
    broadcast: true,
    recvBufferBytes: RECV_BUFFER_BYTES,
  });
}

export const startDhcp4: ServiceStarter = async (ctx: ServiceContext): Promise<RunningService> => {
  const { config, store, log } = ctx;
  const sockets: dgram.Socket[] = [];
  let sweep: NodeJS.Timeout | undefined;
  const mode = ctx.flags.proxyDhcp ? 'proxyDHCP' : 'full';
  try {
    const main = await open(ctx, config.ports.dhcp4);
    sockets.push(main);
    if (ctx.flags.proxyDhcp) {
      const pxe = await open(ctx, config.ports.proxyDhcp);
      sockets.push(pxe);
      const proxy = new ProxyDhcp({ config, store, log, send: sender(main, log), sendPxe: sender(pxe, log) });
      main.on('message', (buf, r) => void proxy.handle(buf, r, 'dhcp'));
      pxe.on('message', (buf, r) => void proxy.handle(buf, r, 'pxe'));
    } else {
      const server = new Dhcp4Server({ config, store, log, send: sender(main, log) });
      main.on('message', (buf, r) => void server.handle(buf, r));
      sweep = setInterval(() => server.sweep(), SWEEP_EVERY_MS);
      sweep.unref();
    }
    for (const s of sockets) s.on('error', (err) => log.error({ err }, 'dhcp4 socket error'));
  } catch (e) {
    for (const s of sockets) s.close();
    const detail = `${mode} on ${config.interface}: ${(e as Error).message}`;
    await store.emit({ type: 'service', data: { service: 'dhcp4', state: 'failed', detail } });
    throw e;
  }
  const ports = ctx.flags.proxyDhcp
    ? `${config.ports.dhcp4}+${config.ports.proxyDhcp}`
    : `${config.ports.dhcp4}`;
  const detail = `${mode} on ${config.interface} port ${ports}`;
  log.info({ interface: config.interface, mode }, 'dhcp4 serving');
  await store.emit({ type: 'service', data: { service: 'dhcp4', state: 'up', detail } });
  return {
    name: 'dhcp4',
    stop: async () => {
      if (sweep) clearInterval(sweep);
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
};

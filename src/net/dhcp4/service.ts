// The dhcp4 service for `recon master`: sockets bound to the configured interface only, driving
// either the full server or, with --proxy-dhcp, the proxyDHCP handler (ports 67 and 4011). The full
// server follows the rogue-DHCP guard: while another server answers on the segment it makes no
// OFFER (leases it already granted are still confirmed), and the service says why.
import type dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { RunningService, ServiceContext } from '../../model/service.js';
import { openDeviceSocket } from '../bind-device.js';
import { ProxyDhcp } from './proxy.js';
import type { Destination } from './reply.js';
import { Dhcp4Server, type SendFn } from './server.js';
import type { DhcpVerdict } from '../guard/probe.js';

/** What DHCPv4 asks before it offers addresses: the rogue-DHCP guard's verdict, now and on change. */
export interface DhcpGate {
  verdict(): DhcpVerdict;
  subscribe(fn: (verdict: DhcpVerdict) => void): () => void;
}

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

/** The service event for the full server under a verdict: up (with a forced warning), or blocked and why. */
function gatedState(
  v: DhcpVerdict | undefined,
  serving: string,
): { state: 'up' | 'blocked'; detail: string } {
  if (!v) return { state: 'up', detail: serving };
  if (!v.serve) return { state: 'blocked', detail: `no offers: ${v.reason}` };
  return { state: 'up', detail: v.reason.startsWith('forced') ? `${serving}; ${v.reason}` : serving };
}

/** Starts DHCPv4; without a gate (tests of the server alone) it serves unconditionally. */
export const startDhcp4 = async (ctx: ServiceContext, gate?: DhcpGate): Promise<RunningService> => {
  const { config, store, log } = ctx;
  const sockets: dgram.Socket[] = [];
  let sweep: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let offering = gate?.verdict().serve ?? true;
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
      const server = new Dhcp4Server({
        config,
        store,
        log,
        send: sender(main, log),
        mayOffer: () => offering,
      });
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
  const serving = `${mode} on ${config.interface} port ${ports}`;
  if (ctx.flags.proxyDhcp) {
    log.info({ interface: config.interface, mode }, 'dhcp4 serving');
    await store.emit({ type: 'service', data: { service: 'dhcp4', state: 'up', detail: serving } });
  } else {
    const report = (v: DhcpVerdict | undefined) => {
      const s = gatedState(v, serving);
      if (s.state === 'blocked')
        log.warn({ interface: config.interface, reason: v?.reason }, 'dhcp4 makes no offers');
      else log.info({ interface: config.interface, mode, detail: s.detail }, 'dhcp4 serving');
      return store.emit({ type: 'service', data: { service: 'dhcp4', ...s } });
    };
    await report(gate?.verdict());
    unsubscribe = gate?.subscribe((v) => {
      offering = v.serve;
      report(v).catch((e: unknown) => log.error({ err: e }, 'dhcp4 state not recorded'));
    });
  }
  return {
    name: 'dhcp4',
    stop: async () => {
      unsubscribe?.();
      if (sweep) clearInterval(sweep);
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
};

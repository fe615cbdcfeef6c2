// The DHCPv6 service: a UDP socket on port 547 bound to the configured interface (joined to
// All_DHCP_Relay_Agents_and_Servers ff02::1:2 there), the pool rebuilt from the state store, and the
// receive loop: decode → unwrap relays → decide → emit events and wait until they are durable → reply.
// A bad packet is logged and dropped; nothing in the loop can take the service down.
import type dgram from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { openDeviceSocket } from '../bind-device.js';
import type { ServiceContext, ServiceStarter } from '../../model/service.js';
import type { NewEvent } from '../../model/events.js';
import { showsBootClient } from '../../model/reducer.js';
import { interfaceMac } from '../ra/link.js';
import { decodeDhcp6, encodeDhcp6, MessageType, messageTypeName } from './codec.js';
import { Dhcp6DecodeError } from './errors.js';
import { duidLlFromMac } from './duid.js';
import { unwrapRelays, wrapForRelays } from './client-info.js';
import { handleDhcp6, type Dhcp6Settings } from './handler.js';
import { Dhcp6Pool } from './pool.js';
import { configuredUefiChains } from '../signed-files.js';

export const ALL_DHCP_SERVERS = 'ff02::1:2';
const EXPIRY_SWEEP_MS = 30_000;

export async function dhcp6Settings(ctx: ServiceContext): Promise<Dhcp6Settings> {
  const c = ctx.config;
  const pool = new Dhcp6Pool(c.ipv6.address, c.ipv6.range);
  return {
    // DUID-LL of the interface MAC: the same server identity after a restart, so clients keep renewing with us
    serverDuid: duidLlFromMac(await interfaceMac(c.interface)),
    pool,
    boot: {
      files: c.boot.files,
      address: c.ipv6.address,
      httpPort: c.ports.http,
      uefi: configuredUefiChains(c),
    },
    dnsServers: [c.ipv6.address],
    domains: [c.domain],
    leaseSeconds: c.ipv4.leaseSeconds,
    declineQuarantineSeconds: c.ipv4.declineQuarantineSeconds,
  };
}

export const startDhcp6: ServiceStarter = async (ctx) => {
  const log = ctx.log.child({ service: 'dhcp6' });
  const settings = await dhcp6Settings(ctx);
  const restored = settings.pool.restore([
    ...Object.values(ctx.store.state.nodes),
    ...Object.values(ctx.store.state.hosts ?? {}),
  ]);
  const ifname = ctx.config.interface;
  const sock = await openDeviceSocket({
    family: 6,
    ifname,
    port: ctx.config.ports.dhcp6,
    recvBufferBytes: 4 << 20,
  });
  try {
    sock.addMembership(ALL_DHCP_SERVERS, `::%${ifname}`);
  } catch (e) {
    sock.close();
    throw e;
  }
  const inFlight = new Set<Promise<void>>();
  sock.on('message', (buf, rinfo) => {
    const p = onPacket(ctx, log, settings, sock, buf, rinfo).catch((e: unknown) =>
      log.error({ err: e, from: rinfo.address }, 'DHCPv6 packet handling failed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  sock.on('error', (err) => log.error({ err }, 'DHCPv6 socket error'));

  const sweep = setInterval(() => {
    for (const b of settings.pool.expire(Date.now())) {
      ctx.store
        .emit({ type: 'lease.expired', data: { mac: b.mac, family: 6, ip: b.ip } })
        .catch((e: unknown) => log.error({ err: e }, 'could not record an expired lease'));
    }
  }, EXPIRY_SWEEP_MS);
  sweep.unref();

  const detail = `${ifname} port ${ctx.config.ports.dhcp6}, ${restored} leases restored`;
  log.info({ interface: ifname, port: ctx.config.ports.dhcp6, restored }, 'DHCPv6 serving');
  await ctx.store.emit({ type: 'service', data: { service: 'dhcp6', state: 'up', detail } });
  return {
    name: 'dhcp6',
    async stop() {
      clearInterval(sweep);
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
    },
  };
};

/**
 * SOLICIT traces (discover, offer, exhausted) are recorded only for boot clients and known nodes, as
 * for DHCPv4: a flood of clients that do not boot over the network leaves nothing in the state.
 * Leases are always recorded (a restart must give every address back).
 */
function worthRecording(ctx: ServiceContext, ev: NewEvent): boolean {
  if (ev.type !== 'dhcp.discover' && ev.type !== 'dhcp.offer' && ev.type !== 'dhcp.exhausted') return true;
  if (ctx.store.state.nodes[ev.data.mac]) return true;
  return ev.type === 'dhcp.discover' && showsBootClient(ev.data);
}

async function onPacket(
  ctx: ServiceContext,
  log: ServiceContext['log'],
  settings: Dhcp6Settings,
  sock: dgram.Socket,
  buf: Buffer,
  rinfo: RemoteInfo,
): Promise<void> {
  let msg;
  try {
    msg = decodeDhcp6(buf);
  } catch (e) {
    if (e instanceof Dhcp6DecodeError) {
      log.debug({ from: rinfo.address, reason: e.reason, err: e.message }, 'malformed DHCPv6 packet dropped');
      return;
    }
    throw e;
  }
  const u = unwrapRelays(msg);
  if (!u) {
    log.debug(
      { from: rinfo.address, type: msg.type },
      'DHCPv6 message is not a client or relay-forward message',
    );
    return;
  }
  const innermost = u.relays.at(-1);
  if (innermost && innermost.linkAddress !== '::' && !settings.pool.onLink(innermost.linkAddress)) {
    log.info(
      { from: rinfo.address, link: innermost.linkAddress },
      'relayed DHCPv6 request for another link ignored',
    );
    return;
  }
  const type = messageTypeName(u.message.type);
  const out = handleDhcp6(u, rinfo.address, settings, Date.now());
  const mac = out.client?.mac;
  if (!out.reply) {
    log.debug({ from: rinfo.address, mac, type, why: out.ignored }, 'DHCPv6 message ignored');
    return;
  }
  // Durable first: a REPLY (which commits addresses) goes out only once its events are on disk, so a
  // client is never told about a lease the master could forget in a crash. An ADVERTISE promises
  // nothing, so it does not wait for the fsync.
  // in order: emit() applies at once, so a discover that makes a node lets its offer be recorded
  const recorded = Promise.all(
    out.events.flatMap((ev) => (worthRecording(ctx, ev) ? [ctx.store.emit(ev)] : [])),
  );
  if (out.reply.type === MessageType.REPLY) await recorded;
  else recorded.catch((e: unknown) => log.error({ err: e, mac }, 'could not record a DHCPv6 event'));
  const wire = encodeDhcp6(u.relays.length ? wrapForRelays(out.reply, u.relays) : out.reply);
  await new Promise<void>((resolve, reject) =>
    sock.send(wire, rinfo.port, rinfo.address, (err) => (err ? reject(err) : resolve())),
  );
  log.debug({ to: rinfo.address, mac, type, reply: messageTypeName(out.reply.type) }, 'DHCPv6 answered');
}

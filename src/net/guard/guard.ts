// The rogue-DHCP guard: before recon serves DHCPv4 it sends DISCOVERs from its interface (a random
// probe MAC, `guard.probeTries` over `guard.probeSeconds`) and records every OFFER from another server
// (server id, MAC, offered address). If one answers, DHCPv4 stays off unless the operator asked for
// proxyDHCP or forced it. While running it probes again every `guard.reprobeSeconds` and records
// servers appearing (`rogue.detected`) and going (`rogue.cleared`).
import type { RunningService, ServiceContext } from '../../model/service.js';
import type { RogueServer } from '../../model/events.js';
import { openDeviceSocket } from '../bind-device.js';
import { PacketSocket } from './packet-socket.js';
import {
  buildDiscover,
  decideDhcp,
  diffRogues,
  randomGuardMac,
  readOffer,
  type DhcpVerdict,
} from './probe.js';

const POLL_MS = 50;

/** One probe round: the other DHCP servers that answered, one entry per server id. */
export async function probeForRogueDhcp(ctx: ServiceContext): Promise<RogueServer[]> {
  const { config } = ctx;
  const log = ctx.log.child({ service: 'guard' });
  const ifname = config.interface;
  const clientPort = config.ports.dhcp4Client;
  const mac = randomGuardMac();
  const xids = new Set<number>();
  const own = new Set([config.ipv4.address]);
  const found = new Map<string, RogueServer>();
  const macs = new Map<string, string>();

  const udp = await openDeviceSocket({ family: 4, ifname, port: clientPort, broadcast: true });
  let frames: PacketSocket | undefined;
  try {
    frames = await PacketSocket.open(ifname, clientPort);
  } catch (e) {
    log.warn({ err: e }, 'no packet socket: rogue servers will be reported without their MAC');
  }
  udp.on('message', (payload, rinfo) => {
    const offer = readOffer(payload, rinfo.address, xids, mac, own);
    if (!offer || found.has(offer.serverId)) return;
    found.set(offer.serverId, { ...offer, seenAt: new Date().toISOString() });
  });
  udp.on('error', (err) => log.warn({ err }, 'guard socket error'));

  const tries = config.guard.probeTries;
  const windowMs = config.guard.probeSeconds * 1000;
  const start = Date.now();
  let sent = 0;
  try {
    while (Date.now() - start < windowMs) {
      if (sent < tries && Date.now() - start >= (sent * windowMs) / tries) {
        const xid = (Math.random() * 0xffffffff) >>> 0;
        xids.add(xid);
        sent++;
        await new Promise<void>((resolve) =>
          udp.send(buildDiscover(mac, xid), config.ports.dhcp4, '255.255.255.255', (err) => {
            if (err) log.warn({ err }, 'guard DISCOVER not sent');
            resolve();
          }),
        );
      }
      for (const f of frames?.drain() ?? []) {
        const offer = readOffer(f.payload, f.srcIp, xids, mac, own);
        if (offer && !macs.has(offer.serverId)) macs.set(offer.serverId, f.srcMac);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    frames?.close();
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  const rogues = [...found.values()].map((r) => ({ ...r, serverMac: macs.get(r.serverId) }));
  log.info({ probeMac: mac, tries: sent, rogues: rogues.length }, 'rogue DHCP probe done');
  return rogues;
}

export interface GuardService extends RunningService {
  /** the verdict from the first probe: whether DHCPv4 may start */
  readonly verdict: DhcpVerdict;
  /** the servers seen by the latest probe */
  rogues(): RogueServer[];
}

/**
 * Runs the first probe (and records what it found), decides whether DHCPv4 may start, then keeps
 * probing. `onChange` hears every later change (for example to stop DHCPv4 when a server appears).
 * With `guard.enabled` false nothing is probed and DHCPv4 is allowed.
 */
export async function startGuard(
  ctx: ServiceContext,
  onChange?: (rogues: RogueServer[], change: { appeared: RogueServer[]; gone: RogueServer[] }) => void,
): Promise<GuardService> {
  const log = ctx.log.child({ service: 'guard' });
  if (!ctx.config.guard.enabled) {
    await ctx.store.emit({ type: 'service', data: { service: 'guard', state: 'disabled' } });
    const verdict = decideDhcp([], ctx.flags);
    return { name: 'guard', verdict, rogues: () => [], stop: () => Promise.resolve() };
  }
  let current: RogueServer[] = [];
  const record = async (now: RogueServer[]) => {
    const change = diffRogues(current, now);
    current = now;
    for (const r of change.appeared) await ctx.store.emit({ type: 'rogue.detected', data: r });
    for (const r of change.gone)
      await ctx.store.emit({ type: 'rogue.cleared', data: { serverId: r.serverId } });
    return change;
  };
  // a server recorded before a restart and no longer there is cleared by the first probe
  current = [...ctx.store.state.rogue];
  let probeError: string | undefined;
  try {
    await record(await probeForRogueDhcp(ctx));
  } catch (e) {
    probeError = e instanceof Error ? e.message : String(e);
    log.error({ err: e }, 'rogue DHCP probe could not run');
  }
  const verdict = decideDhcp(current, ctx.flags, probeError);
  if (!verdict.serve) {
    log.warn({ reason: verdict.reason }, 'DHCPv4 not started');
    await ctx.store.emit({
      type: 'service',
      data: { service: 'dhcp4', state: 'blocked', detail: verdict.reason },
    });
  }
  await ctx.store.emit({ type: 'service', data: { service: 'guard', state: 'up', detail: verdict.reason } });

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const again = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = probeForRogueDhcp(ctx)
        .then(record)
        .then((change) => {
          if (change.appeared.length || change.gone.length) onChange?.(current, change);
        })
        .catch((e: unknown) => log.error({ err: e }, 'rogue DHCP re-probe failed'))
        .finally(again);
    }, ctx.config.guard.reprobeSeconds * 1000);
  };
  again();
  return {
    name: 'guard',
    verdict,
    rogues: () => current,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

// The rogue-DHCP guard: before recon serves DHCPv4 it sends DISCOVERs from its interface (a random
// probe MAC, `guard.probeTries` over `guard.probeSeconds`) and records every OFFER from another server
// (server id, MAC, offered address). If one answers, DHCPv4 stays off unless the operator asked for
// proxyDHCP or forced it. While running it probes again every `guard.reprobeSeconds` and records
// servers appearing (`rogue.detected`) and going (`rogue.cleared`); DHCPv4 follows the verdict
// (it asks verdict() before it serves and subscribes to changes).
import type { MasterFlags, RunningService, ServiceContext } from '../../model/service.js';
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

/**
 * The verdict when the guard itself could not start: like a probe that could not run, DHCPv4 makes no
 * offer unless the operator asked for proxyDHCP or forced it (never serve blind).
 */
export function guardDownVerdict(flags: MasterFlags): () => DhcpVerdict {
  const verdict = decideDhcp([], flags, 'the rogue-DHCP guard did not start');
  return () => verdict;
}

export interface GuardService extends RunningService {
  /** whether DHCPv4 may hand out addresses now, and why (the latest probe's view) */
  verdict(): DhcpVerdict;
  /** hears every change of the verdict or of the servers seen; returns the unsubscribe function */
  subscribe(fn: (verdict: DhcpVerdict) => void): () => void;
  /** the servers seen by the latest probe */
  rogues(): RogueServer[];
}

/**
 * Runs the first probe (and records what it found), logs the verdict, then keeps probing every
 * `guard.reprobeSeconds`: a server appearing later blocks DHCPv4 offers, and the segment found clear
 * again lets them resume. A re-probe that fails keeps the last verdict. With `guard.enabled` false
 * nothing is probed and DHCPv4 is allowed.
 */
export async function startGuard(ctx: ServiceContext): Promise<GuardService> {
  const log = ctx.log.child({ service: 'guard' });
  const listeners = new Set<(v: DhcpVerdict) => void>();
  const subscribe = (fn: (v: DhcpVerdict) => void) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  };
  if (!ctx.config.guard.enabled) {
    await ctx.store.emit({ type: 'service', data: { service: 'guard', state: 'disabled' } });
    const verdict = decideDhcp([], ctx.flags);
    return {
      name: 'guard',
      verdict: () => verdict,
      subscribe,
      rogues: () => [],
      stop: () => Promise.resolve(),
    };
  }
  let current: RogueServer[] = [];
  let probeError: string | undefined;
  const verdict = () => decideDhcp(current, ctx.flags, probeError);
  const record = async (now: RogueServer[]) => {
    const change = diffRogues(current, now);
    current = now;
    for (const r of change.appeared) await ctx.store.emit({ type: 'rogue.detected', data: r });
    for (const r of change.gone)
      await ctx.store.emit({ type: 'rogue.cleared', data: { serverId: r.serverId } });
    return change;
  };
  const announce = (v: DhcpVerdict) => {
    if (!v.serve) log.warn({ reason: v.reason }, 'DHCPv4 offers blocked');
    else if (current.length > 0 && v.mode === 'full')
      log.warn({ reason: v.reason }, 'DHCPv4 forced next to another DHCP server');
    else log.info({ reason: v.reason }, 'DHCPv4 may serve');
  };
  // a server recorded before a restart and no longer there is cleared by the first probe
  current = [...ctx.store.state.rogue];
  try {
    await record(await probeForRogueDhcp(ctx));
  } catch (e) {
    probeError = e instanceof Error ? e.message : String(e);
    log.error({ err: e }, 'rogue DHCP probe could not run');
  }
  const first = verdict();
  announce(first);
  await ctx.store.emit({ type: 'service', data: { service: 'guard', state: 'up', detail: first.reason } });

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const reprobe = async () => {
    const before = verdict();
    const found = await probeForRogueDhcp(ctx);
    probeError = undefined;
    const change = await record(found);
    const after = verdict();
    if (!change.appeared.length && !change.gone.length && after.serve === before.serve) return;
    announce(after);
    await ctx.store.emit({ type: 'service', data: { service: 'guard', state: 'up', detail: after.reason } });
    for (const fn of listeners) fn(after);
  };
  const again = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = reprobe()
        .catch((e: unknown) => log.error({ err: e }, 'rogue DHCP re-probe failed; verdict unchanged'))
        .finally(again);
    }, ctx.config.guard.reprobeSeconds * 1000);
  };
  again();
  return {
    name: 'guard',
    verdict,
    subscribe,
    rogues: () => current,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

// Router advertisements from the master itself (raw ICMPv6 socket; no radvd on the image needed).
// They carry M=1 and O=1 (addresses and options from DHCPv6) and the master's /64 as an on-link prefix
// with A=0: no SLAAC, so every IPv6 address on the segment is one recon leased and can tie to a MAC
// (the peer API checks an upload's source address against that node's lease). Router lifetime 0: the
// master routes nowhere; the RA exists so clients start DHCPv6 at once (iPXE otherwise waits ~13 s).
// Failures (no link-local yet, interface gone) are retried with backoff and reported as `ra` events.
import type { ServiceStarter } from '../../model/service.js';
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';
import { encodeRouterAdvertisement, type RouterAdvertisement } from './codec.js';
import { Icmp6Socket } from './icmp6-socket.js';
import { interfaceMac, usableLinkLocal } from './link.js';
import { nextUnsolicited, RA_TIMING, recordUnicastAnswer, solicitedAt, unicastAnswerAt } from './schedule.js';

const TICK_MS = 100;
/** At most this many hosts wait for a delayed unicast answer. */
const MAX_PENDING = 1024;
const MAX_BACKOFF_MS = 30_000;
/** how long to wait for a link-local address before telling the console something is wrong */
const LINK_LOCAL_GRACE_MS = 10_000;

/** The /64 network address of `address` (host bits zero). */
function prefixOf(address: string): string {
  const b = Buffer.alloc(16);
  ipv6ToBytes(address).copy(b, 0, 0, 8);
  return bytesToIpv6(b);
}

export function routerAdvertisement(address: string, mac: string | undefined): RouterAdvertisement {
  const t = RA_TIMING;
  return {
    curHopLimit: 64,
    managed: true,
    other: true,
    routerLifetimeSeconds: 0,
    reachableMs: 0,
    retransMs: 0,
    sourceMac: mac,
    prefixes: [
      {
        prefix: prefixOf(address),
        length: 64,
        onLink: true,
        autonomous: false,
        validSeconds: 3600,
        preferredSeconds: 1800,
      },
    ],
    dns: { lifetimeSeconds: (3 * t.maxIntervalMs) / 1000, servers: [address] },
  };
}

export const startRouterAdvertisements: ServiceStarter = async (ctx) => {
  const log = ctx.log.child({ service: 'ra' });
  const ifname = ctx.config.interface;
  const packet = encodeRouterAdvertisement(
    routerAdvertisement(ctx.config.ipv6.address, await interfaceMac(ifname)),
  );
  const sock = await Icmp6Socket.open(ifname);
  const started = Date.now();
  let source: string | undefined;
  let sent = 0;
  let lastSent: number | undefined;
  let due = started;
  let state: 'starting' | 'up' | 'failed' = 'starting';
  let backoff = 1000;
  let retryAt = 0;
  let busy = false;
  const answered = new Map<string, number>();
  /** hosts whose unicast answer waits for the per-host gap */
  const pending = new Map<string, number>();

  const report = (next: 'up' | 'failed', detail: string) => {
    if (state === next) return;
    state = next;
    ctx.store
      .emit({ type: 'service', data: { service: 'ra', state: next, detail } })
      .catch((e: unknown) => log.error({ err: e }, 'could not record the RA service state'));
  };

  const tick = async () => {
    const now = Date.now();
    if (now < retryAt) return;
    if (!source) {
      const ll = await usableLinkLocal(ifname);
      // the kernel picks the link-local source itself (RAs from any other source are dropped), once DAD is over
      if (ll) {
        source = ll;
        due = now;
      } else {
        if (now - started > LINK_LOCAL_GRACE_MS)
          report('failed', `${ifname} has no usable link-local address yet`);
        sock.drainSolicitations();
        return;
      }
    }
    for (const from of sock.drainSolicitations()) {
      const at = unicastAnswerAt(from, now, answered, RA_TIMING);
      // past MAX_PENDING distinct hosts (a flood), the rest share the next multicast answer
      if (at === undefined || (!pending.has(from) && pending.size >= MAX_PENDING))
        due = Math.min(due, solicitedAt(now, lastSent, RA_TIMING));
      else pending.set(from, Math.min(pending.get(from) ?? at, at));
    }
    for (const [to, at] of pending) {
      if (at > now) continue;
      pending.delete(to);
      sock.send(packet, to);
      recordUnicastAnswer(to, now, answered, RA_TIMING);
    }
    if (now < due) return;
    try {
      sock.send(packet);
      lastSent = now;
      sent++;
      due = nextUnsolicited(now, sent, RA_TIMING, Math.random);
      backoff = 1000;
      if (state !== 'up') log.info({ interface: ifname, source }, 'sending router advertisements');
      report('up', `${ifname} from ${source}: M=1 O=1 prefix ${prefixOf(ctx.config.ipv6.address)}/64 A=0`);
    } catch (e) {
      log.warn({ err: e, retryInMs: backoff }, 'router advertisement not sent');
      report('failed', (e as Error).message);
      retryAt = now + backoff;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  };

  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((e: unknown) => {
        log.error({ err: e, retryInMs: backoff }, 'router advertisement loop failed');
        report('failed', (e as Error).message);
        retryAt = Date.now() + backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      })
      .finally(() => (busy = false));
  }, TICK_MS);

  return {
    name: 'ra',
    stop() {
      clearInterval(timer);
      sock.close();
      return Promise.resolve();
    },
  };
};

// The full DHCPv4 server (RFC 2131): hands out addresses from the pool and reservations, tells PXE
// and iPXE clients what to boot, and records every step in the state store. A lease is acknowledged
// only after its `lease.granted` event is durable. Packets are handled concurrently (the store groups
// their fsyncs), and nothing a client sends can make handle() throw.
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { EventPayloads, NewEvent } from '../../model/events.js';
import { showsBootClient } from '../../model/reducer.js';
import type { StateStore } from '../../model/store.js';
import { decideBoot } from '../bootfile.js';
import { BOOTREQUEST, decode, Dhcp4DecodeError, encode, type Dhcp4Packet } from './codec.js';
import { describeClient, discoverEvent, type Dhcp4Client } from './client-info.js';
import { messageTypeName, Opt, readU32 } from './options.js';
import { LeasePool } from './pool.js';
import { buildReply, maxReplySize, replyDestination, type Destination, type ReplyParams } from './reply.js';
import { dhcp4Settings, type Dhcp4Settings } from './settings.js';
import { isGuardProbeMac } from '../guard/probe.js';

const ZERO = '0.0.0.0';
/** How long an OFFER keeps its address for the client (RFC 2131 leaves it to the server). */
const OFFER_HOLD_MS = 30_000;
/** A PXE ROM sends its REQUEST within a few seconds of the OFFERs it collects. */
const KEEP_BOOT_OFFER_MS = 5_000;
/** A retransmitted DISCOVER (or the same OFFER again) is recorded again only after this long. */
const REPEAT_EVENT_MS = 30_000;
/**
 * New boot clients recorded per second after a burst (a boot storm of a few hundred machines fits the
 * burst). Past it a new MAC is still answered but recorded only when it asks again: a flood of random
 * MACs with a PXE vendor class cannot grow the event log faster than this.
 */
const NEW_NODES_PER_SECOND = 50;
const NEW_NODES_BURST = 500;

export type SendFn = (buf: Buffer, to: Destination) => void;

export interface Dhcp4HandlerDeps {
  config: ReconConfig;
  store: Pick<StateStore, 'emit' | 'state'>;
  log: Logger;
  send: SendFn;
  now?: () => number;
  /** whether new addresses may be offered now (false while the rogue-DHCP guard blocks); default yes */
  mayOffer?: () => boolean;
}

/** What the socket layer drives: one call per datagram; never rejects. */
export interface Dhcp4Handler {
  handle(buf: Buffer, from: Destination): Promise<void>;
}

export class Dhcp4Server implements Dhcp4Handler {
  readonly pool: LeasePool;
  private readonly s: Dhcp4Settings;
  private readonly now: () => number;
  private readonly hostnames: Map<string, string>;
  private readonly reserved: Set<string>;
  /** the token bucket of new boot clients that may be recorded (see NEW_NODES_PER_SECOND) */
  private readonly newNodes: { tokens: number; at: number };
  /** per MAC and event kind: what was last recorded and when, so retransmissions do not flood the log */
  private readonly lastRecorded = new Map<string, { what: string; at: number }>();

  constructor(private readonly deps: Dhcp4HandlerDeps) {
    const c = deps.config;
    this.s = dhcp4Settings(c);
    this.now = deps.now ?? Date.now;
    this.pool = new LeasePool({
      range: c.ipv4.range,
      reservations: c.ipv4.reservations,
      exclude: [c.ipv4.address],
      offerHoldMs: OFFER_HOLD_MS,
      keepBootOfferMs: KEEP_BOOT_OFFER_MS,
    });
    this.hostnames = new Map(c.ipv4.reservations.flatMap((r) => (r.hostname ? [[r.mac, r.hostname]] : [])));
    this.reserved = new Set(c.ipv4.reservations.map((r) => r.mac));
    this.newNodes = { tokens: NEW_NODES_BURST, at: this.now() };
    this.restore();
  }

  /** Rebuilds the address table from the store: a restarted master gives every node its address back. */
  private restore(): void {
    const st = this.deps.store.state;
    let n = 0;
    for (const holder of [...Object.values(st.nodes), ...Object.values(st.hosts ?? {})]) {
      const l = holder.lease4;
      if (!l || !this.pool.manages(l.ip)) continue;
      this.pool.restore(holder.mac, l.ip, Date.parse(l.expiresAt));
      n++;
    }
    for (const [ip, until] of Object.entries(st.declined ?? {})) {
      const t = Date.parse(until);
      if (t > this.now() && this.pool.manages(ip)) this.pool.quarantine(ip, t);
    }
    this.deps.log.info({ leases: n }, 'dhcp4 leases restored');
  }

  /** Expires bound leases whose time is up; called periodically by the service. */
  sweep(): void {
    const now = this.now();
    for (const { mac, ip } of this.pool.expire(now))
      this.record({ type: 'lease.expired', data: { mac, family: 4, ip } });
    for (const [key, last] of this.lastRecorded)
      if (now - last.at >= REPEAT_EVENT_MS) this.lastRecorded.delete(key);
  }

  handle(buf: Buffer, from: Destination): Promise<void> {
    return decodeAndDispatch(buf, from, this.deps.log, 'dhcp4', (req) => this.dispatch(req));
  }

  private async dispatch(req: Dhcp4Packet): Promise<void> {
    const client = req.op === BOOTREQUEST ? describeClient(req) : undefined;
    // the guard's own probes: answering them would only hold an address for nobody
    if (!client || isGuardProbeMac(client.mac)) return;
    if (req.giaddr !== ZERO && !this.s.inSubnet(req.giaddr)) {
      this.deps.log.debug(
        { mac: client.mac, giaddr: req.giaddr },
        'dhcp4 relay from a subnet recon does not serve',
      );
      return;
    }
    const type = messageTypeName(req.options.get(Opt.messageType)?.[0]);
    switch (type) {
      case 'DISCOVER':
        return this.discover(req, client);
      case 'REQUEST':
        return this.request(req, client);
      case 'RELEASE':
        return this.release(req, client);
      case 'DECLINE':
        return this.decline(client);
      case 'INFORM':
        return this.inform(req, client);
      default:
        this.deps.log.debug({ mac: client.mac, type }, 'dhcp4 message ignored');
    }
  }

  /**
   * DISCOVER: recorded only for known nodes and for new boot clients or reserved MACs within the
   * new-node budget (any other client gets an OFFER like everyone, but no event and so no node: a
   * flood of random MACs leaves no trace in the state). No OFFER while the guard blocks.
   */
  private discover(req: Dhcp4Packet, client: Dhcp4Client): void {
    const boot = decideBoot(client.boot, this.s.boot);
    const now = this.now();
    const discover: EventPayloads['dhcp.discover'] = {
      ...discoverEvent(req, client),
      reserved: this.reserved.has(client.mac) || undefined,
    };
    const known = this.deps.store.state.nodes[client.mac] !== undefined;
    const tracked = known || (showsBootClient(discover) && this.newNodeAllowed(now));
    const seen = `${client.firmware}|${client.arch}|${client.vendorClass}|${client.userClass}|${req.giaddr}`;
    if (tracked && this.isNews(`d${client.mac}`, seen, now))
      this.record({ type: 'dhcp.discover', data: discover });
    if (!(this.deps.mayOffer?.() ?? true)) return;
    const requested =
      client.requestedIp && this.s.inSubnet(client.requestedIp) ? client.requestedIp : undefined;
    const ip = this.pool.choose(client.mac, requested, now);
    if (!ip) {
      if (tracked) {
        this.deps.log.warn({ mac: client.mac }, 'dhcp4 pool exhausted: no offer');
        this.record({ type: 'dhcp.exhausted', data: { mac: client.mac, family: 4 } });
      } else this.deps.log.debug({ mac: client.mac }, 'dhcp4 pool exhausted: no offer');
      return;
    }
    // a booting peer's offer is kept for its REQUEST, whatever floods the pool meanwhile
    this.pool.offer(client.mac, ip, now, tracked);
    if (tracked && this.isNews(`o${client.mac}`, `${ip}|${boot?.bootFile}`, now))
      this.record({
        type: 'dhcp.offer',
        data: { mac: client.mac, family: 4, ip, bootFile: boot?.bootFile, chain: boot?.chain },
      });
    this.reply(req, client, this.addressReply('OFFER', client, ip));
  }

  /** RFC 2131 §4.3.2: SELECTING, INIT-REBOOT, RENEWING/REBINDING are told apart by 54/50/ciaddr. */
  private async request(req: Dhcp4Packet, client: Dhcp4Client): Promise<void> {
    const mac = client.mac;
    const now = this.now();
    if (client.serverId !== undefined) {
      if (client.serverId !== this.s.serverId) return; // the client chose another server
      const ip = client.requestedIp ?? (req.ciaddr !== ZERO ? req.ciaddr : undefined);
      if (!ip) return this.nak(req, client, undefined, 'no requested address');
      return this.grantIfFree(req, client, ip, now);
    }
    const ip = client.requestedIp ?? (req.ciaddr !== ZERO ? req.ciaddr : undefined);
    if (!ip) return;
    if (!this.s.inSubnet(ip)) return this.nak(req, client, ip, 'address not on this network');
    // INIT-REBOOT / RENEWING / REBINDING: only confirm what recon has on record for this client.
    const owned = this.pool.entryAt(ip);
    if (!owned || owned.mac !== mac) {
      if (owned && owned.state === 'bound' && owned.until > now)
        return this.nak(req, client, ip, 'address belongs to another client');
      const reserved = this.pool.checkBind(mac, ip, now) === 'reserved';
      if (reserved) return this.nak(req, client, ip, 'address reserved for another client');
      return; // no record of this client: stay silent (RFC 2131 §4.3.2)
    }
    return this.grantIfFree(req, client, ip, now);
  }

  private async grantIfFree(req: Dhcp4Packet, client: Dhcp4Client, ip: string, now: number): Promise<void> {
    const check = this.pool.checkBind(client.mac, ip, now);
    if (check !== 'ok') return this.nak(req, client, ip, `address ${check}`);
    const asked = readU32(req.options.get(Opt.leaseTime));
    const seconds = Math.min(asked ?? this.s.leaseSeconds, this.s.maxLeaseSeconds);
    const expiresAt = now + seconds * 1000;
    this.pool.bind(client.mac, ip, expiresAt);
    const params = this.addressReply('ACK', client, ip, seconds);
    // durable first, then the ACK: an acknowledged lease survives a crash
    await this.deps.store.emit({
      type: 'lease.granted',
      data: {
        mac: client.mac,
        family: 4,
        ip,
        expiresAt: new Date(expiresAt).toISOString(),
        hostname: params.hostname,
        bootFile: params.boot?.bootFile,
        // a lease holder that is no node may be a BMC: its vendor class helps recognise it
        ...(client.vendorClass !== undefined &&
          this.deps.store.state.nodes[client.mac] === undefined && {
            vendorClass: client.vendorClass.slice(0, 64),
          }),
      },
    });
    this.reply(req, client, params);
  }

  private release(req: Dhcp4Packet, client: Dhcp4Client): void {
    if (client.serverId !== undefined && client.serverId !== this.s.serverId) return;
    if (!this.pool.release(client.mac, req.ciaddr)) return;
    this.record({ type: 'lease.released', data: { mac: client.mac, family: 4, ip: req.ciaddr } });
  }

  private decline(client: Dhcp4Client): void {
    const ip = client.requestedIp;
    if (!ip || (client.serverId !== undefined && client.serverId !== this.s.serverId)) return;
    const until = this.now() + this.s.declineQuarantineMs;
    if (!this.pool.decline(client.mac, ip, until)) return;
    this.deps.log.warn({ mac: client.mac, ip }, 'dhcp4 address declined: in use by another host');
    this.record({
      type: 'lease.declined',
      data: { mac: client.mac, ip, quarantinedUntil: new Date(until).toISOString() },
    });
  }

  /** INFORM: configuration only, no address, no lease (RFC 2131 §3.4). */
  private inform(req: Dhcp4Packet, client: Dhcp4Client): void {
    if (req.ciaddr === ZERO) return;
    const boot = decideBoot(client.boot, this.s.boot);
    this.reply(req, client, {
      type: 'ACK',
      serverId: this.s.serverId,
      network: this.s.network,
      boot,
      nextServer: this.s.serverId,
    });
  }

  private nak(req: Dhcp4Packet, client: Dhcp4Client, ip: string | undefined, reason: string): void {
    this.deps.log.info({ mac: client.mac, ip, reason }, 'dhcp4 NAK');
    this.record({ type: 'dhcp.nak', data: { mac: client.mac, ip, reason } });
    this.reply(req, client, { type: 'NAK', serverId: this.s.serverId, message: reason });
  }

  private addressReply(
    type: 'OFFER' | 'ACK',
    client: Dhcp4Client,
    ip: string,
    seconds?: number,
  ): ReplyParams {
    return {
      type,
      serverId: this.s.serverId,
      yiaddr: ip,
      leaseSeconds: seconds ?? this.s.leaseSeconds,
      network: this.s.network,
      hostname: this.hostnames.get(client.mac) ?? client.hostname,
      boot: decideBoot(client.boot, this.s.boot),
      nextServer: this.s.serverId,
    };
  }

  private reply(req: Dhcp4Packet, client: Dhcp4Client, params: ReplyParams): void {
    const reply = buildReply(req, client, params);
    this.deps.send(encode(reply, maxReplySize(client)), replyDestination(req, reply, this.s.ports));
  }

  /** Takes one token of the new-node budget if there is one. */
  private newNodeAllowed(now: number): boolean {
    const b = this.newNodes;
    b.tokens = Math.min(NEW_NODES_BURST, b.tokens + ((now - b.at) / 1000) * NEW_NODES_PER_SECOND);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether `what` differs from the last recorded value under `key`, or that is old; remembers it. */
  private isNews(key: string, what: string, now: number): boolean {
    const last = this.lastRecorded.get(key);
    if (last && last.what === what && now - last.at < REPEAT_EVENT_MS) return false;
    this.lastRecorded.set(key, { what, at: now });
    return true;
  }

  /** Events that need not delay a reply: emitted without waiting, failures logged. */
  private record(ev: NewEvent): void {
    this.deps.store
      .emit(ev)
      .catch((e: unknown) => this.deps.log.error({ err: e, type: ev.type }, 'event not recorded'));
  }
}

/**
 * Decodes one datagram and hands it to `dispatch`. A malformed packet is dropped (debug log), and no
 * error from either step escapes: a socket handler must survive anything the wire brings.
 */
export async function decodeAndDispatch(
  buf: Buffer,
  from: Destination,
  log: Logger,
  what: string,
  dispatch: (req: Dhcp4Packet) => Promise<void>,
): Promise<void> {
  let req: Dhcp4Packet;
  try {
    req = decode(buf);
  } catch (e) {
    if (e instanceof Dhcp4DecodeError)
      log.debug({ from: from.address, err: e.message }, `${what} packet dropped`);
    else log.error({ err: e }, `${what} decode failed`);
    return;
  }
  try {
    await dispatch(req);
  } catch (e) {
    log.error({ err: e, xid: req.xid }, `${what} request failed`);
  }
}

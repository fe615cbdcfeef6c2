// The DHCPv6 server's decisions (RFC 8415 §16 validation, §18.3 server behaviour): for one client
// message, what to answer and which events record it. No I/O: the service emits the events, waits
// until they are durable, and only then sends the reply. The pool is updated here, synchronously, so
// two concurrent requests can never be handed the same address.
import { decideBoot, type BootDecision, type BootServer } from '../bootfile.js';
import type { NewEvent } from '../../model/events.js';
import { MessageType, type Dhcp6ClientServerMessage } from './codec.js';
import { describeClient6, type Dhcp6Client, type Unwrapped } from './client-info.js';
import {
  findOption,
  findOptions,
  OptionCode,
  StatusCode,
  type Dhcp6Option,
  type OptionOf,
} from './options.js';
import type { Dhcp6Pool } from './pool.js';

export interface Dhcp6Settings {
  serverDuid: Buffer;
  pool: Dhcp6Pool;
  boot: BootServer;
  dnsServers: string[];
  domains: string[];
  leaseSeconds: number;
  declineQuarantineSeconds: number;
}

export interface Dhcp6Outcome {
  /** undefined: send nothing (the reason is in `ignored`) */
  reply?: Dhcp6ClientServerMessage;
  events: NewEvent[];
  ignored?: string;
  client?: Dhcp6Client;
}

/** ADVERTISE preference 255: the client takes this server's offer at once instead of waiting for others. */
const PREFERENCE_MAX = 255;
const ENTERPRISE_INTEL = 343;

const ignore = (why: string, client?: Dhcp6Client): Dhcp6Outcome => ({ events: [], ignored: why, client });

export function handleDhcp6(u: Unwrapped, source: string, s: Dhcp6Settings, now: number): Dhcp6Outcome {
  const m = u.message;
  const c = describeClient6(u, source);
  const hasClientId = findOption(m.options, 'clientId') !== undefined;
  const ours = s.serverDuid.toString('hex');
  if (!c) {
    if (m.type === MessageType.INFORMATION_REQUEST && !hasClientId) return informationOnly(m, s, undefined);
    return ignore(hasClientId ? 'client has no MAC in its DUID or address' : 'no client identifier');
  }
  // §16: which messages must, may or must not name a server
  switch (m.type) {
    case MessageType.SOLICIT:
    case MessageType.CONFIRM:
    case MessageType.REBIND:
      if (c.serverDuid !== undefined) return ignore('server identifier present where none is allowed', c);
      break;
    case MessageType.REQUEST:
    case MessageType.RENEW:
    case MessageType.RELEASE:
    case MessageType.DECLINE:
      if (c.serverDuid !== ours)
        return ignore(c.serverDuid ? 'addressed to another server' : 'no server identifier', c);
      break;
    case MessageType.INFORMATION_REQUEST:
      if (c.serverDuid !== undefined && c.serverDuid !== ours)
        return ignore('addressed to another server', c);
      return informationOnly(m, s, c);
    default:
      return ignore(`not a client message (type ${m.type})`, c);
  }
  const decision = decideBoot(c.boot, s.boot);
  switch (m.type) {
    case MessageType.SOLICIT:
      return solicit(m, c, s, decision, now);
    case MessageType.REQUEST:
    case MessageType.RENEW:
    case MessageType.REBIND:
      return assign(m, c, s, decision, now);
    case MessageType.RELEASE:
      return release(m, c, s);
    case MessageType.DECLINE:
      return decline(m, c, s, now);
    default:
      return confirm(m, c, s);
  }
}

function header(
  type: Dhcp6ClientServerMessage['type'],
  m: Dhcp6ClientServerMessage,
  s: Dhcp6Settings,
): Dhcp6ClientServerMessage {
  const options: Dhcp6Option[] = [];
  const clientId = findOption(m.options, 'clientId');
  if (clientId) options.push(clientId);
  options.push({ kind: 'serverId', duid: s.serverDuid });
  return { type, transactionId: m.transactionId, options };
}

/** Configuration options: DNS, domain list, boot URL — those the client asked for (a PXE client always gets its URL). */
function configOptions(
  c: Dhcp6Client | undefined,
  requested: Set<number>,
  s: Dhcp6Settings,
  d: BootDecision | undefined,
): Dhcp6Option[] {
  const out: Dhcp6Option[] = [];
  if (requested.has(OptionCode.dnsServers) && s.dnsServers.length)
    out.push({ kind: 'dnsServers', addresses: s.dnsServers });
  if (requested.has(OptionCode.domainList) && s.domains.length)
    out.push({ kind: 'domainList', domains: s.domains });
  if (d && (requested.has(OptionCode.bootfileUrl) || c?.arch !== undefined || c?.ipxe)) {
    out.push({ kind: 'bootfileUrl', url: d.bootFile });
    if (d.vendorClass)
      out.push({ kind: 'vendorClass', enterprise: ENTERPRISE_INTEL, data: [Buffer.from(d.vendorClass)] });
  }
  return out;
}

function requestedSet(m: Dhcp6ClientServerMessage): Set<number> {
  return new Set(findOptions(m.options, 'oro').flatMap((o) => o.codes));
}

function informationOnly(
  m: Dhcp6ClientServerMessage,
  s: Dhcp6Settings,
  c: Dhcp6Client | undefined,
): Dhcp6Outcome {
  const reply = header(MessageType.REPLY, m, s);
  const d = c ? decideBoot(c.boot, s.boot) : undefined;
  reply.options.push(...configOptions(c, requestedSet(m), s, d));
  return { reply, events: [], client: c };
}

function lifetimes(s: Dhcp6Settings): { t1: number; t2: number; valid: number } {
  return {
    t1: Math.floor(s.leaseSeconds * 0.5),
    t2: Math.floor(s.leaseSeconds * 0.8),
    valid: s.leaseSeconds,
  };
}

function status(code: number, message: string): Dhcp6Option {
  return { kind: 'statusCode', status: code, message };
}

function iaWith(
  ia: OptionOf<'iaNa'>,
  s: Dhcp6Settings,
  addresses: OptionOf<'iaAddr'>[],
  st?: Dhcp6Option,
): OptionOf<'iaNa'> {
  const t = lifetimes(s);
  const options: Dhcp6Option[] = [...addresses];
  if (st) options.push(st);
  return {
    kind: 'iaNa',
    iaid: ia.iaid,
    t1: addresses.length ? t.t1 : 0,
    t2: addresses.length ? t.t2 : 0,
    options,
  };
}

function addr(ip: string, lifetime: number): OptionOf<'iaAddr'> {
  return { kind: 'iaAddr', address: ip, preferred: lifetime, valid: lifetime, options: [] };
}

function discoverEvent(c: Dhcp6Client): NewEvent {
  return {
    type: 'dhcp.discover',
    data: {
      mac: c.mac,
      family: 6,
      firmware: c.firmware,
      arch: c.arch,
      vendorClass: c.vendorClass,
      userClass: c.userClass,
      relay: c.relayLink,
    },
  };
}

function solicit(
  m: Dhcp6ClientServerMessage,
  c: Dhcp6Client,
  s: Dhcp6Settings,
  d: BootDecision | undefined,
  now: number,
): Dhcp6Outcome {
  const commit = c.rapidCommit;
  const reply = header(commit ? MessageType.REPLY : MessageType.ADVERTISE, m, s);
  const events: NewEvent[] = [discoverEvent(c)];
  const t = lifetimes(s);
  for (const ia of findOptions(m.options, 'iaNa')) {
    const hint = findOption(ia.options, 'iaAddr')?.address;
    const ip = s.pool.choose(c.duid, ia.iaid, c.mac, now, hint);
    if (!ip) {
      reply.options.push(iaWith(ia, s, [], status(StatusCode.NoAddrsAvail, 'no addresses available')));
      events.push({ type: 'dhcp.exhausted', data: { mac: c.mac, family: 6 } });
      continue;
    }
    reply.options.push(iaWith(ia, s, [addr(ip, t.valid)]));
    if (commit) events.push(grant(c, ia.iaid, ip, s, d, now));
    else
      events.push({
        type: 'dhcp.offer',
        data: { mac: c.mac, family: 6, ip, bootFile: d?.bootFile, chain: d?.chain },
      });
  }
  if (commit) reply.options.push({ kind: 'rapidCommit' });
  else reply.options.push({ kind: 'preference', value: PREFERENCE_MAX });
  reply.options.push(...configOptions(c, c.requested, s, d));
  return { reply, events, client: c };
}

/** Binds in the pool and returns the event that makes the binding durable. */
function grant(
  c: Dhcp6Client,
  iaid: number,
  ip: string,
  s: Dhcp6Settings,
  d: BootDecision | undefined,
  now: number,
): NewEvent {
  const expiresAt = now + s.leaseSeconds * 1000;
  s.pool.bind({ duid: c.duid, iaid, mac: c.mac, ip, expiresAt });
  return {
    type: 'lease.granted',
    data: {
      mac: c.mac,
      family: 6,
      ip,
      expiresAt: new Date(expiresAt).toISOString(),
      bootFile: d?.bootFile,
      duid: c.duid,
      iaid,
    },
  };
}

/** REQUEST, RENEW, REBIND: (re)bind every IA_NA the client names (§18.3.2, §18.3.4, §18.3.5). */
function assign(
  m: Dhcp6ClientServerMessage,
  c: Dhcp6Client,
  s: Dhcp6Settings,
  d: BootDecision | undefined,
  now: number,
): Dhcp6Outcome {
  const reply = header(MessageType.REPLY, m, s);
  const events: NewEvent[] = [];
  const t = lifetimes(s);
  for (const ia of findOptions(m.options, 'iaNa')) {
    const asked = findOptions(ia.options, 'iaAddr').map((a) => a.address);
    const bound = s.pool.binding(c.duid, ia.iaid);
    const hint = asked.find((ip) => s.pool.availableTo(ip, c.duid, ia.iaid, c.mac, now));
    // RENEW/REBIND keep what the client has when it is still ours to give (also after a lost binding);
    // REQUEST takes the offered address, or any free one.
    const ip =
      m.type === MessageType.REQUEST
        ? s.pool.choose(c.duid, ia.iaid, c.mac, now, hint)
        : bound && s.pool.available(bound.ip, c.duid, ia.iaid, now)
          ? bound.ip
          : hint;
    // Addresses the client holds that it may not keep: lifetimes 0 so it stops using them.
    const stale = asked.filter((a) => a !== ip).map((a) => addr(a, 0));
    if (!ip) {
      if (m.type === MessageType.REQUEST) {
        reply.options.push(iaWith(ia, s, [], status(StatusCode.NoAddrsAvail, 'no addresses available')));
        events.push({ type: 'dhcp.exhausted', data: { mac: c.mac, family: 6 } });
      } else if (m.type === MessageType.RENEW || stale.length === 0) {
        reply.options.push(iaWith(ia, s, [], status(StatusCode.NoBinding, 'no binding for this IA')));
        events.push({ type: 'dhcp.nak', data: { mac: c.mac, ip: asked[0], reason: 'DHCPv6 no binding' } });
      } else {
        reply.options.push(iaWith(ia, s, stale));
      }
      continue;
    }
    reply.options.push(iaWith(ia, s, [addr(ip, t.valid), ...stale]));
    events.push(grant(c, ia.iaid, ip, s, d, now));
  }
  reply.options.push(...configOptions(c, c.requested, s, d));
  return { reply, events, client: c };
}

function release(m: Dhcp6ClientServerMessage, c: Dhcp6Client, s: Dhcp6Settings): Dhcp6Outcome {
  const reply = header(MessageType.REPLY, m, s);
  const events: NewEvent[] = [];
  for (const ia of findOptions(m.options, 'iaNa')) {
    const bound = s.pool.binding(c.duid, ia.iaid);
    for (const a of findOptions(ia.options, 'iaAddr')) {
      if (bound?.ip !== a.address) continue;
      s.pool.unbind(bound);
      events.push({ type: 'lease.released', data: { mac: c.mac, family: 6, ip: a.address } });
    }
  }
  reply.options.push(status(StatusCode.Success, 'released'));
  return { reply, events, client: c };
}

function decline(m: Dhcp6ClientServerMessage, c: Dhcp6Client, s: Dhcp6Settings, now: number): Dhcp6Outcome {
  const reply = header(MessageType.REPLY, m, s);
  const events: NewEvent[] = [];
  const until = now + s.declineQuarantineSeconds * 1000;
  for (const ia of findOptions(m.options, 'iaNa')) {
    for (const a of findOptions(ia.options, 'iaAddr')) {
      if (s.pool.ownerOf(a.address)?.duid !== c.duid) continue;
      s.pool.quarantineAddress(a.address, until);
      events.push({
        type: 'lease.declined',
        data: { mac: c.mac, ip: a.address, quarantinedUntil: new Date(until).toISOString() },
      });
    }
  }
  reply.options.push(status(StatusCode.Success, 'declined'));
  return { reply, events, client: c };
}

/** CONFIRM (§18.3.3): are the client's addresses still on this link? No addresses → no answer. */
function confirm(m: Dhcp6ClientServerMessage, c: Dhcp6Client, s: Dhcp6Settings): Dhcp6Outcome {
  const asked = findOptions(m.options, 'iaNa').flatMap((ia) =>
    findOptions(ia.options, 'iaAddr').map((a) => a.address),
  );
  if (asked.length === 0) return ignore('CONFIRM without addresses', c);
  const reply = header(MessageType.REPLY, m, s);
  const offLink = asked.find((ip) => !s.pool.onLink(ip));
  const events: NewEvent[] = [];
  if (offLink) {
    reply.options.push(status(StatusCode.NotOnLink, `${offLink} is not on this link`));
    events.push({
      type: 'dhcp.nak',
      data: { mac: c.mac, ip: offLink, reason: 'DHCPv6 address not on link' },
    });
  } else {
    reply.options.push(status(StatusCode.Success, 'all addresses on link'));
  }
  return { reply, events, client: c };
}

// The rogue-DHCP probe's packets and decisions, pure: the DISCOVER it sends (a random, recognisable
// MAC), which replies count as an OFFER from another server, how probe results compare over time, and
// whether recon may serve DHCP given what was found and the operator's flags.
import { randomBytes } from 'node:crypto';
import type { MasterFlags } from '../../model/service.js';
import type { Mac, RogueServer } from '../../model/events.js';
import {
  BOOTREPLY,
  bootRequest,
  clientMac,
  decode,
  encode,
  FLAG_BROADCAST,
  type Dhcp4Packet,
} from '../dhcp4/codec.js';
import { MessageType, Opt, readIpv4 } from '../dhcp4/options.js';

/**
 * Probe MACs start with this locally administered prefix, so recon's own DHCPv4 server (and anyone
 * reading a capture) can tell a guard probe from a real client.
 */
export const GUARD_MAC_PREFIX = '02:7e:c0';

export function randomGuardMac(): Mac {
  return `${GUARD_MAC_PREFIX}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

export function isGuardProbeMac(mac: string): boolean {
  return mac.toLowerCase().startsWith(`${GUARD_MAC_PREFIX}:`);
}

export function buildDiscover(mac: Mac, xid: number): Buffer {
  const p = bootRequest({
    mac,
    xid,
    // the probe MAC is not ours on the wire: ask for broadcast replies so the OFFER reaches us at all
    flags: FLAG_BROADCAST,
    options: new Map([
      [Opt.messageType, Buffer.from([MessageType.DISCOVER])],
      [Opt.paramRequestList, Buffer.from([Opt.subnetMask, Opt.router, Opt.dnsServers, Opt.serverId])],
    ]),
  });
  return encode(p);
}

export interface Offer {
  serverId: string;
  offeredIp: string;
}

/** The OFFER this payload is, if it answers one of our probes (xid and MAC) and is not from a server in `own`. */
export function readOffer(
  payload: Buffer,
  from: string,
  xids: ReadonlySet<number>,
  mac: Mac,
  own: ReadonlySet<string>,
): Offer | undefined {
  let p: Dhcp4Packet;
  try {
    p = decode(payload);
  } catch {
    return undefined;
  }
  if (p.op !== BOOTREPLY || !xids.has(p.xid) || clientMac(p) !== mac) return undefined;
  if (p.options.get(Opt.messageType)?.[0] !== MessageType.OFFER) return undefined;
  const serverId = readIpv4(p.options.get(Opt.serverId)) ?? from;
  if (own.has(serverId)) return undefined;
  return { serverId, offeredIp: p.yiaddr };
}

/** What changed between two probes, by server id. */
export function diffRogues(
  before: readonly RogueServer[],
  now: readonly RogueServer[],
): { appeared: RogueServer[]; gone: RogueServer[] } {
  const was = new Set(before.map((r) => r.serverId));
  const is = new Set(now.map((r) => r.serverId));
  return {
    appeared: now.filter((r) => !was.has(r.serverId)),
    gone: before.filter((r) => !is.has(r.serverId)),
  };
}

export interface DhcpVerdict {
  serve: boolean;
  mode: 'full' | 'proxy';
  reason: string;
}

function describe(r: RogueServer): string {
  return `${r.serverId}${r.serverMac ? ` (${r.serverMac})` : ''} offering ${r.offeredIp ?? '?'}`;
}

/**
 * Whether DHCPv4 may start: not next to another server, unless proxyDHCP (hands out no addresses) or
 * forced by the operator. A probe that could not run counts as unsafe: recon cannot tell.
 */
export function decideDhcp(
  rogues: readonly RogueServer[],
  flags: MasterFlags,
  probeError?: string,
): DhcpVerdict {
  const mode = flags.proxyDhcp ? 'proxy' : 'full';
  if (probeError !== undefined) {
    const why = `could not probe for other DHCP servers (${probeError})`;
    if (flags.proxyDhcp || flags.forceDhcp) return { serve: true, mode, reason: `${why}; serving as asked` };
    return { serve: false, mode, reason: why };
  }
  if (rogues.length === 0) return { serve: true, mode, reason: 'no other DHCP server answered' };
  const list = rogues.map(describe).join('; ');
  if (flags.proxyDhcp) return { serve: true, mode, reason: `proxyDHCP next to ${list}` };
  if (flags.forceDhcp) return { serve: true, mode, reason: `forced next to ${list}` };
  return { serve: false, mode, reason: `another DHCP server answers on this segment: ${list}` };
}

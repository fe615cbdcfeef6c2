// What a DHCPv6 request says about its sender: DUID, MAC, firmware facts for the boot decision, the
// options it asked for. Pure. Relay chains are peeled off here too, since relays carry facts about
// the client (RFC 6939 link-layer address, the peer address) that the message itself does not.
import { classifyFirmware, type BootClient } from '../bootfile.js';
import type { Firmware, Mac } from '../../model/events.js';
import {
  isRelay,
  MessageType,
  type Dhcp6ClientServerMessage,
  type Dhcp6Message,
  type Dhcp6RelayMessage,
} from './codec.js';
import { macFromDuid, macFromEui64, macFromLinkLayerOption } from './duid.js';
import { findOption, findOptions, type Dhcp6Option } from './options.js';

export interface Unwrapped {
  message: Dhcp6ClientServerMessage;
  /** outermost relay first; empty for a client that talks to us directly */
  relays: Dhcp6RelayMessage[];
}

/** Peels RELAY-FORW layers; undefined when a layer has no relay-message option or a reply type is nested. */
export function unwrapRelays(msg: Dhcp6Message): Unwrapped | undefined {
  const relays: Dhcp6RelayMessage[] = [];
  let m: Dhcp6Message = msg;
  while (isRelay(m)) {
    if (m.type !== MessageType.RELAY_FORW) return undefined;
    relays.push(m);
    const inner = findOption(m.options, 'relayMessage');
    if (!inner) return undefined;
    m = inner.message;
  }
  return { message: m, relays };
}

/** Wraps a reply in RELAY-REPL layers mirroring the request's relays (interface-id echoed, RFC 8415 §19.3). */
export function wrapForRelays(reply: Dhcp6ClientServerMessage, relays: Dhcp6RelayMessage[]): Dhcp6Message {
  let out: Dhcp6Message = reply;
  for (const r of [...relays].reverse()) {
    const options: Dhcp6Option[] = [];
    const ifaceId = findOption(r.options, 'interfaceId');
    if (ifaceId) options.push(ifaceId);
    options.push({ kind: 'relayMessage', message: out });
    out = {
      type: MessageType.RELAY_REPL,
      hopCount: r.hopCount,
      linkAddress: r.linkAddress,
      peerAddress: r.peerAddress,
      options,
    };
  }
  return out;
}

export interface Dhcp6Client {
  duid: string;
  mac: Mac;
  arch?: number;
  vendorClass?: string;
  userClass?: string;
  ipxe: boolean;
  firmware: Firmware;
  requested: Set<number>;
  rapidCommit: boolean;
  /** the server DUID the client addressed, hex */
  serverDuid?: string;
  /** the relay's link address when relayed */
  relayLink?: string;
  boot: BootClient;
}

function printable(b: Buffer): string {
  return b.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Undefined when the client cannot be keyed by MAC (no client id, or a DUID without a link-layer
 * address and no EUI-64 source address or RFC 6939 option to fall back on).
 */
export function describeClient6(u: Unwrapped, source: string): Dhcp6Client | undefined {
  const o = u.message.options;
  const clientId = findOption(o, 'clientId');
  if (!clientId) return undefined;
  const innermost = u.relays.at(-1);
  const lla = u.relays.map((r) => findOption(r.options, 'clientLinkLayer')).find((x) => x !== undefined);
  const mac =
    macFromDuid(clientId.duid) ??
    (lla ? macFromLinkLayerOption(lla.hwType, lla.address) : undefined) ??
    macFromEui64(innermost ? innermost.peerAddress : source);
  if (!mac) return undefined;
  const arch = findOption(o, 'clientArch')?.archs[0];
  const userClasses = findOption(o, 'userClass')?.classes.map(printable);
  const vendor = findOption(o, 'vendorClass');
  const ipxe = userClasses?.includes('iPXE') ?? false;
  return {
    duid: clientId.duid.toString('hex'),
    mac,
    arch,
    vendorClass: vendor ? vendor.data.map(printable).join(',') : undefined,
    userClass: userClasses?.join(','),
    ipxe,
    firmware: classifyFirmware({ arch, ipxe }),
    requested: new Set(findOptions(o, 'oro').flatMap((x) => x.codes)),
    rapidCommit: findOption(o, 'rapidCommit') !== undefined,
    serverDuid: findOption(o, 'serverId')?.duid.toString('hex'),
    relayLink: innermost?.linkAddress,
    boot: { arch, ipxe, family: 6 },
  };
}

// Builds DHCPv4 replies (RFC 2131 table 3) and decides where they go (§4.1). Pure; used by the
// full server and the proxyDHCP handler, so both speak exactly the same wire dialect.
import type { BootDecision } from '../bootfile.js';
import { BOOTREPLY, DEFAULT_MAX_MESSAGE, FLAG_BROADCAST, type Dhcp4Packet } from './codec.js';
import type { Dhcp4Client } from './client-info.js';
import {
  IPXE_NO_PXEDHCP,
  MessageType,
  Opt,
  PXE_DISCOVERY_CONTROL_USE_FILE,
  ipv4Bytes,
  u32Bytes,
  u8Bytes,
  writeSubOptions,
  type MessageTypeName,
} from './options.js';

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

/** The network settings a client is told about. */
export interface NetworkParams {
  subnetMask: string;
  broadcast: string;
  router: string;
  dns: string;
  domain: string;
}

export interface ReplyParams {
  type: Extract<MessageTypeName, 'OFFER' | 'ACK' | 'NAK'>;
  serverId: string;
  /** the address handed out; 0.0.0.0 for proxyDHCP, INFORM and NAK */
  yiaddr?: string;
  /** lease length in seconds (OFFER/ACK of an address) */
  leaseSeconds?: number;
  network?: NetworkParams;
  hostname?: string;
  boot?: BootDecision;
  /** next-server (siaddr) for TFTP boot files */
  nextServer?: string;
  /** option 56, for NAKs */
  message?: string;
}

/** Encoded network options per settings object: the same for every reply, so built once. */
const networkOptionCache = new WeakMap<NetworkParams, [number, Buffer][]>();

function networkOptions(n: NetworkParams): [number, Buffer][] {
  let opts = networkOptionCache.get(n);
  if (!opts) {
    opts = [
      [Opt.subnetMask, ipv4Bytes(n.subnetMask)],
      [Opt.broadcastAddress, ipv4Bytes(n.broadcast)],
      [Opt.router, ipv4Bytes(n.router)],
      [Opt.dnsServers, ipv4Bytes(n.dns)],
      [Opt.domainName, Buffer.from(n.domain, 'latin1')],
    ];
    networkOptionCache.set(n, opts);
  }
  return opts;
}

/** RFC 2131 table 3 + the PXE/iPXE boot options; option 82 is echoed last (RFC 3046 §2.2). */
export function buildReply(req: Dhcp4Packet, client: Dhcp4Client, p: ReplyParams): Dhcp4Packet {
  const o = new Map<number, Buffer>();
  o.set(Opt.messageType, u8Bytes(MessageType[p.type]));
  o.set(Opt.serverId, ipv4Bytes(p.serverId));
  const nak = p.type === 'NAK';
  if (nak) {
    if (p.message) o.set(Opt.message, Buffer.from(p.message, 'latin1'));
  } else {
    if (p.leaseSeconds !== undefined) {
      o.set(Opt.leaseTime, u32Bytes(p.leaseSeconds));
      o.set(Opt.renewalTime, u32Bytes(Math.floor(p.leaseSeconds * 0.5)));
      o.set(Opt.rebindingTime, u32Bytes(Math.floor(p.leaseSeconds * 0.875)));
    }
    if (p.network) for (const [code, val] of networkOptions(p.network)) o.set(code, val);
    if (p.hostname) o.set(Opt.hostname, Buffer.from(p.hostname, 'latin1'));
    if (p.boot) setBootOptions(o, client, p.boot, p.nextServer, (p.yiaddr ?? ZERO) !== ZERO);
  }
  const relayInfo = req.options.get(Opt.relayAgentInfo);
  if (relayInfo) o.set(Opt.relayAgentInfo, relayInfo);
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: p.type === 'ACK' ? req.ciaddr : ZERO,
    yiaddr: p.yiaddr ?? ZERO,
    siaddr: !nak && p.boot?.via === 'tftp' && p.nextServer ? p.nextServer : ZERO,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: '',
    file: nak || !p.boot ? '' : p.boot.bootFile,
    options: o,
  };
}

function setBootOptions(
  o: Map<number, Buffer>,
  client: Dhcp4Client,
  boot: BootDecision,
  nextServer: string | undefined,
  addressed: boolean,
): void {
  if (boot.vendorClass) o.set(Opt.vendorClass, Buffer.from(boot.vendorClass, 'latin1'));
  // iPXE holds an offer without vendor class PXEClient ~3 s for a ProxyDHCP offer; an offer that brings the
  // address and the boot file (never a proxy reply) tells it there is none to wait for.
  if (boot.firmware === 'ipxe' && addressed)
    o.set(Opt.ipxeEncap, writeSubOptions([[IPXE_NO_PXEDHCP, u8Bytes(1)]], false));
  // PXE ROMs wait for a boot server unless told to use the file in this offer (PXE 2.1 §2.2.6).
  if (boot.vendorClass === 'PXEClient') {
    o.set(Opt.vendorSpecific, writeSubOptions([[6, u8Bytes(PXE_DISCOVERY_CONTROL_USE_FILE)]], true));
  }
  if (nextServer && boot.via === 'tftp' && client.params.has(Opt.tftpServerName))
    o.set(Opt.tftpServerName, Buffer.from(nextServer, 'latin1'));
  if (client.params.has(Opt.bootfileName)) o.set(Opt.bootfileName, Buffer.from(boot.bootFile, 'latin1'));
  // The PXE spec requires the client's UUID to be echoed in replies to PXE clients.
  const uuid = client.pxe ? client.uuidRaw : undefined;
  if (uuid) o.set(Opt.clientUuid, uuid);
}

/** The largest reply this client accepts. */
export function maxReplySize(client: Dhcp4Client): number {
  return Math.max(DEFAULT_MAX_MESSAGE, client.maxMessageSize ?? 0);
}

export interface Destination {
  address: string;
  port: number;
}

/**
 * RFC 2131 §4.1: relayed → the relay on the server port; NAK → broadcast; a client with an address
 * (ciaddr) → unicast; otherwise broadcast. recon never unicasts to yiaddr before the client has the
 * address: that needs an ARP entry the kernel does not have (dnsmasq injects one with SIOCSARP), and
 * every DHCP client must accept broadcast replies, so broadcast is the safe, portable choice.
 */
export function replyDestination(
  req: Dhcp4Packet,
  reply: Dhcp4Packet,
  ports: { server: number; client: number },
): Destination {
  if (req.giaddr !== ZERO) return { address: req.giaddr, port: ports.server };
  const nak = reply.options.get(Opt.messageType)?.[0] === MessageType.NAK;
  if (!nak && req.ciaddr !== ZERO && !(req.flags & FLAG_BROADCAST))
    return { address: req.ciaddr, port: ports.client };
  return { address: BROADCAST, port: ports.client };
}

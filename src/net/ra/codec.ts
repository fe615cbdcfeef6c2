// ICMPv6 Router Advertisement (RFC 4861 §4.2) with the options recon sends: source link-layer
// address (1), prefix information (3) and recursive DNS servers (RFC 8106, 25). Pure encode/decode;
// the checksum is left 0 because the kernel fills it in for raw ICMPv6 sockets (RFC 3542 §3.1).
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';

export const ICMP6_ROUTER_SOLICIT = 133;
export const ICMP6_ROUTER_ADVERT = 134;

export interface PrefixInfo {
  prefix: string;
  length: number;
  /** L: the prefix is on this link */
  onLink: boolean;
  /** A: hosts may form addresses from it (SLAAC) */
  autonomous: boolean;
  validSeconds: number;
  preferredSeconds: number;
}

export interface RouterAdvertisement {
  curHopLimit: number;
  /** M: addresses come from DHCPv6 */
  managed: boolean;
  /** O: other configuration (DNS, boot URL) comes from DHCPv6 */
  other: boolean;
  /** 0: this host is not a default router */
  routerLifetimeSeconds: number;
  reachableMs: number;
  retransMs: number;
  sourceMac?: string;
  prefixes: PrefixInfo[];
  dns?: { lifetimeSeconds: number; servers: string[] };
}

export class RaDecodeError extends Error {
  constructor(detail: string) {
    super(`router advertisement: ${detail}`);
    this.name = 'RaDecodeError';
  }
}

export function encodeRouterAdvertisement(ra: RouterAdvertisement): Buffer {
  const head = Buffer.alloc(16);
  head[0] = ICMP6_ROUTER_ADVERT;
  head[4] = ra.curHopLimit;
  head[5] = (ra.managed ? 0x80 : 0) | (ra.other ? 0x40 : 0);
  head.writeUInt16BE(ra.routerLifetimeSeconds, 6);
  head.writeUInt32BE(ra.reachableMs, 8);
  head.writeUInt32BE(ra.retransMs, 12);
  const opts: Buffer[] = [];
  if (ra.sourceMac) {
    opts.push(Buffer.concat([Buffer.from([1, 1]), Buffer.from(ra.sourceMac.replace(/:/g, ''), 'hex')]));
  }
  for (const p of ra.prefixes) {
    const o = Buffer.alloc(32);
    o[0] = 3;
    o[1] = 4;
    o[2] = p.length;
    o[3] = (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0);
    o.writeUInt32BE(p.validSeconds, 4);
    o.writeUInt32BE(p.preferredSeconds, 8);
    ipv6ToBytes(p.prefix).copy(o, 16);
    opts.push(o);
  }
  if (ra.dns?.servers.length) {
    const o = Buffer.alloc(8 + 16 * ra.dns.servers.length);
    o[0] = 25;
    o[1] = o.length / 8;
    o.writeUInt32BE(ra.dns.lifetimeSeconds, 4);
    ra.dns.servers.forEach((s, i) => ipv6ToBytes(s).copy(o, 8 + 16 * i));
    opts.push(o);
  }
  return Buffer.concat([head, ...opts]);
}

/** Decodes an RA (as seen on the wire, checksum ignored). Throws RaDecodeError on malformed input. */
export function decodeRouterAdvertisement(b: Buffer): RouterAdvertisement {
  if (b.length < 16) throw new RaDecodeError(`${b.length} bytes`);
  if (b[0] !== ICMP6_ROUTER_ADVERT) throw new RaDecodeError(`ICMPv6 type ${b[0]}`);
  const ra: RouterAdvertisement = {
    curHopLimit: b[4]!,
    managed: (b[5]! & 0x80) !== 0,
    other: (b[5]! & 0x40) !== 0,
    routerLifetimeSeconds: b.readUInt16BE(6),
    reachableMs: b.readUInt32BE(8),
    retransMs: b.readUInt32BE(12),
    prefixes: [],
  };
  let i = 16;
  while (i < b.length) {
    if (i + 2 > b.length) throw new RaDecodeError(`option header cut short at byte ${i}`);
    const type = b[i]!;
    const len = b[i + 1]! * 8;
    if (len === 0 || i + len > b.length)
      throw new RaDecodeError(`option ${type} of ${len} bytes at byte ${i}`);
    const o = b.subarray(i, i + len);
    if (type === 1 && len === 8) {
      ra.sourceMac = [...o.subarray(2, 8)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    } else if (type === 3) {
      if (len !== 32) throw new RaDecodeError(`prefix option of ${len} bytes`);
      ra.prefixes.push({
        prefix: bytesToIpv6(o.subarray(16, 32)),
        length: o[2]!,
        onLink: (o[3]! & 0x80) !== 0,
        autonomous: (o[3]! & 0x40) !== 0,
        validSeconds: o.readUInt32BE(4),
        preferredSeconds: o.readUInt32BE(8),
      });
    } else if (type === 25) {
      if (len < 24 || (len - 8) % 16 !== 0) throw new RaDecodeError(`RDNSS option of ${len} bytes`);
      const servers: string[] = [];
      for (let k = 8; k < len; k += 16) servers.push(bytesToIpv6(o.subarray(k, k + 16)));
      ra.dns = { lifetimeSeconds: o.readUInt32BE(4), servers };
    }
    i += len;
  }
  return ra;
}

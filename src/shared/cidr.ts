// Address blocks (CIDR) for IPv4 and IPv6: parse "10.0.0.0/24" or "fd00::/64", test membership, and name
// the special-purpose blocks (loopback, link-local, multicast, ...) a BMC address must never fall into
// by accident. Pure: addresses become 16-byte buffers (IPv4 as IPv4-mapped IPv6), so one comparison
// serves both families.
import { isIP } from 'node:net';
import { ipv4ToInt, ipv6ToBytes, bytesToIpv6, intToIpv4 } from './ip.js';

export interface Cidr {
  family: 4 | 6;
  /** the network address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) */
  bytes: Buffer;
  /** prefix length over the 16 bytes (an IPv4 /24 is 120) */
  bits: number;
  /** as written by the operator, for messages */
  text: string;
}

const V4_MAPPED = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** 16 bytes for an IPv4 or IPv6 address (IPv4 mapped), or undefined when `ip` is neither. */
export function addressBytes(ip: string): Buffer | undefined {
  const family = isIP(ip);
  if (family === 4) {
    const b = Buffer.alloc(16);
    V4_MAPPED.copy(b);
    b.writeUInt32BE(ipv4ToInt(ip), 12);
    return b;
  }
  if (family === 6) return ipv6ToBytes(ip.replace(/%.*$/, ''));
  return undefined;
}

/** The canonical text of an address (IPv4 dotted, IPv4-mapped IPv6 as IPv4, IPv6 RFC 5952). */
export function canonicalAddress(ip: string): string | undefined {
  const b = addressBytes(ip);
  if (!b) return undefined;
  return b.subarray(0, 12).equals(V4_MAPPED) ? intToIpv4(b.readUInt32BE(12)) : bytesToIpv6(b);
}

function masked(b: Buffer, bits: number): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** Parses "addr/prefix"; an address with host bits set is refused (it is usually a typo). */
export function parseCidr(text: string): Cidr | { error: string } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const family = m ? isIP(m[1]!) : 0;
  if (!m || (family !== 4 && family !== 6))
    return { error: `${text} is not an address block like 10.0.0.0/24 or fd00::/64` };
  const prefix = Number(m[2]);
  const max = family === 4 ? 32 : 128;
  if (prefix > max) return { error: `${text}: the prefix is longer than ${max}` };
  const bits = family === 4 ? 96 + prefix : prefix;
  const bytes = addressBytes(m[1]!)!;
  if (!masked(bytes, bits).equals(bytes))
    return { error: `${text}: host bits are set (did you mean ${canonicalNetwork(bytes, bits, family)}?)` };
  return { family, bytes, bits, text };
}

function canonicalNetwork(bytes: Buffer, bits: number, family: 4 | 6): string {
  const net = masked(bytes, bits);
  return family === 4 ? `${intToIpv4(net.readUInt32BE(12))}/${bits - 96}` : `${bytesToIpv6(net)}/${bits}`;
}

/** Parses a block the code itself names; throws on a typo. */
function block(text: string): Cidr {
  const c = parseCidr(text);
  if ('error' in c) throw new Error(c.error);
  return c;
}

/** The block of `prefix` bits (an IPv4 prefix for an IPv4 address) that holds `address`. */
export function networkOf(address: string, prefix: number): Cidr {
  const family = isIP(address) === 4 ? 4 : 6;
  const bits = family === 4 ? 96 + prefix : prefix;
  const bytes = masked(addressBytes(address) ?? Buffer.alloc(16), bits);
  return { family, bytes, bits, text: canonicalNetwork(bytes, bits, family) };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const b = addressBytes(ip);
  return b !== undefined && masked(b, cidr.bits).equals(cidr.bytes);
}

/** True when every address of `inner` is inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.bits >= outer.bits && masked(inner.bytes, outer.bits).equals(outer.bytes);
}

/** The lowest and highest address of an IPv4 block of /30 or wider: its network and broadcast addresses. */
export function ipv4Ends(cidr: Cidr): [string, string] | undefined {
  if (cidr.family !== 4 || cidr.bits > 96 + 30) return undefined;
  const lo = cidr.bytes.readUInt32BE(12);
  const hostBits = 128 - cidr.bits;
  const hi = (lo | (hostBits === 32 ? 0xffffffff : (1 << hostBits) - 1)) >>> 0;
  return [intToIpv4(lo), intToIpv4(hi)];
}

export type SpecialKind = 'unspecified' | 'loopback' | 'link-local' | 'multicast' | 'broadcast';

const SPECIAL: [SpecialKind, Cidr][] = [
  ['unspecified', block('0.0.0.0/8')],
  ['unspecified', block('::/128')],
  ['loopback', block('127.0.0.0/8')],
  ['loopback', block('::1/128')],
  ['link-local', block('169.254.0.0/16')],
  ['link-local', block('fe80::/10')],
  ['multicast', block('224.0.0.0/4')],
  ['multicast', block('ff00::/8')],
  ['broadcast', block('255.255.255.255/32')],
];

/** The special-purpose block an address falls into, if any. */
export function specialKind(ip: string): { kind: SpecialKind; block: Cidr } | undefined {
  for (const [kind, b] of SPECIAL) if (cidrContains(b, ip)) return { kind, block: b };
  return undefined;
}

// The authoritative data recon serves, as a pure function of the config and the node registry:
// the forward zone (config.domain: the master's names and one name per leased peer) and the reverse
// zones of the master's IPv4 subnet and IPv6 /64. `answer` resolves one question against it.
import type { ReconConfig } from '../../model/config/schema.js';
import type { NodeRecord } from '../../model/reducer.js';
import { ipv4ToInt, intToIpv4, ipv6ToBytes } from '../../shared/ip.js';
import { QCLASS, QTYPE, RCODE } from './query.js';

/** Leases are short (minutes), so answers must not be cached for long. */
export const RECORD_TTL = 60;
/** Negative answers (NXDOMAIN, NODATA) are cached this long (RFC 2308: the SOA minimum). */
export const NEGATIVE_TTL = 30;

interface RrBase {
  name: string;
  ttl: number;
}
/** Records in the field shapes dns2's encoder expects. */
export type ResourceRecord =
  | (RrBase & { type: typeof QTYPE.A | typeof QTYPE.AAAA; address: string })
  | (RrBase & { type: typeof QTYPE.PTR; domain: string })
  | (RrBase & { type: typeof QTYPE.NS; ns: string })
  | (RrBase & {
      type: typeof QTYPE.SOA;
      primary: string;
      admin: string;
      serial: number;
      refresh: number;
      retry: number;
      expiration: number;
      minimum: number;
    });

export interface Zone {
  /** the forward apex first, then the reverse apexes */
  apexes: string[];
  /** lower-case owner name → its records (owner names in the records are lower case too) */
  owners: Map<string, ResourceRecord[]>;
  /** names that own nothing but have names below them (empty non-terminals: NODATA, not NXDOMAIN) */
  interior: Set<string>;
}

export interface Answer {
  rcode: number;
  authoritative: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export type ZoneConfig = Pick<ReconConfig, 'domain' | 'names' | 'ipv4' | 'ipv6'>;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NODE_NAME = /^node-[0-9a-f]{12}$/;

export function nodeDefaultName(mac: string): string {
  return `node-${mac.replace(/:/g, '')}`;
}

export function reverseName4(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function reverseName6(ip: string): string {
  const hex = ipv6ToBytes(ip).toString('hex');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

/** The reverse zone apex of an IPv4 subnet: whole octets only (a /20 is served as its /16). */
function reverseApex4(address: string, prefix: number): string {
  const octets = Math.max(1, Math.floor(prefix / 8));
  const mask = (~0 << (32 - prefix)) >>> 0;
  const net = intToIpv4((ipv4ToInt(address) & mask) >>> 0).split('.');
  return `${net.slice(0, octets).reverse().join('.')}.in-addr.arpa`;
}

function reverseApex6(address: string, prefix: number): string {
  const nibbles = [...ipv6ToBytes(address).toString('hex')].slice(0, prefix / 4);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/** The name each leased node is published under: reservation name, else its DHCP host name, else node-<mac>. */
function chooseNames(config: ZoneConfig, nodes: LeaseHolder[]): Map<string, string> {
  const reserved = new Map(config.ipv4.reservations.map((r) => [r.mac, r.hostname?.toLowerCase()]));
  const taken = new Set(config.names.map((n) => n.toLowerCase()));
  const out = new Map<string, string>();
  for (const n of nodes) {
    const wanted = [reserved.get(n.mac), n.lease4?.hostname?.toLowerCase(), n.hostname?.toLowerCase()];
    const name = wanted.find((h) => h !== undefined && LABEL.test(h) && !NODE_NAME.test(h) && !taken.has(h));
    if (name) {
      taken.add(name);
      out.set(n.mac, name);
    }
  }
  return out;
}

/** A client with addresses from recon: a node, or a host (a lease holder that is no node). */
export type LeaseHolder = Pick<NodeRecord, 'mac' | 'lease4' | 'lease6' | 'hostname'>;

/** Builds the zone. `serial` must grow whenever the data changes (the store's event sequence does). */
export function buildZone(config: ZoneConfig, nodes: Record<string, LeaseHolder>, serial: number): Zone {
  const apex = config.domain.toLowerCase();
  const ns = `${config.names[0]!.toLowerCase()}.${apex}`;
  const v6 = config.ipv6.enabled;
  const apexes = [apex, reverseApex4(config.ipv4.address, config.ipv4.prefix)];
  if (v6) apexes.push(reverseApex6(config.ipv6.address, config.ipv6.prefix));
  const owners = new Map<string, ResourceRecord[]>();
  const add = (rr: ResourceRecord) => {
    const list = owners.get(rr.name);
    if (list) list.push(rr);
    else owners.set(rr.name, [rr]);
  };
  for (const a of apexes) {
    add({
      name: a,
      type: QTYPE.SOA,
      ttl: RECORD_TTL,
      primary: ns,
      admin: `hostmaster.${apex}`,
      serial: serial >>> 0,
      refresh: 3600,
      retry: 600,
      expiration: 86400,
      minimum: NEGATIVE_TTL,
    });
    add({ name: a, type: QTYPE.NS, ttl: RECORD_TTL, ns });
  }
  const host = (name: string, ip4?: string, ip6?: string) => {
    if (ip4) add({ name, type: QTYPE.A, ttl: RECORD_TTL, address: ip4 });
    if (ip6) add({ name, type: QTYPE.AAAA, ttl: RECORD_TTL, address: ip6 });
  };
  const ptr = (target: string, ip4?: string, ip6?: string) => {
    // first owner wins: a stale duplicate lease must not give an address two names
    if (ip4 && !owners.has(reverseName4(ip4)))
      add({ name: reverseName4(ip4), type: QTYPE.PTR, ttl: RECORD_TTL, domain: target });
    if (ip6 && !owners.has(reverseName6(ip6)))
      add({ name: reverseName6(ip6), type: QTYPE.PTR, ttl: RECORD_TTL, domain: target });
  };
  const master6 = v6 ? config.ipv6.address : undefined;
  for (const n of config.names) host(`${n.toLowerCase()}.${apex}`, config.ipv4.address, master6);
  ptr(ns, config.ipv4.address, master6);

  const leased = Object.values(nodes)
    .filter((n) => n.lease4 || (v6 && n.lease6))
    .sort((a, b) => a.mac.localeCompare(b.mac));
  const chosen = chooseNames(config, leased);
  for (const n of leased) {
    const ip4 = n.lease4?.ip;
    const ip6 = v6 ? n.lease6?.ip : undefined;
    const fallback = `${nodeDefaultName(n.mac)}.${apex}`;
    const name = chosen.get(n.mac);
    host(fallback, ip4, ip6);
    if (name) host(`${name}.${apex}`, ip4, ip6);
    ptr(name ? `${name}.${apex}` : fallback, ip4, ip6);
  }

  const interior = new Set<string>();
  for (const owner of owners.keys()) {
    const top = apexes.find((a) => owner.endsWith(`.${a}`));
    if (!top) continue;
    const labels = owner.split('.');
    for (let i = 1; i < labels.length - top.split('.').length; i++) {
      const parent = labels.slice(i).join('.');
      if (!owners.has(parent)) interior.add(parent);
    }
  }
  return { apexes, owners, interior };
}

function apexOf(zone: Zone, name: string): string | undefined {
  return zone.apexes.find((a) => name === a || name.endsWith(`.${a}`));
}

const empty = (rcode: number, authoritative: boolean): Answer => ({
  rcode,
  authoritative,
  answers: [],
  authorities: [],
  additionals: [],
});

/**
 * Resolves one question. Names inside the zones get authoritative answers (NXDOMAIN/NODATA with the SOA);
 * a bare host name (`bang`) is answered as if the domain were appended; anything else is REFUSED.
 */
export function answer(zone: Zone, qname: string, qtype: number, qclass: number): Answer {
  if (qclass !== QCLASS.IN && qclass !== QCLASS.ANY) return empty(RCODE.REFUSED, false);
  const asked = qname.toLowerCase();
  const forward = zone.apexes[0]!;
  let lookup = asked;
  let apex = apexOf(zone, asked);
  if (!apex && asked !== '' && !asked.includes('.') && zone.owners.has(`${asked}.${forward}`)) {
    lookup = `${asked}.${forward}`;
    apex = forward;
  }
  if (!apex) return empty(RCODE.REFUSED, false);
  // zone transfers and the like are not offered
  if (qtype === 251 || qtype === 252) return empty(RCODE.REFUSED, true);
  const soa = zone.owners.get(apex)!.filter((r) => r.type === QTYPE.SOA);
  const records = zone.owners.get(lookup);
  if (!records) {
    const out = empty(zone.interior.has(lookup) ? RCODE.NOERROR : RCODE.NXDOMAIN, true);
    out.authorities = soa;
    return out;
  }
  const out = empty(RCODE.NOERROR, true);
  // answers carry the name as asked (case and bare form kept), as resolvers expect
  out.answers = records
    .filter((r) => qtype === QTYPE.ANY || r.type === qtype)
    .map((r) => ({ ...r, name: qname }));
  if (out.answers.length === 0) out.authorities = soa;
  for (const r of out.answers) {
    if (r.type !== QTYPE.NS) continue;
    const glue = zone.owners.get(r.ns) ?? [];
    out.additionals.push(...glue.filter((g) => g.type === QTYPE.A || g.type === QTYPE.AAAA));
  }
  return out;
}

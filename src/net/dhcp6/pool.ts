// The DHCPv6 address pool: interface ids `ipv6.range` inside the master's /64, and the bindings
// (DUID + IAID → address) that the state store's lease6 records describe. This is an index over the
// store, rebuilt from it on start; it is changed only by the handler, in step with the events it emits.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Mac } from '../../model/events.js';
import type { NodeRecord } from '../../model/reducer.js';
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';

export interface Binding {
  duid: string;
  iaid: number;
  mac: Mac;
  ip: string;
  expiresAt: number;
}

/** How many candidate addresses one allocation looks at before it reports the pool as full. */
const MAX_PROBES = 65536;

function interfaceId(s: string): bigint {
  const full = isIP(s) === 6 ? s : `fd00${s}`;
  return ipv6ToBytes(full).readBigUInt64BE(8);
}

export class Dhcp6Pool {
  private readonly prefix: Buffer;
  private readonly lo: bigint;
  private readonly size: bigint;
  private readonly byKey = new Map<string, Binding>();
  private readonly byIp = new Map<string, Binding>();
  private readonly byMac = new Map<Mac, Set<Binding>>();
  private readonly quarantine = new Map<string, number>();

  constructor(masterAddress: string, range: readonly [string, string]) {
    this.prefix = ipv6ToBytes(masterAddress).subarray(0, 8);
    const a = interfaceId(range[0]);
    const b = interfaceId(range[1]);
    this.lo = a < b ? a : b;
    this.size = (a < b ? b - a : a - b) + 1n;
  }

  static key(duid: string, iaid: number): string {
    return `${duid}/${iaid}`;
  }

  /** Rebuilds the bindings from the nodes' lease6 records (leases of other prefixes are ignored). */
  restore(holders: Iterable<Pick<NodeRecord, 'mac' | 'lease6'>>): number {
    let n = 0;
    for (const node of holders) {
      const l = node.lease6;
      if (!l?.duid || l.iaid === undefined || !this.inRange(l.ip)) continue;
      this.bind({ duid: l.duid, iaid: l.iaid, mac: node.mac, ip: l.ip, expiresAt: Date.parse(l.expiresAt) });
      n++;
    }
    return n;
  }

  private address(offset: bigint): string {
    const b = Buffer.alloc(16);
    this.prefix.copy(b, 0);
    b.writeBigUInt64BE(this.lo + offset, 8);
    return bytesToIpv6(b);
  }

  /** True when `ip` is inside the master's /64 (on-link for this segment). */
  onLink(ip: string): boolean {
    if (isIP(ip) !== 6) return false;
    return ipv6ToBytes(ip).subarray(0, 8).equals(this.prefix);
  }

  inRange(ip: string): boolean {
    if (!this.onLink(ip)) return false;
    const off = ipv6ToBytes(ip).readBigUInt64BE(8) - this.lo;
    return off >= 0n && off < this.size;
  }

  binding(duid: string, iaid: number): Binding | undefined {
    return this.byKey.get(Dhcp6Pool.key(duid, iaid));
  }

  ownerOf(ip: string): Binding | undefined {
    return this.byIp.get(ip);
  }

  /** Whether `ip` may be given to this client now: in range, not quarantined, not someone else's live lease. */
  available(ip: string, duid: string, iaid: number, now: number): boolean {
    if (!this.inRange(ip)) return false;
    if ((this.quarantine.get(ip) ?? 0) > now) return false;
    const owner = this.byIp.get(ip);
    return !owner || owner.expiresAt <= now || (owner.duid === duid && owner.iaid === iaid);
  }

  /** Whether `ip` is free for this client, counting an earlier boot stage of the same MAC as the client. */
  availableTo(ip: string, duid: string, iaid: number, mac: Mac, now: number): boolean {
    if (this.available(ip, duid, iaid, now)) return true;
    const owner = this.byIp.get(ip);
    return (
      owner !== undefined && owner.mac === mac && owner.duid !== duid && (this.quarantine.get(ip) ?? 0) <= now
    );
  }

  /**
   * The address for this IA: its binding; else the address this MAC holds under another DUID (the same
   * machine one boot stage earlier: UEFI, then iPXE, then Linux each make their own DUID, and a node
   * should keep one address); else the hinted address if free; else a free one found by probing from a
   * hash of the DUID/IAID. Undefined when the pool is full.
   */
  choose(duid: string, iaid: number, mac: Mac, now: number, hint?: string): string | undefined {
    const mine = this.binding(duid, iaid);
    if (mine && this.available(mine.ip, duid, iaid, now)) return mine.ip;
    const earlier = [...(this.byMac.get(mac) ?? [])].find((b) => b.duid !== duid && b.expiresAt > now);
    if (earlier) return earlier.ip;
    if (hint && this.available(hint, duid, iaid, now)) return hint;
    const h = createHash('sha256').update(Dhcp6Pool.key(duid, iaid)).digest().readBigUInt64BE(0);
    const start = h % this.size;
    const probes = this.size < BigInt(MAX_PROBES) ? this.size : BigInt(MAX_PROBES);
    for (let i = 0n; i < probes; i++) {
      const ip = this.address((start + i) % this.size);
      if (this.available(ip, duid, iaid, now)) return ip;
    }
    return undefined;
  }

  /** Records a binding, replacing this IA's previous one and whatever binding held the same address. */
  bind(b: Binding): void {
    const old = this.byKey.get(Dhcp6Pool.key(b.duid, b.iaid));
    if (old) this.unbind(old);
    const other = this.byIp.get(b.ip);
    if (other) this.unbind(other);
    this.byKey.set(Dhcp6Pool.key(b.duid, b.iaid), b);
    this.byIp.set(b.ip, b);
    let set = this.byMac.get(b.mac);
    if (!set) this.byMac.set(b.mac, (set = new Set()));
    set.add(b);
  }

  unbind(b: Binding): void {
    if (this.byKey.get(Dhcp6Pool.key(b.duid, b.iaid)) === b) this.byKey.delete(Dhcp6Pool.key(b.duid, b.iaid));
    if (this.byIp.get(b.ip) === b) this.byIp.delete(b.ip);
    const set = this.byMac.get(b.mac);
    set?.delete(b);
    if (set?.size === 0) this.byMac.delete(b.mac);
  }

  /** Keeps a declined address out of the pool until `until` (ms). */
  quarantineAddress(ip: string, until: number): void {
    const owner = this.byIp.get(ip);
    if (owner) this.unbind(owner);
    this.quarantine.set(ip, until);
  }

  /** Removes and returns bindings whose lease ended before `now`. */
  expire(now: number): Binding[] {
    const gone = [...this.byKey.values()].filter((b) => b.expiresAt <= now);
    for (const b of gone) this.unbind(b);
    for (const [ip, until] of this.quarantine) if (until <= now) this.quarantine.delete(ip);
    return gone;
  }

  get bindingCount(): number {
    return this.byKey.size;
  }
}

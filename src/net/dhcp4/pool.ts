// The DHCPv4 address table: which address is offered, bound, declined or free, per MAC.
// Pure (time is passed in), so every allocation rule is table-tested. This is an index for fast
// decisions; the durable truth is the state store, from which the table is rebuilt on start.
import { intToIpv4, ipv4ToInt } from '../../shared/ip.js';

export type LeaseState = 'offered' | 'bound' | 'released' | 'expired' | 'declined';

export interface LeaseEntry {
  ip: number;
  mac: string;
  state: LeaseState;
  /** ms since epoch: end of the offer hold, the lease, or the quarantine */
  until: number;
  /** ms since epoch: until then this offer (to a booting peer) is not taken early for another client */
  keptUntil?: number;
}

export interface PoolOptions {
  /** first and last address of the dynamic range */
  range: [string, string];
  reservations: { mac: string; ip?: string }[];
  /** addresses never handed out (the master itself) */
  exclude: string[];
  /** how long an OFFER keeps its address away from other clients */
  offerHoldMs: number;
  /**
   * how long an offer to a booting peer is safe even from a flood that has used up the pool: long enough for
   * the peer's REQUEST, short enough that a flood of would-be boot clients cannot lock the pool
   */
  keepBootOfferMs: number;
}

export type BindCheck = 'ok' | 'not-ours' | 'taken' | 'reserved' | 'declined';

export class LeasePool {
  private readonly lo: number;
  private readonly hi: number;
  private readonly byIp = new Map<number, LeaseEntry>();
  private readonly byMac = new Map<string, LeaseEntry>();
  private readonly reservedFor = new Map<number, string>();
  private readonly reservationOf = new Map<string, number>();
  private readonly excluded: Set<number>;
  /** every address below this one has had an entry at some point; above it some may be fresh */
  private freshCursor: number;

  constructor(private readonly opts: PoolOptions) {
    this.lo = ipv4ToInt(opts.range[0]);
    this.hi = ipv4ToInt(opts.range[1]);
    this.freshCursor = this.lo;
    this.excluded = new Set(opts.exclude.map(ipv4ToInt));
    for (const r of opts.reservations) {
      if (!r.ip) continue;
      this.reservedFor.set(ipv4ToInt(r.ip), r.mac);
      this.reservationOf.set(r.mac, ipv4ToInt(r.ip));
    }
  }

  get size(): number {
    return this.byIp.size;
  }

  /** The entry currently tied to a MAC (any state), if any. */
  entryFor(mac: string): LeaseEntry | undefined {
    return this.byMac.get(mac);
  }

  entryAt(ip: string): LeaseEntry | undefined {
    return this.byIp.get(ipv4ToInt(ip));
  }

  /** Whether `ip` is an address this server hands out (range or a reservation). */
  manages(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return (n >= this.lo && n <= this.hi && !this.excluded.has(n)) || this.reservedFor.has(n);
  }

  /** Adds a lease read back from the state store (restart). */
  restore(mac: string, ip: string, expiresAt: number): void {
    this.put({ ip: ipv4ToInt(ip), mac, state: 'bound', until: expiresAt });
  }

  /**
   * The address to offer (RFC 2131 §4.3.1 order): the MAC's reservation, its current or previous
   * address, the address it asks for, a never-used address, then any reclaimable one.
   */
  choose(mac: string, requested: string | undefined, now: number): string | undefined {
    const reserved = this.reservationOf.get(mac);
    if (reserved !== undefined) return this.usableBy(reserved, mac, now) ? intToIpv4(reserved) : undefined;
    const own = this.byMac.get(mac);
    if (own && this.usableBy(own.ip, mac, now)) return intToIpv4(own.ip);
    if (requested !== undefined && this.manages(requested)) {
      const n = ipv4ToInt(requested);
      if (this.usableBy(n, mac, now)) return requested;
    }
    const fresh = this.nextFresh();
    if (fresh !== undefined) return intToIpv4(fresh);
    const reclaim = this.oldestReclaimable(now);
    return reclaim === undefined ? undefined : intToIpv4(reclaim);
  }

  /**
   * Holds `ip` for `mac` while the client decides. An offer to a booting peer (`bootPeer`) is not taken
   * for another client for keepBootOfferMs; other offers may be, once the pool has nothing else.
   */
  offer(mac: string, ip: string, now: number, bootPeer = false): void {
    const n = ipv4ToInt(ip);
    const cur = this.byIp.get(n);
    // re-offering a bound lease to its owner must not shorten it
    if (cur && cur.mac === mac && cur.state === 'bound' && cur.until > now) return;
    const kept = bootPeer ? { keptUntil: now + this.opts.keepBootOfferMs } : {};
    this.put({ ip: n, mac, state: 'offered', until: now + this.opts.offerHoldMs, ...kept });
  }

  /** Whether `mac` may be bound to `ip` now (REQUEST checks). */
  checkBind(mac: string, ip: string, now: number): BindCheck {
    if (!this.manages(ip)) return 'not-ours';
    const n = ipv4ToInt(ip);
    const reserved = this.reservationOf.get(mac);
    if (reserved !== undefined && reserved !== n) return 'reserved';
    const owner = this.reservedFor.get(n);
    if (owner !== undefined && owner !== mac) return 'reserved';
    const cur = this.byIp.get(n);
    if (!cur || cur.mac === mac) return cur?.state === 'declined' && cur.until > now ? 'declined' : 'ok';
    return this.reclaimable(cur, now) ? 'ok' : cur.state === 'declined' ? 'declined' : 'taken';
  }

  bind(mac: string, ip: string, expiresAt: number): void {
    this.put({ ip: ipv4ToInt(ip), mac, state: 'bound', until: expiresAt });
  }

  /** RELEASE: the address becomes free but stays remembered for this MAC. */
  release(mac: string, ip: string): boolean {
    const e = this.byIp.get(ipv4ToInt(ip));
    if (!e || e.mac !== mac || e.state !== 'bound') return false;
    e.state = 'released';
    return true;
  }

  /** DECLINE: someone else uses the address; keep it out of the pool until `until`. */
  decline(mac: string, ip: string, until: number): boolean {
    const e = this.byIp.get(ipv4ToInt(ip));
    if (!e || e.mac !== mac) return false;
    this.quarantine(ip, until);
    return true;
  }

  /** Keeps an address out of the pool until `until` (a DECLINE read back from the store). */
  quarantine(ip: string, until: number): void {
    const n = ipv4ToInt(ip);
    const prev = this.byIp.get(n);
    if (prev && this.byMac.get(prev.mac) === prev) this.byMac.delete(prev.mac);
    this.byIp.set(n, { ip: n, mac: prev?.mac ?? '', state: 'declined', until });
  }

  /** Marks bound leases past their end as expired and returns them (for `lease.expired` events). */
  expire(now: number): { mac: string; ip: string }[] {
    const out: { mac: string; ip: string }[] = [];
    for (const e of this.byIp.values()) {
      if (e.state === 'bound' && e.until <= now) {
        e.state = 'expired';
        out.push({ mac: e.mac, ip: intToIpv4(e.ip) });
      }
    }
    return out;
  }

  private put(e: LeaseEntry): void {
    const prevOfMac = this.byMac.get(e.mac);
    if (prevOfMac && prevOfMac.ip !== e.ip) this.forget(prevOfMac.ip);
    const prevAtIp = this.byIp.get(e.ip);
    if (prevAtIp && prevAtIp.mac !== e.mac && this.byMac.get(prevAtIp.mac) === prevAtIp)
      this.byMac.delete(prevAtIp.mac);
    this.byIp.set(e.ip, e);
    this.byMac.set(e.mac, e);
  }

  /** Drops an address's entry; the fresh cursor steps back so the address is found again. */
  private forget(n: number): void {
    this.byIp.delete(n);
    if (n >= this.lo && n < this.freshCursor) this.freshCursor = n;
  }

  private reclaimable(e: LeaseEntry, now: number): boolean {
    if (e.state === 'released' || e.state === 'expired') return true;
    return e.until <= now; // a stale offer, an ended quarantine, or a bound lease not yet swept
  }

  private usableBy(n: number, mac: string, now: number): boolean {
    if (this.excluded.has(n)) return false;
    const owner = this.reservedFor.get(n);
    if (owner !== undefined && owner !== mac) return false;
    const e = this.byIp.get(n);
    if (!e) return true;
    if (e.state === 'declined') return e.until <= now;
    return e.mac === mac || this.reclaimable(e, now);
  }

  private nextFresh(): number | undefined {
    // the cursor stops on the free address; offer() then gives it an entry and the next call moves on
    for (; this.freshCursor <= this.hi; this.freshCursor++) {
      const n = this.freshCursor;
      if (!this.byIp.has(n) && !this.excluded.has(n) && !this.reservedFor.has(n)) return n;
    }
    return undefined;
  }

  /**
   * Once every address has been used: the free one idle longest, else the oldest outstanding offer that
   * is not kept for a booting peer's REQUEST (an offer is not a promise; under a DISCOVER flood it must
   * neither lock the pool nor take the address a booting peer is about to ask for).
   */
  private oldestReclaimable(now: number): number | undefined {
    let best: LeaseEntry | undefined;
    let oldestOffer: LeaseEntry | undefined;
    for (const e of this.byIp.values()) {
      if (this.reservedFor.has(e.ip)) continue;
      if (this.reclaimable(e, now)) {
        if (!best || e.until < best.until) best = e;
      } else if (
        e.state === 'offered' &&
        !((e.keptUntil ?? 0) > now) &&
        (!oldestOffer || e.until < oldestOffer.until)
      )
        oldestOffer = e;
    }
    return (best ?? oldestOffer)?.ip;
  }
}

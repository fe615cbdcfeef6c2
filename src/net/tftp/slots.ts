// Who gets a TFTP transfer slot. A client (source address) holds at most `perClient` transfers and the
// server `total`; when a new request finds its client or the server full, the transfer that has gone
// longest without an acknowledged block — if that is at least `stalledMs` — makes room for it. So a
// client that sends RRQs and never acknowledges holds only its own few slots, and not for long once
// anyone else asks. Pure: the caller gives the time.

export interface SlotHolder {
  key: string;
  address: string;
  /** when the client last acknowledged progress (or the transfer began), monotonic ms */
  lastProgressAt: number;
}

export interface SlotLimits {
  total: number;
  perClient: number;
  stalledMs: number;
}

export type SlotDecision =
  | { kind: 'admit' }
  | { kind: 'evict'; key: string }
  | { kind: 'refuse'; full: 'client' | 'server' };

/** The most stalled of `holders`, if it has been stalled for at least `stalledMs`. */
function mostStalled(holders: SlotHolder[], now: number, stalledMs: number): SlotHolder | undefined {
  let worst: SlotHolder | undefined;
  for (const h of holders) if (!worst || h.lastProgressAt < worst.lastProgressAt) worst = h;
  return worst && now - worst.lastProgressAt >= stalledMs ? worst : undefined;
}

export function decideSlot(
  holders: readonly SlotHolder[],
  address: string,
  now: number,
  limits: SlotLimits,
): SlotDecision {
  const own = holders.filter((h) => h.address === address);
  if (own.length >= limits.perClient) {
    const victim = mostStalled(own, now, limits.stalledMs);
    return victim ? { kind: 'evict', key: victim.key } : { kind: 'refuse', full: 'client' };
  }
  if (holders.length >= limits.total) {
    const victim = mostStalled([...holders], now, limits.stalledMs);
    return victim ? { kind: 'evict', key: victim.key } : { kind: 'refuse', full: 'server' };
  }
  return { kind: 'admit' };
}

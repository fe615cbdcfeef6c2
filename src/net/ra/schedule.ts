// When to send the next Router Advertisement (RFC 4861 §6.2.4, §6.2.6), as a pure function of what
// has happened so far: the first few quickly, then at a random interval. A solicitation from an
// address is answered by unicast (§6.2.6 allows it; multicast answers would have to wait for
// MIN_DELAY_BETWEEN_RAS), at once or after the per-host gap; one from "::" brings the next multicast
// RA forward, but never closer than MIN_DELAY_BETWEEN_RAS to the previous one.

export interface RaTiming {
  /** MinRtrAdvInterval / MaxRtrAdvInterval, in ms */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** how many initial advertisements go out at initialIntervalMs */
  initialCount: number;
  initialIntervalMs: number;
  /** MIN_DELAY_BETWEEN_RAS (multicast), and the per-host limit for unicast answers */
  minGapMs: number;
  perHostGapMs: number;
}

/** Short intervals: recon's segment is isolated and iPXE should not wait long for its first RA. */
export const RA_TIMING: RaTiming = {
  minIntervalMs: 10_000,
  maxIntervalMs: 30_000,
  initialCount: 3,
  initialIntervalMs: 4_000,
  minGapMs: 3_000,
  perHostGapMs: 250,
};

/** The time of the next unsolicited advertisement after one sent at `sentAt` (the `sentCount`th). */
export function nextUnsolicited(
  sentAt: number,
  sentCount: number,
  t: RaTiming,
  random: () => number,
): number {
  const interval =
    sentCount < t.initialCount
      ? Math.min(t.initialIntervalMs, t.maxIntervalMs)
      : t.minIntervalMs + random() * (t.maxIntervalMs - t.minIntervalMs);
  return sentAt + interval;
}

/** When to answer a solicitation heard at `now`, given the last send (undefined: nothing sent yet). */
export function solicitedAt(now: number, lastSentAt: number | undefined, t: RaTiming): number {
  return lastSentAt === undefined ? now : Math.max(now, lastSentAt + t.minGapMs);
}

/**
 * When a solicitation from `source` heard at `now` gets its own unicast answer: at once, or once the
 * per-host gap since the last answer to that host has passed (a host's kernel and a tool on it often
 * solicit within a few milliseconds of each other; the second is answered a moment later, not left to
 * the next multicast). Undefined for the unspecified source, which only a multicast answer reaches.
 */
export function unicastAnswerAt(
  source: string,
  now: number,
  lastAnswered: ReadonlyMap<string, number>,
  t: RaTiming,
): number | undefined {
  if (source === '::') return undefined;
  const last = lastAnswered.get(source);
  return last === undefined ? now : Math.max(now, last + t.perHostGapMs);
}

/** Records a unicast answer sent to `source` at `now`; hosts not heard from for a while are forgotten. */
export function recordUnicastAnswer(
  source: string,
  now: number,
  lastAnswered: Map<string, number>,
  t: RaTiming,
): void {
  lastAnswered.set(source, now);
  if (lastAnswered.size > 1024)
    for (const [k, v] of lastAnswered) if (now - v > t.perHostGapMs) lastAnswered.delete(k);
}

// What one peer may cost the HTTP service: connections (per source address and in all, within the
// process's file budget), memory for request bodies in flight, upload starts per node, and the pace of
// an upload body. The counting is pure; readNofileLimit and cutSlowBody touch the process and a socket.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

/** Timeouts of the HTTP servers (ms). The long-poll of the peer API waits up to 30 s without a byte. */
export const HTTP_TIMEOUTS = {
  /** a new connection must have sent a request by then */
  firstRequestMs: 10_000,
  /** request headers complete */
  headersMs: 10_000,
  /** the whole request, body included (a 64 MiB raw archive needs ~110 KB/s) */
  requestMs: 600_000,
  /** a connection with a request in progress and no traffic either way */
  idleMs: 60_000,
  /** between requests on a kept-alive connection */
  keepAliveMs: 5_000,
  /** how often Node checks the header and request timeouts */
  checkEveryMs: 2_000,
} as const;

/**
 * File descriptors the master keeps for everything but HTTP and TFTP: the state store, logs, the control
 * socket and its clients, DHCP/DNS sockets, worker threads, libuv.
 */
export const FD_RESERVE = 128;

/**
 * How many HTTP connections fit the process's file limit: each may hold its socket and a file it sends;
 * each TFTP transfer holds a socket and a file; `FD_RESERVE` is for everything else. Pure.
 */
export function httpConnectionBudget(nofile: number, tftpTransfers: number): number {
  return Math.max(0, Math.floor((nofile - FD_RESERVE - 2 * tftpTransfers) / 2));
}

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits (undefined when unlimited or unreadable). */
export function readNofileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/**
 * Open connections per source address and in all, over every listening server. Loopback is counted in the
 * total only: the unprivileged lab puts every peer on 127.0.0.1, and nothing on the network comes from there.
 */
export class ConnectionGate {
  private readonly bySource = new Map<string, number>();
  private total = 0;

  constructor(
    readonly maxTotal: number,
    readonly maxPerSource: number,
  ) {}

  /** Counts the connection and says yes, or says why not (and counts nothing). */
  admit(address: string): 'ok' | 'source' | 'total' {
    if (this.total >= this.maxTotal) return 'total';
    const n = this.bySource.get(address) ?? 0;
    if (n >= this.maxPerSource && !isLoopback(address)) return 'source';
    this.bySource.set(address, n + 1);
    this.total++;
    return 'ok';
  }

  release(address: string): void {
    const n = this.bySource.get(address);
    if (n === undefined) return;
    if (n > 1) this.bySource.set(address, n - 1);
    else this.bySource.delete(address);
    this.total--;
  }

  get open(): number {
    return this.total;
  }
}

/** Bytes of request bodies held in memory at once, over all requests. */
export class BodyBudget {
  private used = 0;

  constructor(readonly bytes: number) {}

  /** Reserves `n` bytes; the returned function gives them back (once). Undefined when they do not fit. */
  reserve(n: number): (() => void) | undefined {
    if (this.used + n > this.bytes) return undefined;
    this.used += n;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= n;
    };
  }

  get inUse(): number {
    return this.used;
  }
}

/** Keys the rate limiter keeps at most; beyond, keys whose bucket is full again are forgotten first. */
const MAX_RATE_KEYS = 4096;

/**
 * A token bucket per key (a node's MAC): `burst` starts at once, then one per `60 / perMinute` s. Pure:
 * the caller gives the time.
 */
export class StartRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    readonly burst: number,
  ) {}

  private refilled(b: { tokens: number; at: number }, nowMs: number): number {
    return Math.min(this.burst, b.tokens + ((nowMs - b.at) / 60_000) * this.perMinute);
  }

  /** Takes one start for `key`: ok, or how many seconds until the next one. */
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const b = this.buckets.get(key);
    const tokens = b ? this.refilled(b, nowMs) : this.burst;
    if (tokens < 1) return { ok: false, retryAfterSeconds: Math.ceil(((1 - tokens) * 60) / this.perMinute) };
    if (!b && this.buckets.size >= MAX_RATE_KEYS) this.forgetFull(nowMs);
    this.buckets.set(key, { tokens: tokens - 1, at: nowMs });
    return { ok: true };
  }

  private forgetFull(nowMs: number): void {
    for (const [k, b] of this.buckets) if (this.refilled(b, nowMs) >= this.burst) this.buckets.delete(k);
    // all of them busy: the oldest entry goes (a Map keeps insertion order)
    if (this.buckets.size >= MAX_RATE_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * Cuts a request whose body arrives slower than `minBytesPerSecond`, measured over windows of
 * `windowMs` from the request's socket counters: a peer trickling a byte every few seconds holds neither
 * a connection nor the final power-down for long. Returns the function that stops the watch.
 */
export function cutSlowBody(
  req: IncomingMessage,
  minBytesPerSecond: number,
  windowMs: number,
  onCut: (bytesInWindow: number) => void,
): () => void {
  const socket = req.socket;
  let last = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete) return stop();
    const now = socket.bytesRead;
    const got = now - last;
    last = now;
    if (got < (minBytesPerSecond * windowMs) / 1000) {
      stop();
      onCut(got);
      req.destroy(new Error(`upload slower than ${minBytesPerSecond} bytes/s`));
    }
  }, windowMs);
  timer.unref();
  const stop = () => clearInterval(timer);
  return stop;
}

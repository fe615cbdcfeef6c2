// Uploads in flight on the master, so the final power-down never cuts one off.
// The peer API's upload handlers call `const done = beginUpload(mac)` when an inventory or raw upload
// starts and `done()` once it is durable on disk or has failed (in a `finally`). The power-down asks
// `inflight()` for who is still uploading and `waitIdle()` to wait for them with a countdown.
import type { Mac } from './events.js';

export class UploadRegistry {
  private readonly active = new Map<Mac, number>();
  private readonly idleWaiters = new Set<() => void>();

  /** Marks an upload from `mac` as started; the returned function ends it (calling it twice is harmless). */
  begin(mac: Mac): () => void {
    this.active.set(mac, (this.active.get(mac) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.active.get(mac) ?? 1) - 1;
      if (n > 0) this.active.set(mac, n);
      else this.active.delete(mac);
      if (this.active.size === 0) for (const w of [...this.idleWaiters]) w();
    };
  }

  /** The MACs with an upload in flight, sorted. */
  inflight(): Mac[] {
    return [...this.active.keys()].sort();
  }

  /**
   * Resolves with [] once nothing is in flight, or with the MACs still uploading after `ms`.
   * `tick` is called about once a second with the seconds left and who is still uploading.
   */
  waitIdle(ms: number, tick?: (secondsLeft: number, macs: Mac[]) => void): Promise<Mac[]> {
    if (this.active.size === 0) return Promise.resolve([]);
    const deadline = Date.now() + ms;
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.idleWaiters.delete(finish);
        resolve(this.inflight());
      };
      const timer = setTimeout(finish, ms);
      const ticker = setInterval(
        () => tick?.(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)), this.inflight()),
        1000,
      );
      this.idleWaiters.add(finish);
      tick?.(Math.ceil(ms / 1000), this.inflight());
    });
  }
}

/** The master's one registry (one master per process). */
export const uploads = new UploadRegistry();

export const beginUpload = (mac: Mac): (() => void) => uploads.begin(mac);
export const inflight = (): Mac[] => uploads.inflight();
export const waitIdle = (ms: number, tick?: (secondsLeft: number, macs: Mac[]) => void): Promise<Mac[]> =>
  uploads.waitIdle(ms, tick);

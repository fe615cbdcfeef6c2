// Uploads in flight on the master, so the final power-down knows whom it waits for and whom it cuts.
// The master makes one registry and hands it to the HTTP service and the power actions. The peer API's
// upload handlers call `const done = uploads.begin(mac, cut)` when an inventory or raw upload starts and
// `done()` once it is durable on disk or has failed (in a `finally`). The power-down asks `inflight()` who
// is still uploading, `waitIdle()` to wait for them with a countdown, and `discard()` once the wait is over.
import type { Mac } from './events.js';

/** Cuts an upload's body off; true when something was cut (false: the body was complete already). */
export type CutUpload = () => boolean;

interface Upload {
  mac: Mac;
  cut?: CutUpload;
}

export class UploadRegistry {
  private readonly active = new Set<Upload>();
  private readonly idleWaiters = new Set<() => void>();

  /** Marks an upload from `mac` as started; the returned function ends it (calling it twice is harmless). */
  begin(mac: Mac, cut?: CutUpload): () => void {
    const upload: Upload = { mac, cut };
    this.active.add(upload);
    return () => {
      if (!this.active.delete(upload)) return;
      if (this.active.size === 0) for (const w of [...this.idleWaiters]) w();
    };
  }

  /** The MACs with an upload in flight, sorted, each once. */
  inflight(): Mac[] {
    return [...new Set([...this.active].map((u) => u.mac))].sort();
  }

  /**
   * Cuts every upload whose body is still arriving; returns their MACs (sorted, each once). An upload
   * whose body is complete is being stored and ends by itself.
   */
  discard(): Mac[] {
    const cut = new Set<Mac>();
    for (const u of this.active) if (u.cut?.()) cut.add(u.mac);
    return [...cut].sort();
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

// Checking an uploaded inventory: parse, validate against the schema, summarize (with the master's
// health verdict). The largest document a peer may send (every list at its bound, ~3.3 MB) costs about
// 0.1 s of CPU for the three; done on the main thread, that is 0.1 s in which no DHCP, TFTP or console
// client is answered, for every such upload. So the work runs on one checker thread
// (inventory-thread.ts) and the main thread only copies the body over and gets a small summary back.
import type { Worker } from 'node:worker_threads';
import { boundedSummary } from '../../model/events.js';
import {
  summarizeInventory,
  validateInventory,
  type InventorySummary,
} from '../../shared/inventory/index.js';
import { startWorker } from '../threads.js';

export type InventoryCheck =
  | { ok: true; summary: InventorySummary }
  | { ok: false; status: 400 | 422; error: string; details?: string[] };

/** The whole check of one body, as the checker thread runs it. Pure. */
export function checkInventoryBody(body: Uint8Array): InventoryCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    return { ok: false, status: 400, error: `not valid JSON: ${(e as Error).message}` };
  }
  const checked = validateInventory(doc);
  if (!checked.ok)
    return { ok: false, status: 422, error: 'inventory does not match the schema', details: checked.errors };
  return { ok: true, summary: boundedSummary(summarizeInventory(checked.inventory)) };
}

export interface CheckJob {
  id: number;
  body: Uint8Array;
}
export interface CheckReply {
  id: number;
  result: InventoryCheck;
}

/** Far above the ~0.1 s the largest document takes: a thread this late is stuck, and is replaced. */
const CHECK_TIMEOUT_MS = 20_000;

interface Waiter {
  resolve: (r: InventoryCheck) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The main thread's side: one checker thread, started with the first upload, checking one body after
 * another (the body budget bounds how many wait). A thread that fails or hangs fails its waiting checks
 * and is replaced by the next upload.
 */
export class InventoryChecker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  check(body: Buffer): Promise<InventoryCheck> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<InventoryCheck>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(worker, new Error('inventory check timed out')),
        CHECK_TIMEOUT_MS,
      );
      this.waiting.set(id, { resolve, reject, timer });
      worker.postMessage({ id, body } satisfies CheckJob);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (w) this.fail(w, new Error('the HTTP service is stopping'));
    await w?.terminate();
  }

  private start(): Worker {
    const worker = startWorker(import.meta.url, 'inventory-thread', {});
    worker.on('message', (m: CheckReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      w.resolve(m.result);
    });
    worker.on('error', (e) => this.fail(worker, e));
    worker.on('exit', (code) => this.fail(worker, new Error(`inventory checker exited (${code})`)));
    // the HTTP service's sockets keep the process alive, not this thread
    worker.unref();
    return worker;
  }

  private fail(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiting.clear();
  }
}

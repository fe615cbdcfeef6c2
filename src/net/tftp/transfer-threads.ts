// The main thread's side of the TFTP transfer threads (transfer-thread.ts): one thread per CPU,
// started with the service; each new transfer goes to the least busy one. Starts, progress and ends
// come back as callbacks. A thread that dies ends its transfers as failed; the next transfer starts a
// new one in its place.
import { loadLibc } from '../libc.js';
import { eventfdWakeup, PolledThread, ThreadPool, type Wakeup } from '../threads.js';
import type { ResolvedFile } from './files.js';
import type { Negotiated } from './options.js';
import type { TransferEnd } from './transfer.js';
import type { ToTransferThread, TransferReport } from './transfer-thread.js';

export interface TransferRequest {
  /** the server's address: the transfer's socket is bound to it */
  local: string;
  client: { address: string; port: number };
  file: ResolvedFile;
  negotiated: Negotiated;
  retries: number;
}

export interface TransferCallbacks {
  /** the first DATA block went out (an EDK2 size probe never gets here) */
  onData(): void;
  onProgress(bytes: number): void;
  onEnd(end: TransferEnd): void;
}

/** Ends the transfer: the client gets an ERROR with the reason; onEnd follows. */
export type AbortTransfer = (reason: string) => void;

class TransferThread extends PolledThread<TransferCallbacks, ToTransferThread, TransferReport> {
  constructor(wakeup: Wakeup) {
    super({ besideUrl: import.meta.url, name: 'transfer-thread', label: 'transfer thread' }, wakeup);
  }

  start(req: TransferRequest, callbacks: TransferCallbacks): AbortTransfer {
    const id = this.track(callbacks);
    this.post({ type: 'add', id, ...req });
    return (reason) => {
      if (this.jobs.has(id)) this.post({ type: 'abort', id, reason });
    };
  }

  protected onReport(report: TransferReport): void {
    for (const id of report.data) this.jobs.get(id)?.onData();
    for (const [id, bytes] of report.progress) this.jobs.get(id)?.onProgress(bytes);
    for (const [id, end] of report.ended) this.untrack(id)?.onEnd(end);
  }

  protected ended(_id: number, job: TransferCallbacks, reason: string): void {
    job.onEnd({ ok: false, bytes: 0, ms: 0, reason });
  }
}

/** One thread per CPU: a send also runs the receiver's side of a local bridge on the sending CPU. */
let pool: ThreadPool<TransferThread> | undefined;

/** Starts the threads that are not running: the service does so when it starts, so no client waits for one. */
export async function startTransferThreads(): Promise<void> {
  if (!pool) {
    const wakeup = eventfdWakeup(await loadLibc());
    pool ??= new ThreadPool(() => new TransferThread(wakeup));
  }
  pool.fill();
}

/** Hands a transfer to the least busy thread. */
export function startTransfer(req: TransferRequest, callbacks: TransferCallbacks): AbortTransfer {
  if (!pool) throw new Error('TFTP transfer threads not started');
  return pool.idlest().start(req, callbacks);
}

// The main thread's side of the TFTP transfer threads (transfer-thread.ts): one thread per CPU,
// started with the service; each new transfer goes to the least busy one. Starts, progress and ends
// come back as callbacks. A thread that dies ends its transfers as failed; the next transfer starts a
// new one in its place.
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { loadLibc } from '../libc.js';
import { eventfdWakeup, startWorker, type Wakeup } from '../threads.js';
import type { ResolvedFile } from './files.js';
import type { Negotiated } from './options.js';
import type { TransferEnd } from './transfer.js';
import type { ToTransferThread, TransferReport, TransferThreadData } from './transfer-thread.js';

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

class TransferThread {
  private readonly pending = new Map<number, TransferCallbacks>();
  private readonly port: MessagePort;
  private nextId = 1;
  alive = true;

  constructor(
    private readonly wakeup: Wakeup,
    private readonly wakeFd: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: TransferThreadData = { port: port2, wakeFd };
    const worker = startWorker(import.meta.url, 'transfer-thread', {
      workerData: data,
      transferList: [port2],
    });
    port1.on('message', (report: TransferReport) => this.onReport(report));
    // neither keeps the process alive: the service's own socket does while it runs
    worker.unref();
    port1.unref();
    const die = (reason: string) => {
      if (!this.alive) return;
      this.alive = false;
      for (const cb of this.pending.values()) cb.onEnd({ ok: false, bytes: 0, ms: 0, reason });
      this.pending.clear();
      port1.close();
      wakeup.close(wakeFd);
    };
    worker.once('error', (err) => die(`transfer thread failed: ${err.message}`));
    worker.once('exit', () => die('transfer thread stopped'));
    // a poll in progress would hold up the process's exit until its timeout
    process.once('exit', () => this.wake());
  }

  get load(): number {
    return this.pending.size;
  }

  start(req: TransferRequest, callbacks: TransferCallbacks): AbortTransfer {
    const id = this.nextId++;
    this.pending.set(id, callbacks);
    this.post({ type: 'add', id, ...req });
    return (reason) => {
      if (this.pending.has(id)) this.post({ type: 'abort', id, reason });
    };
  }

  private post(msg: ToTransferThread): void {
    this.port.postMessage(msg);
    this.wake();
  }

  private wake(): void {
    // once closed, the eventfd's number may belong to another descriptor
    if (this.alive) this.wakeup.signal(this.wakeFd);
  }

  private onReport(report: TransferReport): void {
    for (const id of report.data) this.pending.get(id)?.onData();
    for (const [id, bytes] of report.progress) this.pending.get(id)?.onProgress(bytes);
    for (const [id, end] of report.ended) {
      const cb = this.pending.get(id);
      this.pending.delete(id);
      cb?.onEnd(end);
    }
  }
}

/** One thread per CPU: a send also runs the receiver's side of a local bridge on the sending CPU. */
const THREADS = availableParallelism();
const threads: (TransferThread | undefined)[] = new Array<undefined>(THREADS).fill(undefined);
let wakeup: Wakeup | undefined;

/** Starts the threads that are not running: the service does so when it starts, so no client waits for one. */
export async function startTransferThreads(): Promise<void> {
  wakeup ??= eventfdWakeup(await loadLibc());
  running();
}

function running(): TransferThread[] {
  const w = wakeup;
  if (!w) throw new Error('TFTP transfer threads not started');
  for (let i = 0; i < threads.length; i++) {
    if (threads[i]?.alive) continue;
    const fd = w.eventfd();
    if (fd < 0) throw new Error('eventfd failed');
    threads[i] = new TransferThread(w, fd);
  }
  return threads as TransferThread[];
}

/** Hands a transfer to the least busy thread. */
export function startTransfer(req: TransferRequest, callbacks: TransferCallbacks): AbortTransfer {
  const idlest = running().reduce((best, t) => (t.load < best.load ? t : best));
  return idlest.start(req, callbacks);
}

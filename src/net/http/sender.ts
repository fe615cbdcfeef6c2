// The main thread's side of the sender threads (sender-thread.ts): starts them with the first body,
// hands each body to the least busy one, passes progress on and settles a body when its thread
// reports its end. A thread that dies ends its bodies as failed; the next body starts a new one.
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { startWorker, type Wakeup } from '../threads.js';
import type { JobEnd, SenderReport, ToSender } from './send-jobs.js';
import type { SenderThreadData } from './sender-thread.js';

export interface SendRequest {
  /** a descriptor of the socket that stays open until the job ends (the thread writes to it) */
  socketFd: number;
  fileFd: number;
  offset: number;
  length: number;
}

export interface SendingBody {
  /** settles once the thread no longer uses the descriptors */
  ended: Promise<JobEnd>;
  /** asks the thread to stop (the client left); `ended` then settles as dropped */
  drop: () => void;
}

interface Pending {
  onSent: (bytes: number) => void;
  settle: (end: JobEnd) => void;
}

class SenderThread {
  private readonly pending = new Map<number, Pending>();
  private readonly port: MessagePort;
  private nextId = 1;
  alive = true;

  constructor(
    private readonly wakeup: Wakeup,
    private readonly wakeFd: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: SenderThreadData = { port: port2, wakeFd };
    const worker = startWorker(import.meta.url, 'sender-thread', { workerData: data, transferList: [port2] });
    port1.on('message', (report: SenderReport) => this.onReport(report));
    // neither keeps the process alive (bodies in flight hold their sockets, which do); after the
    // listener, which refs the port
    worker.unref();
    port1.unref();
    const die = () => {
      if (!this.alive) return;
      this.alive = false;
      for (const [id, p] of this.pending) p.settle({ id, outcome: 'failed', errno: -1 });
      this.pending.clear();
      port1.close();
      wakeup.close(wakeFd);
    };
    worker.once('error', die);
    worker.once('exit', die);
    // a poll in progress would hold up the process's exit until its timeout
    process.once('exit', () => this.wake());
  }

  get load(): number {
    return this.pending.size;
  }

  send(req: SendRequest, onSent: (bytes: number) => void): SendingBody {
    const id = this.nextId++;
    const ended = new Promise<JobEnd>((settle) => this.pending.set(id, { onSent, settle }));
    this.post({ type: 'add', id, ...req });
    return {
      ended,
      drop: () => {
        if (this.pending.has(id)) this.post({ type: 'drop', id });
      },
    };
  }

  private post(msg: ToSender): void {
    this.port.postMessage(msg);
    this.wake();
  }

  private wake(): void {
    // once closed, the eventfd's number may belong to another descriptor
    if (this.alive) this.wakeup.signal(this.wakeFd);
  }

  private onReport(report: SenderReport): void {
    for (const [id, bytes] of report.sent) this.pending.get(id)?.onSent(bytes);
    for (const end of report.ended) {
      const p = this.pending.get(end.id);
      this.pending.delete(end.id);
      p?.settle(end);
    }
  }
}

/**
 * One thread per CPU, as nginx runs one worker process per CPU: a sendfile call also does the TCP work
 * (and, on a local bridge, the receiver's too) on the calling thread, so one thread is one CPU's worth.
 */
const THREADS = availableParallelism();
const threads: (SenderThread | undefined)[] = new Array<undefined>(THREADS).fill(undefined);

/** Hands a body to the least busy sender thread; the first body starts them all. */
export function sendOnThread(wakeup: Wakeup, req: SendRequest, onSent: (bytes: number) => void): SendingBody {
  const running = threads.map((t) => {
    if (t?.alive) return t;
    const fd = wakeup.eventfd();
    if (fd < 0) throw new Error('eventfd failed');
    return new SenderThread(wakeup, fd);
  });
  threads.splice(0, running.length, ...running);
  const idlest = running.reduce((best, t) => (t.load < best.load ? t : best));
  return idlest.send(req, onSent);
}

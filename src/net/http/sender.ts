// The main thread's side of the sender threads (sender-thread.ts): starts them with the first body,
// hands each body to the least busy one, passes progress on and settles a body when its thread
// reports its end. A thread that dies ends its bodies as failed; the next body starts a new one.
import { PolledThread, ThreadPool, type Wakeup } from '../threads.js';
import type { JobEnd, SenderReport, ToSender } from './send-jobs.js';

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

class SenderThread extends PolledThread<Pending, ToSender, SenderReport> {
  constructor(wakeup: Wakeup) {
    super({ besideUrl: import.meta.url, name: 'sender-thread', label: 'sender thread' }, wakeup);
  }

  send(req: SendRequest, onSent: (bytes: number) => void): SendingBody {
    let settle!: (end: JobEnd) => void;
    const ended = new Promise<JobEnd>((resolve) => (settle = resolve));
    const id = this.track({ onSent, settle });
    this.post({ type: 'add', id, ...req });
    return {
      ended,
      drop: () => {
        if (this.jobs.has(id)) this.post({ type: 'drop', id });
      },
    };
  }

  protected onReport(report: SenderReport): void {
    for (const [id, bytes] of report.sent) this.jobs.get(id)?.onSent(bytes);
    for (const end of report.ended) this.untrack(end.id)?.settle(end);
  }

  protected ended(id: number, job: Pending): void {
    job.settle({ id, outcome: 'failed', errno: -1 });
  }
}

/**
 * One thread per CPU, as nginx runs one worker process per CPU: a sendfile call also does the TCP work
 * (and, on a local bridge, the receiver's too) on the calling thread, so one thread is one CPU's worth.
 */
let pool: ThreadPool<SenderThread> | undefined;

/** Hands a body to the least busy sender thread; the first body starts them all. */
export function sendOnThread(wakeup: Wakeup, req: SendRequest, onSent: (bytes: number) => void): SendingBody {
  pool ??= new ThreadPool(() => new SenderThread(wakeup));
  return pool.idlest().send(req, onSent);
}

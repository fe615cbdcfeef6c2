// The sender thread's bookkeeping, apart from its system calls: the bodies in flight, what a
// sendfile(2) result means for one of them, and the progress reports batched for the main thread.
// Also the messages between the two threads.
import { constants } from 'node:os';

const { EAGAIN, EINTR } = constants.errno;

/** Main thread → sender thread. */
export type ToSender =
  | {
      type: 'add';
      id: number;
      /** the sender's own duplicate of the socket's descriptor; closed by the main thread after `end` */
      socketFd: number;
      fileFd: number;
      offset: number;
      length: number;
    }
  | { type: 'drop'; id: number };

export type JobOutcome = 'done' | 'dropped' | 'failed';

export interface JobEnd {
  id: number;
  outcome: JobOutcome;
  /** errno of the failed call; 0 when the file ended early */
  errno?: number;
}

/** Sender thread → main thread: bytes sent per job since the last report, then the jobs that ended. */
export interface SenderReport {
  sent: [id: number, bytes: number][];
  ended: JobEnd[];
}

export interface SendJob {
  id: number;
  socketFd: number;
  fileFd: number;
  offset: number;
  remaining: number;
}

/** What one sendfile call's result means for the job that made it. */
export type SendStep =
  /** bytes went out; `full` when fewer than asked: the socket buffer is full, wait for POLLOUT */
  | { kind: 'sent'; bytes: number; full: boolean }
  /** the socket buffer is full: wait for POLLOUT */
  | { kind: 'wait' }
  /** interrupted: call again */
  | { kind: 'retry' }
  /** the socket is gone (the client left) or the file ended before the body */
  | { kind: 'failed'; errno: number };

export function classifySendfile(result: number, errno: number, asked: number): SendStep {
  if (result > 0) return { kind: 'sent', bytes: result, full: result < asked };
  // 0 bytes of a nonzero request: the file is shorter than the body promised
  if (result === 0) return { kind: 'failed', errno: 0 };
  if (errno === EAGAIN) return { kind: 'wait' };
  if (errno === EINTR) return { kind: 'retry' };
  return { kind: 'failed', errno };
}

/** The bodies the sender thread is sending, in arrival order (which is also the order it polls them). */
export class SendJobs {
  private readonly jobs = new Map<number, SendJob>();
  private sent = new Map<number, number>();
  private ended: JobEnd[] = [];

  get size(): number {
    return this.jobs.size;
  }

  list(): SendJob[] {
    return [...this.jobs.values()];
  }

  /** An empty body ends at once. */
  add(msg: Extract<ToSender, { type: 'add' }>): void {
    if (msg.length <= 0) {
      this.ended.push({ id: msg.id, outcome: 'done' });
      return;
    }
    this.jobs.set(msg.id, {
      id: msg.id,
      socketFd: msg.socketFd,
      fileFd: msg.fileFd,
      offset: msg.offset,
      remaining: msg.length,
    });
  }

  /** A drop for a job that already ended is ignored: its end is already on the way. */
  drop(id: number): void {
    if (this.jobs.delete(id)) this.ended.push({ id, outcome: 'dropped' });
  }

  /** Bytes to ask of the next call for the job, at most `slice`. */
  nextCount(id: number, slice: number): number {
    return Math.min(this.jobs.get(id)?.remaining ?? 0, slice);
  }

  /**
   * Applies one call's step to the job. Returns whether to call again now (more bytes left and the
   * socket not known to be full).
   */
  apply(id: number, step: SendStep): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    switch (step.kind) {
      case 'sent': {
        const bytes = Math.min(step.bytes, job.remaining);
        job.offset += bytes;
        job.remaining -= bytes;
        this.sent.set(id, (this.sent.get(id) ?? 0) + bytes);
        if (job.remaining === 0) {
          this.jobs.delete(id);
          this.ended.push({ id, outcome: 'done' });
          return false;
        }
        return !step.full;
      }
      case 'wait':
        return false;
      case 'retry':
        return true;
      case 'failed':
        this.jobs.delete(id);
        this.ended.push({ id, outcome: 'failed', errno: step.errno });
        return false;
    }
  }

  /** Whether a report is due: at once when a job ended, else once `interval` passed since the last. */
  reportDue(now: number, lastReport: number, interval: number): boolean {
    if (this.ended.length > 0) return true;
    return this.sent.size > 0 && now - lastReport >= interval;
  }

  /** Takes the progress and ends gathered since the last report. */
  takeReport(): SenderReport {
    const report: SenderReport = { sent: [...this.sent], ended: this.ended };
    this.sent = new Map();
    this.ended = [];
    return report;
  }
}

// What recon's polling threads (the HTTP sender threads) need on the main thread's side: starting the
// worker from source or from the build, the eventfd that wakes a thread blocked in poll(2) when a
// message is waiting for it, the jobs in flight on one thread, and a pool of one thread per CPU that
// hands each job to the least busy one and replaces a thread that died.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort, type WorkerOptions } from 'node:worker_threads';
import type { LinuxAbi } from './abi.js';
import type { Libc } from './libc.js';

export interface Wakeup {
  eventfd: () => number;
  /** makes the eventfd readable */
  signal: (fd: number) => void;
  close: (fd: number) => void;
}

/** What every polling thread is started with (its workerData). */
export interface PolledThreadData {
  port: MessagePort;
  /** eventfd the main thread writes to after each message */
  wakeFd: number;
}

export function eventfdWakeup(c: Libc, abi: LinuxAbi): Wakeup {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  return {
    // EFD_CLOEXEC and EFD_NONBLOCK are the O_ flags
    eventfd: () => c.eventfd(0, abi.O_CLOEXEC | abi.O_NONBLOCK),
    signal: (fd) => void c.write(fd, one, 8),
    close: (fd) => void c.close(fd),
  };
}

/**
 * Starts the worker module `name` (no extension) that sits beside the module at `besideUrl`. From the
 * build that is `name.js`; from source (TypeScript through tsx) worker-from-source.mjs registers tsx in
 * the worker and then loads `name.ts`.
 */
export function startWorker(besideUrl: string, name: string, options: WorkerOptions): Worker {
  if (!besideUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, besideUrl), options);
  const entry = new URL(`./${name}.ts`, besideUrl).href;
  return new Worker(new URL('./worker-from-source.mjs', import.meta.url), { ...options, argv: [entry] });
}

/** Where a thread's worker module is, and what its failures are called ("sender thread failed: …"). */
export interface ThreadModule {
  besideUrl: string;
  name: string;
  label: string;
}

/**
 * One polling thread: its worker, the channel to it and the jobs in flight on it (by id). A subclass
 * says what a report means and how a job ends when the thread dies.
 */
export abstract class PolledThread<Job, ToThread, Report> {
  protected readonly jobs = new Map<number, Job>();
  private readonly port: MessagePort;
  private readonly wakeFd: number;
  private nextId = 1;
  alive = true;

  constructor(
    module: ThreadModule,
    private readonly wakeup: Wakeup,
  ) {
    const wakeFd = wakeup.eventfd();
    if (wakeFd < 0) throw new Error('eventfd failed');
    this.wakeFd = wakeFd;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: PolledThreadData = { port: port2, wakeFd };
    const worker = startWorker(module.besideUrl, module.name, { workerData: data, transferList: [port2] });
    port1.on('message', (report: Report) => this.onReport(report));
    // neither keeps the process alive (what a job works on — its sockets — does); after the listener,
    // which refs the port
    worker.unref();
    port1.unref();
    const die = (reason: string) => {
      if (!this.alive) return;
      this.alive = false;
      for (const [id, job] of this.jobs) this.ended(id, job, reason);
      this.jobs.clear();
      port1.close();
      wakeup.close(wakeFd);
    };
    worker.once('error', (err) => die(`${module.label} failed: ${err.message}`));
    worker.once('exit', () => die(`${module.label} stopped`));
    // a wait in progress would hold up the process's exit until its timeout
    process.once('exit', () => this.wake());
  }

  get load(): number {
    return this.jobs.size;
  }

  /** Files the job under a new id. */
  protected track(job: Job): number {
    const id = this.nextId++;
    this.jobs.set(id, job);
    return id;
  }

  /** Removes the job and returns it (undefined if it has ended already). */
  protected untrack(id: number): Job | undefined {
    const job = this.jobs.get(id);
    this.jobs.delete(id);
    return job;
  }

  protected post(msg: ToThread): void {
    this.port.postMessage(msg);
    this.wake();
  }

  private wake(): void {
    // once closed, the eventfd's number may belong to another descriptor
    if (this.alive) this.wakeup.signal(this.wakeFd);
  }

  protected abstract onReport(report: Report): void;
  /** The thread died with `job` in flight. */
  protected abstract ended(id: number, job: Job, reason: string): void;
}

/** One thread per CPU, each started (or restarted after dying) when the pool is asked for one. */
export class ThreadPool<T extends { alive: boolean; load: number }> {
  private readonly threads: (T | undefined)[] = new Array<undefined>(availableParallelism()).fill(undefined);

  constructor(private readonly start: () => T) {}

  /** Starts the threads that are not running. */
  fill(): T[] {
    for (let i = 0; i < this.threads.length; i++) if (!this.threads[i]?.alive) this.threads[i] = this.start();
    return this.threads as T[];
  }

  /** The least busy thread (the first of equals). */
  idlest(): T {
    return this.fill().reduce((best, t) => (t.load < best.load ? t : best));
  }
}

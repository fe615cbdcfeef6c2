// What recon's polling threads (HTTP sender threads, TFTP transfer threads) share on the main thread's
// side: starting the worker from source or from the build, and the eventfd that wakes a thread blocked
// in poll(2) or epoll_wait(2) when a message is waiting for it.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Libc } from './libc.js';

export interface Wakeup {
  eventfd: () => number;
  /** makes the eventfd readable */
  signal: (fd: number) => void;
  close: (fd: number) => void;
}

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

export function eventfdWakeup(c: Libc): Wakeup {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  return {
    eventfd: () => c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
    signal: (fd) => void c.write(fd, one, 8),
    close: (fd) => void c.close(fd),
  };
}

/**
 * Starts the worker module `name` (no extension) that sits beside the module at `besideUrl`. From the
 * build that is `name.js`; from source (TypeScript through tsx) the worker does not inherit tsx's
 * loader hooks, so it registers them itself before loading `name.ts`.
 */
export function startWorker(besideUrl: string, name: string, options: WorkerOptions): Worker {
  if (!besideUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, besideUrl), options);
  const entry = new URL(`./${name}.ts`, besideUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

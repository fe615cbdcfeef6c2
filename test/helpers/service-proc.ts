// Starts one network service (a ServiceStarter export) in a child process inside a namespace of a
// NetnsRig, through service-runner.ts, and follows the events it records: tests wait for an event
// instead of sleeping. stop() sends SIGTERM and waits (the store is closed cleanly).
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import type { ReconEvent } from '../../src/model/events.js';
import type { NetnsRig } from './netns.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ServiceProc {
  proc: ChildProcess;
  events: ReconEvent[];
  stderr(): string;
  /** resolves with the first recorded event (old or new) matching `pred` */
  waitFor(pred: (ev: ReconEvent) => boolean, what: string, timeoutMs?: number): Promise<ReconEvent>;
  stop(): Promise<void>;
  alive(): boolean;
}

export async function startServiceIn(
  rig: NetnsRig,
  ns: string,
  opts: {
    module: string;
    exportName: string;
    config: ReconConfigInput;
    dir: string;
    flags?: string[];
    readyTimeoutMs?: number;
  },
): Promise<ServiceProc> {
  const configPath = join(opts.dir, `${opts.exportName}.json`);
  await writeFile(configPath, JSON.stringify(opts.config));
  const proc = rig.spawn(ns, [
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'test/helpers/service-runner.ts'),
    join(ROOT, opts.module),
    opts.exportName,
    configPath,
    ...(opts.flags ?? []),
  ]);
  const events: ReconEvent[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let buf = '';
  let ready = false;
  let exited = false;
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const obj = JSON.parse(line) as ReconEvent | { ready: string };
      if ('ready' in obj) ready = true;
      else events.push(obj);
      for (const w of waiters) w();
    }
  });
  proc.once('exit', () => {
    exited = true;
    for (const w of waiters) w();
  });

  const waitUntil = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolveP, reject) => {
      const done = (): boolean => {
        const v = check();
        if (v !== undefined) {
          finish();
          resolveP(v);
          return true;
        }
        if (exited) {
          finish();
          reject(new Error(`service exited while waiting for ${what}: ${err}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${err}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(listener);
      };
      const listener = () => void done();
      if (!done()) waiters.add(listener);
    });

  await waitUntil(() => (ready ? true : undefined), 'the service to start', opts.readyTimeoutMs ?? 20_000);
  return {
    proc,
    events,
    stderr: () => err,
    waitFor: (pred, what, timeoutMs = 20_000) => waitUntil(() => events.find(pred), what, timeoutMs),
    alive: () => !exited,
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      await waitUntil(() => (exited ? true : undefined), 'the service to stop', 15_000).catch(() =>
        proc.kill('SIGKILL'),
      );
    },
  };
}

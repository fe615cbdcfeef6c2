// Samples the master of a `recon lab` run while it goes: its pid is in the first event of its log (the lab
// prints its dir), then its peak RSS and CPU time from /proc, and the machine's 1-minute load average.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export interface LabSample {
  peakRssKb: number;
  /** user + system clock ticks of the master so far */
  cpuTicks: number;
  peakLoad: number;
}

/** `out` is the lab's output stream (kept in `log()`); `stop()` ends the sampling and gives the figures. */
export function sampleLab(everyMs = 250): { out: Writable; log: () => string; stop: () => LabSample } {
  let log = '';
  const out = new Writable({
    write(c: Buffer, _e, cb) {
      log += c.toString();
      cb();
    },
  });
  let pid: number | undefined;
  const s: LabSample = { peakRssKb: 0, cpuTicks: 0, peakLoad: 0 };
  const sampler = setInterval(() => {
    s.peakLoad = Math.max(s.peakLoad, loadavg()[0]!);
    try {
      if (pid === undefined) {
        const dir = /lab: (\S+) — network/.exec(log)?.[1];
        const evs = dir && join(dir, 'data', 'events.jsonl');
        if (evs && existsSync(evs))
          pid = (JSON.parse(readFileSync(evs, 'utf8').split('\n')[0] ?? '{}') as { data: { pid?: number } })
            .data.pid;
        return;
      }
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      s.peakRssKb = Math.max(s.peakRssKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      s.cpuTicks = Number(f[11]) + Number(f[12]);
    } catch {
      /* the master has exited */
    }
  }, everyMs);
  return {
    out,
    log: () => log,
    stop: () => {
      clearInterval(sampler);
      return { ...s };
    },
  };
}

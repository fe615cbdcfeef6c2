// Pure parsers for /proc/cpuinfo and /proc/meminfo.
import { clean, fail, guard, ok, requireComplete, sizeToBytes, type ParseResult } from './result.js';

export interface ProcCpu {
  model?: string;
  vendor?: string;
  threads: number;
  sockets?: number;
  cores?: number;
  mhz?: number;
  flags: string[];
}

function blocks(text: string): Map<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .filter((b) => b.trim())
    .map((b) => {
      const m = new Map<string, string>();
      for (const line of b.split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      return m;
    });
}

export function parseCpuinfo(text: string): ParseResult<ProcCpu> {
  return guard('cpuinfo', () => {
    const incomplete = requireComplete('cpuinfo', text);
    if (incomplete) return fail(incomplete);
    const cpus = blocks(text).filter((b) => b.has('processor'));
    const first = cpus[0];
    if (!first) return fail('cpuinfo: no "processor" entries');
    // physical id + core id pairs count cores even when SMT siblings are listed separately
    const sockets = new Set(cpus.map((c) => c.get('physical id')).filter((x) => x !== undefined));
    const cores = new Set(
      cpus.filter((c) => c.has('core id')).map((c) => `${c.get('physical id')}/${c.get('core id')}`),
    );
    const out: ProcCpu = {
      threads: cpus.length,
      flags: (first.get('flags') ?? first.get('Features') ?? '').split(/\s+/).filter(Boolean),
    };
    const model = clean(first.get('model name') ?? first.get('Model') ?? first.get('cpu model'));
    const vendor = clean(first.get('vendor_id') ?? first.get('CPU implementer'));
    const mhz = Number(first.get('cpu MHz'));
    if (model !== undefined) out.model = model;
    if (vendor !== undefined) out.vendor = vendor;
    if (sockets.size > 0) out.sockets = sockets.size;
    if (cores.size > 0) out.cores = cores.size;
    if (Number.isFinite(mhz) && mhz > 0) out.mhz = mhz;
    return ok(out);
  });
}

export function parseMeminfo(text: string): ParseResult<{ totalBytes: number }> {
  return guard('meminfo', () => {
    const incomplete = requireComplete('meminfo', text);
    if (incomplete) return fail(incomplete);
    const m = /^MemTotal:\s*(\d+\s*kB)$/m.exec(text);
    const total = sizeToBytes(m?.[1]);
    if (total === undefined) return fail('meminfo: no MemTotal line');
    return ok({ totalBytes: total });
  });
}

// Pure parser for `lscpu -J -C -B`: the CPU caches, one row per cache kind, sizes in bytes.
import type { CpuCache } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

/** `-B` prints whole bytes; anything else ("48 KiB", from a run without it) is not read as bytes. */
function bytes(v: unknown): number | undefined {
  const s = typeof v === 'number' ? String(v) : v;
  return typeof s === 'string' && /^\d+$/.test(s.trim()) ? Number(s) : undefined;
}

export function parseLscpuCaches(text: string): ParseResult<CpuCache[]> {
  return guard('lscpu -C', () => {
    const json = parseJson('lscpu -C', text);
    if (!json.ok) return json;
    const rows = isRecord(json.value) ? json.value.caches : undefined;
    if (!Array.isArray(rows)) return fail('lscpu -C: no "caches" array');
    const out: CpuCache[] = [];
    for (const r of rows) {
      const name = isRecord(r) ? clean(r.name) : undefined;
      if (!isRecord(r) || name === undefined) continue;
      const c: CpuCache = { name: name.slice(0, L.text) };
      const set = <K extends keyof CpuCache>(k: K, v: CpuCache[K] | undefined): void => {
        if (v !== undefined) c[k] = v;
      };
      set('level', toInt(r.level));
      set('type', clean(r.type)?.slice(0, L.text));
      set('sizeBytes', bytes(r['one-size']));
      set('totalBytes', bytes(r['all-size']));
      set('ways', toInt(r.ways));
      out.push(c);
    }
    return ok(out.slice(0, L.cpuCaches));
  });
}

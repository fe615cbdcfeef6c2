// Pure parser for the EDAC counters the collector reads from sysfs (run-tools.ts readEdac): a JSON object of
// "mc0" → { ce_noinfo_count, ue_noinfo_count } and "mc0/dimm3" → { dimm_label, dimm_ce_count, dimm_ue_count }.
import { INVENTORY_LIMITS } from '../../shared/inventory/limits.js';
import type { EdacCounter } from '../../shared/inventory/schema.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

/** Natural order, so mc0/dimm10 follows mc0/dimm9. */
const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export function parseEdac(text: string): ParseResult<EdacCounter[]> {
  return guard('edac', () => {
    const json = parseJson('edac', text);
    if (!json.ok) return json;
    if (!isRecord(json.value)) return fail('edac: not a JSON object');
    const out: EdacCounter[] = [];
    for (const name of Object.keys(json.value).sort(byName)) {
      const files = json.value[name];
      if (!isRecord(files) || !/^mc\d+(?:\/(?:dimm|rank)\d+)?$/.test(name)) continue;
      const dimm = name.includes('/');
      const ce = toInt(files[dimm ? 'dimm_ce_count' : 'ce_noinfo_count']);
      const ue = toInt(files[dimm ? 'dimm_ue_count' : 'ue_noinfo_count']);
      if (ce === undefined || ue === undefined) continue;
      const c: EdacCounter = { name, correctedErrors: ce, uncorrectedErrors: ue };
      const label = clean(files.dimm_label);
      if (label !== undefined) c.label = label.slice(0, INVENTORY_LIMITS.text);
      if (out.length < INVENTORY_LIMITS.edacCounters) out.push(c);
    }
    return ok(out);
  });
}

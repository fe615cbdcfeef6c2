// Pure parser for `lshw -json`: the fallback for identity and memory when SMBIOS (dmidecode) is unavailable.
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

export interface LshwData {
  vendor?: string;
  product?: string;
  serial?: string;
  uuid?: string;
  memoryBytes?: number;
}

function walk(node: Record<string, unknown>, visit: (n: Record<string, unknown>) => void): void {
  visit(node);
  for (const c of Array.isArray(node.children) ? node.children : []) if (isRecord(c)) walk(c, visit);
}

export function parseLshw(text: string): ParseResult<LshwData> {
  return guard('lshw', () => {
    const json = parseJson('lshw', text);
    if (!json.ok) return json;
    // lshw prints one object, or (some versions) an array holding it
    const root = Array.isArray(json.value) ? (json.value[0] as unknown) : json.value;
    if (!isRecord(root) || root.class !== 'system') return fail('lshw: no "system" root node');
    const out: LshwData = {};
    const set = (k: 'vendor' | 'product' | 'serial' | 'uuid', v: unknown): void => {
      const c = clean(v);
      if (c !== undefined) out[k] = c;
    };
    set('vendor', root.vendor);
    set('product', root.product);
    set('serial', root.serial);
    if (isRecord(root.configuration)) set('uuid', root.configuration.uuid);
    walk(root, (n) => {
      if (out.memoryBytes === undefined && n.class === 'memory' && n.id === 'memory') {
        const size = toInt(n.size);
        if (size !== undefined && size > 0) out.memoryBytes = size;
      }
    });
    return ok(out);
  });
}

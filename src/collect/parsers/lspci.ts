// Pure parser for `lspci -vmmnnk`: one record per device, "Key:\tName [hex id]" lines, blank line between records.
import type { PciDevice } from '../../shared/inventory/schema.js';
import { fail, guard, ok, requireComplete, type ParseResult } from './result.js';

function nameAndId(v: string | undefined): { name?: string; id?: string } {
  if (v === undefined) return {};
  const m = /^(.*?)\s*\[([0-9a-f]{4})\]$/i.exec(v.trim());
  return m ? { name: m[1] || undefined, id: m[2]?.toLowerCase() } : { name: v.trim() || undefined };
}

export function parseLspci(text: string): ParseResult<PciDevice[]> {
  return guard('lspci', () => {
    const incomplete = requireComplete('lspci', text);
    if (incomplete) return fail(incomplete);
    const out: PciDevice[] = [];
    for (const block of text.split(/\n\s*\n/)) {
      if (!block.trim()) continue;
      const props = new Map<string, string>();
      const modules: string[] = [];
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z]+):\s*(.*)$/.exec(line);
        if (!m?.[1]) continue;
        if (m[1] === 'Module') modules.push(m[2] ?? '');
        else if (!props.has(m[1])) props.set(m[1], m[2] ?? '');
      }
      const slot = props.get('Slot');
      if (!slot || !props.has('Class') || !props.has('Vendor') || !props.has('Device'))
        return fail(`lspci: incomplete record ${JSON.stringify(block.slice(0, 60))}`);
      const cls = nameAndId(props.get('Class'));
      const vendor = nameAndId(props.get('Vendor'));
      const device = nameAndId(props.get('Device'));
      const dev: PciDevice = { slot, modules };
      const set = <K extends keyof PciDevice>(k: K, v: PciDevice[K] | undefined): void => {
        if (v !== undefined) dev[k] = v;
      };
      set('className', cls.name);
      set('classId', cls.id);
      set('vendor', vendor.name);
      set('vendorId', vendor.id);
      set('device', device.name);
      set('deviceId', device.id);
      set('subVendor', nameAndId(props.get('SVendor')).name);
      set('subDevice', nameAndId(props.get('SDevice')).name);
      set('revision', props.get('Rev'));
      set('driver', props.get('Driver'));
      out.push(dev);
    }
    if (out.length === 0) return fail('lspci: no devices in output');
    return ok(out);
  });
}

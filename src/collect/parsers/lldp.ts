// Pure parser for `lldpctl -f json` and `-f json0`. The first gives single values and objects keyed by name,
// the second wraps everything in arrays and {value} objects; both are read by unwrapping as we go.
import type { LldpNeighbor } from '../../shared/inventory/schema.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

/** [x] → x, {value: x} → x */
function one(v: unknown): unknown {
  const u: unknown = Array.isArray(v) ? (v[0] as unknown) : v;
  return isRecord(u) && 'value' in u && Object.keys(u).every((k) => k === 'value' || k === 'type')
    ? u.value
    : u;
}

function all(v: unknown): unknown[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(one);
}

/** json: {"eth0": {...}} or [{"eth0": {...}}] · json0: [{"name": "eth0", ...}] */
function interfaces(v: unknown): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const item of Array.isArray(v) ? v : [v]) {
    if (!isRecord(item)) continue;
    if (typeof item.name === 'string') out.push([item.name, item]);
    else for (const [k, x] of Object.entries(item)) if (isRecord(x)) out.push([k, x]);
  }
  return out;
}

function neighbor(iface: Record<string, unknown>): LldpNeighbor {
  const n: LldpNeighbor = { vlans: [], mgmtIp: [] };
  let chassis = one(iface.chassis);
  let systemName: string | undefined;
  if (isRecord(chassis) && !('id' in chassis) && !('name' in chassis)) {
    // json form: the chassis object is keyed by the system name
    const [name, inner] = Object.entries(chassis)[0] ?? [];
    systemName = name;
    chassis = inner;
  }
  if (isRecord(chassis)) {
    const id = one(chassis.id);
    const set = (k: 'chassisId' | 'systemName' | 'systemDescription', v: unknown): void => {
      const c = clean(v);
      if (c !== undefined) n[k] = c;
    };
    set('chassisId', isRecord(id) ? one(id.value) : id);
    set('systemName', one(chassis.name) ?? systemName);
    set('systemDescription', one(chassis.descr));
    for (const ip of all(chassis['mgmt-ip'])) if (typeof ip === 'string') n.mgmtIp.push(ip);
  }
  const port = one(iface.port);
  if (isRecord(port)) {
    const id = one(port.id);
    const pid = clean(isRecord(id) ? one(id.value) : id);
    const descr = clean(one(port.descr));
    if (pid !== undefined) n.portId = pid;
    if (descr !== undefined) n.portDescription = descr;
  }
  for (const v of Array.isArray(iface.vlan) ? iface.vlan : iface.vlan === undefined ? [] : [iface.vlan]) {
    const id = isRecord(v) ? toInt(v['vlan-id']) : undefined;
    if (id !== undefined && id <= 4095 && !n.vlans.includes(id)) n.vlans.push(id);
  }
  return n;
}

/** Interface name → the first LLDP neighbour heard on it. No neighbours at all is valid (empty map). */
export function parseLldpctl(text: string): ParseResult<Map<string, LldpNeighbor>> {
  return guard('lldpctl', () => {
    const json = parseJson('lldpctl', text);
    if (!json.ok) return json;
    if (!isRecord(json.value) || !('lldp' in json.value)) return fail('lldpctl: no "lldp" key');
    const lldp = one(json.value.lldp);
    const out = new Map<string, LldpNeighbor>();
    if (!isRecord(lldp)) return ok(out);
    for (const [name, iface] of interfaces(lldp.interface))
      if (!out.has(name)) out.set(name, neighbor(iface));
    return ok(out);
  });
}

// Pure parsers for `ipmitool lan print`, `ipmitool mc info` and `ipmitool fru` ("Key   : value" text), and for
// the health sources: `sdr info`, `sel elist` and `sdr elist` ("a | b | c" columns).
import { INVENTORY_LIMITS } from '../../shared/inventory/limits.js';
import type { SelEntry, SensorReading } from '../../shared/inventory/schema.js';
import { normalizeMac } from '../../shared/peer.js';
import { clean, fail, guard, keyValues, ok, requireComplete, toInt, type ParseResult } from './result.js';

export interface BmcLan {
  ipv4?: string;
  ipv4Source?: string;
  netmask?: string;
  gateway?: string;
  mac?: string;
}

export interface BmcMc {
  firmware?: string;
  ipmiVersion?: string;
  manufacturer?: string;
  product?: string;
}

/** An unconfigured BMC reports 0.0.0.0 / 00:00:00:00:00:00: not an address. */
function addr(v: string | undefined): string | undefined {
  const c = clean(v);
  return c === undefined || c === '0.0.0.0' ? undefined : c;
}

export function parseIpmiLan(text: string): ParseResult<BmcLan> {
  return guard('ipmitool lan print', () => {
    const incomplete = requireComplete('ipmitool lan print', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('IP Address') || !kv.has('MAC Address'))
      return fail('ipmitool lan print: no IP/MAC Address lines');
    const out: BmcLan = {};
    const ip = addr(kv.get('IP Address'));
    const src = clean(kv.get('IP Address Source'));
    const mask = addr(kv.get('Subnet Mask'));
    const gw = addr(kv.get('Default Gateway IP'));
    const mac = normalizeMac(kv.get('MAC Address') ?? '');
    if (ip !== undefined) out.ipv4 = ip;
    if (src !== undefined) out.ipv4Source = src;
    if (mask !== undefined) out.netmask = mask;
    if (gw !== undefined) out.gateway = gw;
    if (mac !== undefined && mac !== '00:00:00:00:00:00') out.mac = mac;
    return ok(out);
  });
}

export function parseIpmiMc(text: string): ParseResult<BmcMc> {
  return guard('ipmitool mc info', () => {
    const incomplete = requireComplete('ipmitool mc info', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('Firmware Revision') || !kv.has('IPMI Version'))
      return fail('ipmitool mc info: no firmware/IPMI version');
    const out: BmcMc = {};
    const set = (k: keyof BmcMc, v: string | undefined): void => {
      const c = clean(v);
      if (c !== undefined) out[k] = c;
    };
    set('firmware', kv.get('Firmware Revision'));
    set('ipmiVersion', kv.get('IPMI Version'));
    set('manufacturer', kv.get('Manufacturer Name'));
    const product = kv.get('Product Name');
    if (product && !/^Unknown/.test(product)) set('product', product);
    return ok(out);
  });
}

/**
 * FRU: board/product identity from the builtin FRU device, as `fru print 0` (fields only) or `fru` (under a
 * "FRU Device Description" heading) print it; a BMC without FRU data is valid (empty).
 */
export function parseIpmiFru(
  text: string,
): ParseResult<{ product?: string; serial?: string; vendor?: string }> {
  return guard('ipmitool fru', () => {
    const incomplete = requireComplete('ipmitool fru', text);
    if (incomplete) return fail(incomplete);
    if (!/FRU Device Description|^ *(Chassis|Board|Product) [A-Z][A-Za-z ]* *: /m.test(text))
      return fail('ipmitool fru: no FRU device or field in output');
    const kv = keyValues(text);
    const out: { product?: string; serial?: string; vendor?: string } = {};
    const product = clean(kv.get('Product Name') ?? kv.get('Board Product'));
    const serial = clean(kv.get('Product Serial') ?? kv.get('Board Serial'));
    const vendor = clean(kv.get('Product Manufacturer') ?? kv.get('Board Mfg'));
    if (product !== undefined) out.product = product;
    if (serial !== undefined) out.serial = serial;
    if (vendor !== undefined) out.vendor = vendor;
    return ok(out);
  });
}

/**
 * `ipmitool sdr info`: how many records the SDR repository holds. Listing sensors or naming SEL entries
 * walks the repository, and ipmitool erases and rebuilds an empty one on the BMC while doing so (a write):
 * the collector lists them only when this says the repository has records.
 */
export function parseIpmiSdrInfo(text: string): ParseResult<{ records: number }> {
  return guard('ipmitool sdr info', () => {
    const incomplete = requireComplete('ipmitool sdr info', text);
    if (incomplete) return fail(incomplete);
    const records = toInt(keyValues(text).get('Record Count'));
    return records === undefined ? fail('ipmitool sdr info: no Record Count') : ok({ records });
  });
}

/** IPMI sensor type names (IPMI 2.0 table 42-3) as ipmitool prints them before the sensor's name or number. */
const SENSOR_TYPES = [
  'Temperature',
  'Voltage',
  'Current',
  'Fan',
  'Physical Security',
  'Platform Security',
  'Processor',
  'Power Supply',
  'Power Unit',
  'Cooling Device',
  'Other',
  'Memory',
  'Drive Slot / Bay',
  'POST Memory Resize',
  'System Firmwares',
  'Event Logging Disabled',
  'Watchdog1',
  'System Event',
  'Critical Interrupt',
  'Button',
  'Module / Board',
  'Microcontroller',
  'Add-in Card',
  'Chassis',
  'Chip Set',
  'Other FRU',
  'Cable / Interconnect',
  'Terminator',
  'System Boot Initiated',
  'Boot Error',
  'OS Boot',
  'OS Critical Stop',
  'Slot / Connector',
  'System ACPI Power State',
  'Watchdog2',
  'Platform Alert',
  'Entity Presence',
  'Monitor ASIC',
  'LAN',
  'Management Subsys Health',
  'Battery',
  'Session Audit',
  'Version Change',
  'FRU State',
].sort((a, b) => b.length - a.length); // longest first: "Other FRU" before "Other"

function sensorTypeOf(sensor: string): string | undefined {
  return SENSOR_TYPES.find((t) => sensor === t || sensor.startsWith(`${t} `));
}

const cap = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

export interface SelLog {
  total: number;
  entries: SelEntry[];
}

/**
 * `ipmitool sel elist` / `sel list`: "id | date | time | sensor | event | direction [| detail]", or
 * "id | Pre-Init | seconds | ..." for entries logged before the BMC's clock was set. Empty output is an
 * empty SEL (ipmitool says "SEL has no entries" on stderr). Past `limit` entries the newest are kept, those
 * of the sensor types `keepFirst` accepts first.
 */
export function parseIpmiSel(
  text: string,
  limit: number = INVENTORY_LIMITS.selEntries,
  keepFirst: (sensorType: string | undefined) => boolean = () => false,
): ParseResult<SelLog> {
  return guard('ipmitool sel', () => {
    if (text.trim() === '') return ok({ total: 0, entries: [] });
    const incomplete = requireComplete('ipmitool sel', text);
    if (incomplete) return fail(incomplete);
    const all: SelEntry[] = [];
    for (const line of text.split('\n')) {
      const cols = line.split('|').map((c) => c.trim());
      if (cols.length < 5) continue;
      const [id = '', date = '', time = '', sensor = '', event = '', direction, ...detail] = cols;
      if (!/^[0-9a-f]+$/i.test(id) || sensor === '') continue;
      const e: SelEntry = {
        id: cap(id, INVENTORY_LIMITS.text),
        time: cap(`${date} ${time}`.trim(), INVENTORY_LIMITS.text),
        sensor: cap(sensor, INVENTORY_LIMITS.text),
        event: cap([event, ...detail].filter(Boolean).join('; '), INVENTORY_LIMITS.longText),
      };
      const type = sensorTypeOf(sensor);
      if (type !== undefined) e.sensorType = type;
      if (direction === 'Asserted') e.asserted = true;
      else if (direction === 'Deasserted') e.asserted = false;
      all.push(e);
    }
    if (all.length === 0) return fail('ipmitool sel: no entry lines');
    if (all.length <= limit) return ok({ total: all.length, entries: all });
    const first = all.filter((e) => keepFirst(e.sensorType)).slice(-limit);
    const room = limit - first.length;
    const rest = room > 0 ? all.filter((e) => !keepFirst(e.sensorType)).slice(-room) : [];
    const kept = new Set([...first, ...rest]);
    return ok({ total: all.length, entries: all.filter((e) => kept.has(e)) });
  });
}

/**
 * `ipmitool sdr elist`: "name | id | status | entity | reading". A threshold sensor's reading is a number and
 * a unit; a discrete sensor's is its asserted states in words; "No Reading" / "Disabled" is no reading.
 */
export function parseIpmiSdr(
  text: string,
  limit: number = INVENTORY_LIMITS.sensors,
): ParseResult<SensorReading[]> {
  return guard('ipmitool sdr elist', () => {
    const incomplete = requireComplete('ipmitool sdr elist', text);
    if (incomplete) return fail(incomplete);
    const out: SensorReading[] = [];
    for (const line of text.split('\n')) {
      const cols = line.split('|').map((c) => c.trim());
      if (cols.length < 5) continue;
      const [name = '', , status = '', entity = '', value = ''] = cols;
      if (name === '' || !/^[a-z]{1,3}$/.test(status)) continue;
      const s: SensorReading = { name: cap(name, INVENTORY_LIMITS.text), status };
      if (entity !== '') s.entity = cap(entity, INVENTORY_LIMITS.text);
      const m = /^(-?\d+(?:\.\d+)?)(?:\s+(.+))?$/.exec(value);
      if (m?.[1] !== undefined) {
        s.reading = Number(m[1]);
        if (m[2] !== undefined) s.unit = cap(m[2], INVENTORY_LIMITS.text);
      } else if (value !== '' && !/^(?:no reading|disabled|not readable)$/i.test(value))
        s.state = cap(value, INVENTORY_LIMITS.text);
      if (out.length < limit) out.push(s);
    }
    if (out.length === 0) return fail('ipmitool sdr elist: no sensor lines');
    return ok(out);
  });
}

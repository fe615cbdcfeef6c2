// Pure parser for `dmidecode` text output (SMBIOS): BIOS (0), system (1), baseboard (2), chassis (3),
// processors (4), memory arrays (16) and devices (17), IPMI device (38).
import type { Dimm } from '../../shared/inventory/schema.js';
import { clean, fail, guard, ok, requireComplete, sizeToBytes, toInt, type ParseResult } from './result.js';

interface DmiRecord {
  type: number;
  props: Map<string, string>;
}

export interface DmiProcessor {
  socket: string;
  populated: boolean;
  model?: string;
  vendor?: string;
  cores?: number;
  threads?: number;
  maxMhz?: number;
}

/** A memory device as dmidecode lists it: the inventory's DIMM record. */
export type DmiDimm = Dimm;

export interface DmiData {
  bios: { vendor?: string; version?: string; date?: string; uefiSupported: boolean };
  system: {
    vendor?: string;
    product?: string;
    version?: string;
    serial?: string;
    uuid?: string;
    sku?: string;
    family?: string;
  };
  baseboard: { vendor?: string; product?: string; version?: string; serial?: string };
  chassis: { vendor?: string; type?: string; serial?: string; assetTag?: string; heightU?: number };
  processors: DmiProcessor[];
  memorySlots?: number;
  dimms: DmiDimm[];
  /** installed modules only */
  ipmi?: { interfaceType?: string; version?: string };
}

function records(text: string): DmiRecord[] {
  const out: DmiRecord[] = [];
  for (const block of text.split(/\n(?=Handle 0x)/)) {
    const lines = block.split('\n');
    const m = /^Handle 0x[0-9A-Fa-f]+, DMI type (\d+),/.exec(lines[0] ?? '');
    if (!m?.[1]) continue;
    const props = new Map<string, string>();
    for (const line of lines.slice(2)) {
      const kv = /^\t([^\t:][^:]*):\s?(.*)$/.exec(line); // one tab: a property; two tabs: a list item (ignored)
      if (kv?.[1] && !props.has(kv[1])) props.set(kv[1], kv[2] ?? '');
    }
    out.push({ type: Number(m[1]), props });
  }
  return out;
}

function mts(v: string | undefined): number | undefined {
  return /MT\/s|MHz/.test(v ?? '') ? toInt(v) : undefined;
}

function dimm(p: Map<string, string>): DmiDimm | undefined {
  const size = p.get('Size') ?? '';
  if (/no module installed|not installed/i.test(size) || toInt(size) === 0) return undefined;
  const d: DmiDimm = { slot: clean(p.get('Locator')) ?? 'unknown' };
  const set = <K extends keyof DmiDimm>(k: K, v: DmiDimm[K] | undefined): void => {
    if (v !== undefined) d[k] = v;
  };
  set('bank', clean(p.get('Bank Locator')));
  set('sizeBytes', sizeToBytes(size));
  set('type', clean(p.get('Type')));
  set('formFactor', clean(p.get('Form Factor')));
  set('speedMTs', mts(p.get('Speed')));
  set('configuredSpeedMTs', mts(p.get('Configured Memory Speed') ?? p.get('Configured Clock Speed')));
  set('vendor', clean(p.get('Manufacturer')));
  set('part', clean(p.get('Part Number')));
  set('serial', clean(p.get('Serial Number')));
  return d;
}

export function parseDmidecode(text: string): ParseResult<DmiData> {
  return guard('dmidecode', () => {
    const incomplete = requireComplete('dmidecode', text);
    if (incomplete) return fail(incomplete);
    const recs = records(text);
    if (recs.length === 0) return fail('dmidecode: no SMBIOS records in output');
    if (!recs.some((r) => r.type === 127))
      return fail('dmidecode: truncated output (no End Of Table record)');
    const first = (type: number): Map<string, string> =>
      recs.find((r) => r.type === type)?.props ?? new Map<string, string>();
    const bios = first(0);
    const sys = first(1);
    const board = first(2);
    const chassis = first(3);
    const data: DmiData = {
      bios: {
        vendor: clean(bios.get('Vendor')),
        version: clean(bios.get('Version')),
        date: clean(bios.get('Release Date')),
        uefiSupported: /UEFI is supported/.test(text),
      },
      system: {
        vendor: clean(sys.get('Manufacturer')),
        product: clean(sys.get('Product Name')),
        version: clean(sys.get('Version')),
        serial: clean(sys.get('Serial Number')),
        uuid: clean(sys.get('UUID'))?.toLowerCase(),
        sku: clean(sys.get('SKU Number')),
        family: clean(sys.get('Family')),
      },
      baseboard: {
        vendor: clean(board.get('Manufacturer')),
        product: clean(board.get('Product Name')),
        version: clean(board.get('Version')),
        serial: clean(board.get('Serial Number')),
      },
      chassis: {
        vendor: clean(chassis.get('Manufacturer')),
        type: clean(chassis.get('Type')),
        serial: clean(chassis.get('Serial Number')),
        assetTag: clean(chassis.get('Asset Tag')),
        heightU: toInt(chassis.get('Height')),
      },
      processors: recs
        .filter((r) => r.type === 4)
        .map((r) => ({
          socket: clean(r.props.get('Socket Designation')) ?? 'unknown',
          populated: /^Populated/.test(r.props.get('Status') ?? ''),
          model: clean(r.props.get('Version')),
          vendor: clean(r.props.get('Manufacturer')),
          cores: toInt(r.props.get('Core Count')),
          threads: toInt(r.props.get('Thread Count')),
          maxMhz: toInt(r.props.get('Max Speed')),
        })),
      dimms: recs
        .filter((r) => r.type === 17)
        .map((r) => dimm(r.props))
        .filter((d): d is DmiDimm => d !== undefined),
    };
    const slots = recs
      .filter((r) => r.type === 16)
      .reduce((n, r) => n + (toInt(r.props.get('Number Of Devices')) ?? 0), 0);
    if (slots > 0) data.memorySlots = slots;
    const ipmi = recs.find((r) => r.type === 38)?.props;
    if (ipmi)
      data.ipmi = {
        interfaceType: clean(ipmi.get('Interface Type')),
        version: clean(ipmi.get('Specification Version')),
      };
    return ok(data);
  });
}

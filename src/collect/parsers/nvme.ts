// Pure parser for `nvme list -o json` (nvme-cli 1.x/2.x flat form): namespace device path → model, serial, firmware.
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

export interface NvmeNamespace {
  path: string;
  model?: string;
  serial?: string;
  firmware?: string;
  sizeBytes?: number;
}

export function parseNvmeList(text: string): ParseResult<NvmeNamespace[]> {
  return guard('nvme list', () => {
    const json = parseJson('nvme list', text);
    if (!json.ok) return json;
    const devs = isRecord(json.value) ? json.value.Devices : undefined;
    if (!Array.isArray(devs)) return fail('nvme list: no "Devices" array');
    const out: NvmeNamespace[] = [];
    for (const d of devs) {
      if (!isRecord(d) || typeof d.DevicePath !== 'string') continue;
      const ns: NvmeNamespace = { path: d.DevicePath };
      const model = clean(d.ModelNumber);
      const serial = clean(d.SerialNumber);
      const firmware = clean(d.Firmware);
      const size = toInt(d.PhysicalSize);
      if (model !== undefined) ns.model = model;
      if (serial !== undefined) ns.serial = serial;
      if (firmware !== undefined) ns.firmware = firmware;
      if (size !== undefined) ns.sizeBytes = size;
      out.push(ns);
    }
    return ok(out);
  });
}

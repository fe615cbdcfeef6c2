// Pure parser for `smartctl -x -j DEVICE`. smartctl's exit status is a bit mask: bits 0-1 mean the command
// could not run at all; higher bits report disk trouble, which is data, not a failure of the tool.
import type { SmartHealth } from '../../shared/inventory/schema.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

export interface SmartData {
  health: SmartHealth;
  powerOnHours?: number;
  temperatureC?: number;
  protocol?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  wwn?: string;
  sizeBytes?: number;
  rotationRpm?: number;
}

/** True when smartctl itself failed (bad command line, device open failed), so the JSON carries no device data. */
export function smartctlFatal(exitCode: number): boolean {
  return (exitCode & 0b11) !== 0;
}

function wwn(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const { naa, oui, id } = v;
  if (typeof naa !== 'number' || typeof oui !== 'number' || typeof id !== 'number') return undefined;
  // NAA 5: 4-bit NAA, 24-bit OUI, 36-bit vendor id — the same 16 hex digits lsblk prints.
  return `0x${naa.toString(16)}${oui.toString(16).padStart(6, '0')}${id.toString(16).padStart(9, '0')}`;
}

export function parseSmartctl(text: string): ParseResult<SmartData> {
  return guard('smartctl', () => {
    const json = parseJson('smartctl', text);
    if (!json.ok) return json;
    const j = json.value;
    if (!isRecord(j)) return fail('smartctl: not a JSON object');
    const exit = isRecord(j.smartctl) ? toInt(j.smartctl.exit_status) : undefined;
    if (exit !== undefined && smartctlFatal(exit)) {
      const msgs = isRecord(j.smartctl) && Array.isArray(j.smartctl.messages) ? j.smartctl.messages : [];
      const first = msgs.find(isRecord);
      return fail(`smartctl: ${typeof first?.string === 'string' ? first.string : `exit status ${exit}`}`);
    }
    if (!isRecord(j.device)) return fail('smartctl: no "device" object (truncated?)');
    const status = isRecord(j.smart_status) ? j.smart_status.passed : undefined;
    const out: SmartData = { health: status === true ? 'passed' : status === false ? 'failed' : 'unknown' };
    const set = <K extends keyof SmartData>(k: K, v: SmartData[K] | undefined): void => {
      if (v !== undefined) out[k] = v;
    };
    set('powerOnHours', isRecord(j.power_on_time) ? toInt(j.power_on_time.hours) : undefined);
    const temp = isRecord(j.temperature) ? j.temperature.current : undefined;
    if (typeof temp === 'number' && Number.isInteger(temp)) out.temperatureC = temp;
    set('protocol', clean(j.device.protocol));
    set('model', clean(j.model_name));
    set('serial', clean(j.serial_number));
    set('firmware', clean(j.firmware_version ?? j.revision));
    set('wwn', wwn(j.wwn));
    set('sizeBytes', isRecord(j.user_capacity) ? toInt(j.user_capacity.bytes) : undefined);
    set('rotationRpm', toInt(j.rotation_rate));
    return ok(out);
  });
}

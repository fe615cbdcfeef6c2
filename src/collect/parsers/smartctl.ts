// Pure parser for `smartctl -x -j DEVICE`. smartctl's exit status is a bit mask: bits 0-1 mean the command
// could not run at all; higher bits report disk trouble, which is data, not a failure of the tool.
// Besides identity, it reads the error counters the health rules judge: ATA attributes 5/197/198/199, the SCSI
// grown defect list and error counter log, and the NVMe health log (JSON keys as smartctl 7 documents them).
import type { DiskInfo, SmartHealth } from '../../shared/inventory/schema.js';
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
  /** the error counters the health rules read (names as in the inventory's `smart`) */
  counters?: SmartCounters;
}

export type SmartCounters = Partial<
  Pick<
    NonNullable<DiskInfo['smart']>,
    | 'reallocatedSectors'
    | 'pendingSectors'
    | 'offlineUncorrectable'
    | 'udmaCrcErrors'
    | 'grownDefects'
    | 'uncorrectedReadErrors'
    | 'uncorrectedWriteErrors'
    | 'criticalWarning'
    | 'mediaErrors'
    | 'availableSpare'
    | 'availableSpareThreshold'
    | 'percentageUsed'
    | 'errorLogEntries'
  >
>;

/** ATA attribute ids → counter (SMART attribute numbering is de facto common to all vendors for these four). */
const ATA_ATTRIBUTES: Record<number, keyof SmartCounters> = {
  5: 'reallocatedSectors',
  197: 'pendingSectors',
  198: 'offlineUncorrectable',
  199: 'udmaCrcErrors',
};

/**
 * An ATA attribute's raw count. smartctl's `raw.string` is decoded with its drive database (some vendors pack
 * several fields into the 48 raw bits, "12 (Average 5)" or "0/0/0"): its first number is the count; `raw.value`
 * only when there is no string.
 */
function ataRaw(attr: Record<string, unknown>): number | undefined {
  const raw = attr.raw;
  if (!isRecord(raw)) return undefined;
  return typeof raw.string === 'string' ? toInt(raw.string) : toInt(raw.value);
}

function counters(j: Record<string, unknown>): SmartCounters {
  const out: SmartCounters = {};
  const set = (k: keyof SmartCounters, v: unknown): void => {
    const n = toInt(v);
    if (n !== undefined) out[k] = n;
  };
  const ata = isRecord(j.ata_smart_attributes) ? j.ata_smart_attributes.table : undefined;
  if (Array.isArray(ata))
    for (const a of ata) {
      const key = isRecord(a) && typeof a.id === 'number' ? ATA_ATTRIBUTES[a.id] : undefined;
      if (key !== undefined && isRecord(a)) set(key, ataRaw(a));
    }
  set('grownDefects', j.scsi_grown_defect_list);
  const log = isRecord(j.scsi_error_counter_log) ? j.scsi_error_counter_log : undefined;
  if (log && isRecord(log.read)) set('uncorrectedReadErrors', log.read.total_uncorrected_errors);
  if (log && isRecord(log.write)) set('uncorrectedWriteErrors', log.write.total_uncorrected_errors);
  const nvme = j.nvme_smart_health_information_log;
  if (isRecord(nvme)) {
    set('criticalWarning', nvme.critical_warning);
    set('mediaErrors', nvme.media_errors);
    set('availableSpare', nvme.available_spare);
    set('availableSpareThreshold', nvme.available_spare_threshold);
    set('percentageUsed', nvme.percentage_used);
    set('errorLogEntries', nvme.num_err_log_entries);
  }
  return out;
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
    const out: SmartData = {
      health: status === true ? 'passed' : status === false ? 'failed' : 'unknown',
      counters: counters(j),
    };
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

// Disk rules: what smartctl read from the drive (SMART overall, ATA attributes, the SCSI defect list and error
// counter log, the NVMe health log). Thresholds and why: docs/inventory.md, "Health verdicts".
import type { DiskInfo } from '../inventory/schema.js';
import { defined, finding, type HealthFinding, type Problem } from './types.js';

/** NVMe critical_warning bits (NVMe base specification, SMART / Health Information log, byte 0). */
const CRITICAL_WARNING_BITS: readonly string[] = [
  'available spare below threshold',
  'temperature outside its threshold',
  'reliability degraded by media or internal errors',
  'media placed in read-only mode',
  'volatile memory backup failed',
  'persistent memory region read-only',
];

/** Wear at which an NVMe drive is near its rated endurance (percentage used is 100 at the rating). */
export const NVME_WEAR_WARN_PERCENT = 90;

export function criticalWarningWords(bits: number): string[] {
  const words = CRITICAL_WARNING_BITS.filter((_, i) => (bits & (1 << i)) !== 0);
  return words.length > 0 ? words : [`bits 0x${bits.toString(16)}`];
}

/** The finding for one disk, or undefined when smartctl gave nothing to judge (no SMART on it). */
export function assessDisk(d: DiskInfo): HealthFinding | undefined {
  const s = d.smart;
  if (!s) return undefined;
  const p: Problem[] = [];
  const over = (n: number | undefined, verdict: Problem['verdict'], words: string): void => {
    if (n !== undefined && n > 0) p.push({ verdict, reason: `${words}: ${n}` });
  };
  // The drive's own overall judgement: it fails when an attribute crossed the vendor's threshold.
  if (s.health === 'failed') p.push({ verdict: 'fail', reason: 'SMART overall health: FAILED' });
  // ATA. Pending and offline-uncorrectable sectors cannot be read now: data is already lost or at risk.
  over(s.pendingSectors, 'fail', 'pending sectors (unreadable, awaiting reallocation)');
  over(s.offlineUncorrectable, 'fail', 'offline-uncorrectable sectors');
  // Reallocated sectors were remapped successfully: the media is wearing, the data is still there.
  over(s.reallocatedSectors, 'warn', 'reallocated sectors');
  // CRC errors happen on the cable or backplane, not on the media.
  over(s.udmaCrcErrors, 'warn', 'UDMA CRC errors (cable or backplane)');
  // SAS/SCSI: grown defects are the SCSI twin of reallocated sectors; an uncorrected error lost data.
  over(s.grownDefects, 'warn', 'grown defect list entries');
  over(s.uncorrectedReadErrors, 'fail', 'uncorrected read errors');
  over(s.uncorrectedWriteErrors, 'fail', 'uncorrected write errors');
  // NVMe. Any critical_warning bit is the controller itself raising the alarm.
  if (s.criticalWarning !== undefined && s.criticalWarning !== 0)
    p.push({
      verdict: 'fail',
      reason: `NVMe critical warning: ${criticalWarningWords(s.criticalWarning).join(', ')}`,
    });
  // A media error is data the controller could not return intact, the NVMe twin of an uncorrected read.
  over(s.mediaErrors, 'fail', 'NVMe media errors');
  if (
    s.availableSpare !== undefined &&
    s.availableSpareThreshold !== undefined &&
    s.availableSpare < s.availableSpareThreshold
  )
    p.push({
      verdict: 'fail',
      reason: `NVMe available spare ${s.availableSpare} % below its threshold ${s.availableSpareThreshold} %`,
    });
  if (s.percentageUsed !== undefined && s.percentageUsed >= 100)
    p.push({ verdict: 'fail', reason: `NVMe wear: ${s.percentageUsed} % of rated endurance used` });
  else if (s.percentageUsed !== undefined && s.percentageUsed >= NVME_WEAR_WARN_PERCENT)
    p.push({ verdict: 'warn', reason: `NVMe wear: ${s.percentageUsed} % of rated endurance used` });
  // errorLogEntries is recorded, never judged alone: hosts add entries by asking for optional features the
  // drive lacks (healthy drives show hundreds); the entries that matter also count as media errors.
  return finding(
    `disk ${d.name}`,
    p,
    defined({
      model: d.model,
      serial: d.serial,
      protocol: s.protocol,
      smartHealth: s.health,
      powerOnHours: s.powerOnHours,
      temperatureC: s.temperatureC,
      reallocatedSectors: s.reallocatedSectors,
      pendingSectors: s.pendingSectors,
      offlineUncorrectable: s.offlineUncorrectable,
      udmaCrcErrors: s.udmaCrcErrors,
      grownDefects: s.grownDefects,
      uncorrectedReadErrors: s.uncorrectedReadErrors,
      uncorrectedWriteErrors: s.uncorrectedWriteErrors,
      criticalWarning: s.criticalWarning,
      mediaErrors: s.mediaErrors,
      availableSpare: s.availableSpare,
      availableSpareThreshold: s.availableSpareThreshold,
      percentageUsed: s.percentageUsed,
      errorLogEntries: s.errorLogEntries,
    }),
  );
}

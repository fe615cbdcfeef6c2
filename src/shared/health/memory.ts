// Memory rules: EDAC error counts since boot, and DIMMs installed vs what the kernel can use.
import type { MemoryInfo } from '../inventory/schema.js';
import { defined, finding, type HealthFinding, type Problem } from './types.js';

const GiB = 1024 ** 3;

/**
 * Memory the kernel may keep for itself (firmware reservations, crash kernel, page tables) before we say a
 * DIMM is missing: a tenth of what is installed, at least 1 GiB. A disabled DIMM is 4 GiB or more.
 */
export function memoryShortfallLimit(installedBytes: number): number {
  return Math.max(installedBytes / 10, GiB);
}

const gib = (b: number): string => `${(b / GiB).toFixed(1)} GiB`;

/** One finding per EDAC counter (a DIMM, or a controller's errors not tied to a DIMM) plus one for the whole. */
export function assessMemory(m: MemoryInfo): HealthFinding[] {
  const out: HealthFinding[] = [];
  for (const c of m.edac ?? []) {
    const p: Problem[] = [];
    // An uncorrected error corrupted data (or stopped the machine); corrected ones since this boot (minutes
    // ago, the peer was just PXE booted) mean a DIMM that is failing, not background noise.
    if (c.uncorrectedErrors > 0)
      p.push({ verdict: 'fail', reason: `EDAC uncorrected memory errors: ${c.uncorrectedErrors}` });
    if (c.correctedErrors > 0)
      p.push({ verdict: 'warn', reason: `EDAC corrected memory errors: ${c.correctedErrors}` });
    const isDimm = c.name.includes('/');
    out.push(
      finding(
        isDimm ? `dimm ${c.label ?? c.name}` : `memory controller ${c.name}`,
        p,
        defined({
          edac: c.name,
          label: c.label,
          correctedErrors: c.correctedErrors,
          uncorrectedErrors: c.uncorrectedErrors,
        }),
      ),
    );
  }
  const p: Problem[] = [];
  if (m.slots !== undefined && m.dimms.length > m.slots)
    p.push({
      verdict: 'warn',
      reason: `SMBIOS lists ${m.dimms.length} DIMMs in a board of ${m.slots} slots`,
    });
  if (
    m.installedBytes !== undefined &&
    m.totalBytes !== undefined &&
    m.installedBytes - m.totalBytes > memoryShortfallLimit(m.installedBytes)
  )
    p.push({
      verdict: 'warn',
      reason: `the kernel sees ${gib(m.totalBytes)} of ${gib(m.installedBytes)} installed (a DIMM disabled?)`,
    });
  out.push(
    finding(
      'memory',
      p,
      defined({
        dimms: m.dimms.length,
        slots: m.slots,
        installedBytes: m.installedBytes,
        totalBytes: m.totalBytes,
      }),
    ),
  );
  return out;
}

// Fleet drift: a machine that differs from most machines of its model (DIMM count, BIOS or BMC firmware, disk
// count) was probably repaired, upgraded or built differently, and an operator wants to know before it is used.
import type { Inventory } from '../inventory/schema.js';
import { finding, type HealthFinding, type Problem } from './types.js';

/** Fewer machines of one model than this: no majority worth comparing against. */
export const DRIFT_MIN_SIBLINGS = 3;

/** Devices that are not disks of the machine: RAM disks, loop devices, optical and USB sticks. */
const NOT_A_DISK = /^(?:zram|loop|ram|sr|fd)\d/;

interface Aspect {
  words: string;
  of(inv: Inventory): string | number | undefined;
}

const ASPECTS: Record<string, Aspect> = {
  dimms: { words: 'DIMMs', of: (i) => (i.memory.dimms.length > 0 ? i.memory.dimms.length : undefined) },
  bios: { words: 'BIOS', of: (i) => i.firmware.version },
  bmcFirmware: { words: 'BMC firmware', of: (i) => i.bmc.firmware },
  disks: {
    words: 'disks',
    of: (i) => i.disks.filter((d) => d.removable !== true && !NOT_A_DISK.test(d.name)).length,
  },
};

/** The model a machine is compared within; undefined when SMBIOS does not say (no siblings then). */
function modelOf(inv: Inventory): string | undefined {
  const { vendor, product } = inv.system;
  return product === undefined ? undefined : `${vendor ?? ''}\u0000${product}`;
}

/** The value more than half of `values` share, if any. */
function majority(values: readonly (string | number)[]): string | number | undefined {
  const counts = new Map<string | number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, n] of counts) if (n * 2 > values.length) return v;
  return undefined;
}

/**
 * Pure: for each node that drifts from its model's majority, a `node` finding (warn) naming what differs.
 * Nodes without drift are absent from the map. A value a node does not know is not compared.
 */
export function fleetDrift(nodes: readonly { id: string; inv: Inventory }[]): Map<string, HealthFinding[]> {
  const byModel = new Map<string, { id: string; inv: Inventory }[]>();
  for (const n of nodes) {
    const m = modelOf(n.inv);
    if (m !== undefined) byModel.set(m, [...(byModel.get(m) ?? []), n]);
  }
  const problems = new Map<string, { p: Problem[]; values: HealthFinding['values'] }>();
  for (const group of byModel.values()) {
    if (group.length < DRIFT_MIN_SIBLINGS) continue;
    for (const [key, aspect] of Object.entries(ASPECTS)) {
      const known = group.flatMap((n) => {
        const v = aspect.of(n.inv);
        return v === undefined ? [] : [{ id: n.id, v }];
      });
      if (known.length < DRIFT_MIN_SIBLINGS) continue;
      const common = majority(known.map((k) => k.v));
      if (common === undefined) continue;
      for (const k of known) {
        if (k.v === common) continue;
        const entry = problems.get(k.id) ?? { p: [], values: {} };
        const same = known.filter((x) => x.v === common).length;
        entry.p.push({
          verdict: 'warn',
          reason: `${aspect.words}: ${k.v}, while ${same} of ${known.length} machines of this model have ${common}`,
        });
        entry.values[key] = k.v;
        entry.values[`${key}Majority`] = common;
        problems.set(k.id, entry);
      }
    }
  }
  const out = new Map<string, HealthFinding[]>();
  for (const [id, { p, values }] of problems) out.set(id, [finding('node', p, values)]);
  return out;
}

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

type AspectName = 'dimms' | 'bios' | 'bmcFirmware' | 'disks';

const ASPECTS: Record<AspectName, Aspect> = {
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

/**
 * What drift compares of one machine: its model and the values of its aspects it knows. Small, so the master
 * keeps it in each node's summary and compares a fleet without reading an inventory file.
 */
export interface DriftFacts {
  model?: string;
  values: Partial<Record<AspectName, string | number>>;
}

/** Pure. */
export function driftFacts(inv: Inventory): DriftFacts {
  const values: DriftFacts['values'] = {};
  for (const [key, aspect] of Object.entries(ASPECTS) as [AspectName, Aspect][]) {
    const v = aspect.of(inv);
    if (v !== undefined) values[key] = v;
  }
  const model = modelOf(inv);
  return model === undefined ? { values } : { model, values };
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
  return fleetDriftOf(nodes.map((n) => ({ id: n.id, facts: driftFacts(n.inv) })));
}

/** fleetDrift from each machine's DriftFacts (kept in the master's node summaries). Pure. */
export function fleetDriftOf(
  nodes: readonly { id: string; facts: DriftFacts }[],
): Map<string, HealthFinding[]> {
  const byModel = new Map<string, { id: string; facts: DriftFacts }[]>();
  for (const n of nodes) {
    const m = n.facts.model;
    if (m === undefined) continue;
    const group = byModel.get(m);
    if (group) group.push(n);
    else byModel.set(m, [n]);
  }
  const problems = new Map<string, { p: Problem[]; values: HealthFinding['values'] }>();
  for (const group of byModel.values()) {
    if (group.length < DRIFT_MIN_SIBLINGS) continue;
    for (const [key, aspect] of Object.entries(ASPECTS) as [AspectName, Aspect][]) {
      const known = group.flatMap((n) => {
        const v = n.facts.values[key];
        return v === undefined ? [] : [{ id: n.id, v }];
      });
      if (known.length < DRIFT_MIN_SIBLINGS) continue;
      const common = majority(known.map((k) => k.v));
      if (common === undefined) continue;
      const same = known.filter((x) => x.v === common).length;
      for (const k of known) {
        if (k.v === common) continue;
        const entry = problems.get(k.id) ?? { p: [], values: {} };
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

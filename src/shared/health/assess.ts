// A node's health from its own inventory: every component the rules can judge, and the worst verdict.
import type { Inventory } from '../inventory/schema.js';
import { assessBmc } from './bmc.js';
import { assessDisk } from './disk.js';
import { assessMemory } from './memory.js';
import { assessNic } from './nic.js';
import { worst, type HealthFinding, type NodeHealth } from './types.js';

/** Pure: the same inventory always gives the same verdicts. */
export function assessNode(inv: Inventory): NodeHealth {
  const components: HealthFinding[] = [
    ...inv.disks.flatMap((d) => assessDisk(d) ?? []),
    ...assessMemory(inv.memory),
    ...assessBmc(inv.bmc),
    ...inv.nics.flatMap((n) => assessNic(n) ?? []),
  ];
  return { verdict: worst(components.map((c) => c.verdict)), components };
}

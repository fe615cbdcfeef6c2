// What the fleet looks like at a glance, for the console and the report alike (pure): which nodes have a
// problem and why, how far the fleet has come against the expected count, and short hardware texts.
import type { InventorySummary } from './events.js';
import type { NodeRecord, ReconState } from './reducer.js';
import { STAGE_ORDER, type Stage } from './events.js';
import { humanBytes, memorySize } from '../shared/units.js';
import { fleetHealth, type HealthSummary } from './health.js';

/**
 * Why a node needs a look, in words; empty when it does not. `health` is the node's verdict as the fleet
 * sees it (with drift, from fleetHealth); by default its own. A summary stored before verdicts existed
 * still names its failed disks.
 */
export function nodeProblems(
  n: NodeRecord,
  health: HealthSummary | undefined = n.inventory?.summary.health,
): string[] {
  const out: string[] = [];
  const s = n.inventory?.summary;
  if (s?.toolsFailed?.length) out.push(`tools failed: ${s.toolsFailed.join(', ')}`);
  if (health) out.push(...health.reasons);
  else for (const d of s?.disks ?? []) if (d.health === 'failed') out.push(`disk ${d.name}: SMART failed`);
  if (n.power === 'unknown') out.push(`power state unknown${n.powerDetail ? `: ${n.powerDetail}` : ''}`);
  if (n.stage === 'released') out.push(`left before booting${n.stageDetail ? ` (${n.stageDetail})` : ''}`);
  return out;
}

const BOOTING_FROM = STAGE_ORDER.indexOf('leased');
const BOOTING_TO = STAGE_ORDER.indexOf('collecting');

/** Between the first lease and the upload: on its way to an inventory. */
export function isBooting(stage: Stage): boolean {
  const i = STAGE_ORDER.indexOf(stage);
  return i >= BOOTING_FROM && i <= BOOTING_TO;
}

export interface FleetProgress {
  nodes: number;
  expected?: number;
  inventoried: number;
  booting: number;
  problems: number;
}

export function fleetProgress(state: ReconState): FleetProgress {
  let inventoried = 0;
  let booting = 0;
  let problems = 0;
  const nodes = Object.values(state.nodes);
  const health = fleetHealth(state);
  for (const n of nodes) {
    if (n.inventory) inventoried++;
    else if (isBooting(n.stage)) booting++;
    if (nodeProblems(n, health.get(n.mac)).length) problems++;
  }
  return { nodes: nodes.length, expected: state.expectedNodes, inventoried, booting, problems };
}

/** "134 / 200 inventoried · 12 booting · 3 problems"; without an expected count, the counts alone. */
export function progressText(p: FleetProgress, dot = '·'): string {
  const parts = [
    p.expected !== undefined
      ? `${p.inventoried} / ${p.expected} inventoried`
      : `${p.inventoried} of ${p.nodes} inventoried`,
    `${p.booting} booting`,
    `${p.problems} problem${p.problems === 1 ? '' : 's'}`,
  ];
  if (p.expected !== undefined && p.nodes > p.expected)
    parts.push(`${p.nodes - p.expected} more than expected`);
  return parts.join(` ${dot} `);
}

/** "Xeon Gold 6338" from "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz": the words that tell models apart. */
export function cpuModelShort(model: string | undefined): string {
  if (!model) return '';
  return model
    .replace(/\((R|TM|tm|r)\)/g, '')
    .replace(/@.*$/, '')
    .replace(/\b(Intel|AMD|CPU|Processor|\d+-Core)\b/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "2×16 Xeon Gold 6338": sockets × cores per socket, then the short model. */
export function cpuText(s: InventorySummary | undefined, times = '×'): string {
  if (!s) return '';
  const sockets = s.cpuCount ?? 1;
  const perSocket = s.cores !== undefined ? Math.round(s.cores / Math.max(1, sockets)) : undefined;
  const shape = perSocket !== undefined ? `${sockets}${times}${perSocket}` : '';
  return [shape, cpuModelShort(s.cpus)].filter(Boolean).join(' ');
}

export function memoryText(s: InventorySummary | undefined): string {
  return memorySize(s?.memoryBytes);
}

/** Sum of the disks' sizes (disks of unknown size count as 0). */
export function diskBytes(s: InventorySummary | undefined): number {
  return (s?.disks ?? []).reduce((a, d) => a + (d.sizeBytes ?? 0), 0);
}

/** "2 / 960 GB": count and total capacity. */
export function disksText(s: InventorySummary | undefined): string {
  const disks = s?.disks;
  if (!disks) return '';
  return disks.length ? `${disks.length} / ${humanBytes(diskBytes(s))}` : '0';
}

/** "Dell Inc. PowerEdge R650": what the node is, for grouping and display. */
export function modelText(s: InventorySummary | undefined): string {
  return s ? [s.vendor, s.product].filter(Boolean).join(' ') : '';
}

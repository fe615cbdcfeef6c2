// Each node's health as the fleet sees it: the verdict the master computed from the node's own inventory when
// it stored it (carried in the summary, so a restart and every console see the same), joined with fleet drift
// computed here from the stored summaries: one pass over the registry, no inventory file read. Pure.
import type { Mac } from './events.js';
import type { NodeRecord, ReconState } from './reducer.js';
import type { Inventory } from '../shared/inventory/schema.js';
import {
  assessNode,
  fleetDriftOf,
  summarizeHealth,
  withFindings,
  type DriftFacts,
  type HealthFinding,
  type HealthSummary,
  type HealthVerdict,
} from '../shared/health/index.js';

export type { HealthSummary, HealthVerdict } from '../shared/health/index.js';

/** The verdicts in the order an operator reads them: the worst first. */
export const VERDICTS: readonly HealthVerdict[] = ['fail', 'warn', 'ok'];

type Facts = { id: Mac; facts: DriftFacts };

/** Fleet drift of the nodes (of one model, when `model` is given) that drift from their model's majority. */
function driftAmong(state: ReconState, model?: string): Map<Mac, HealthFinding[]> {
  const nodes: Facts[] = [];
  for (const n of Object.values(state.nodes)) {
    const facts = n.inventory?.summary.drift;
    if (facts && (model === undefined || facts.model === model)) nodes.push({ id: n.mac, facts });
  }
  return fleetDriftOf(nodes);
}

/**
 * Each inventoried node's health: its own verdict joined with its drift. A node whose summary carries no
 * verdict (stored before verdicts existed) is absent: unknown, never `ok`.
 */
export function fleetHealth(state: ReconState): Map<Mac, HealthSummary> {
  const drift = driftAmong(state);
  const out = new Map<Mac, HealthSummary>();
  for (const n of Object.values(state.nodes)) {
    const own = n.inventory?.summary.health;
    if (own) out.set(n.mac, withFindings(own, drift.get(n.mac) ?? []));
  }
  return out;
}

/** A node's drift among the nodes of its model. */
function driftOf(state: ReconState, n: NodeRecord): HealthFinding[] {
  const model = n.inventory?.summary.drift?.model;
  return (model === undefined ? undefined : driftAmong(state, model).get(n.mac)) ?? [];
}

/** One node's health with its drift (for a single line, e.g. when its inventory arrives): its model's nodes only. */
export function nodeHealth(state: ReconState, n: NodeRecord): HealthSummary | undefined {
  const own = n.inventory?.summary.health;
  return own && withFindings(own, driftOf(state, n));
}

/**
 * Every reason, not cut: the node's full inventory judged again by the same rules (the same verdict the master
 * stored), with its drift. For the node detail, which has the inventory file at hand.
 */
export function fullNodeHealth(state: ReconState, n: NodeRecord, inv: Inventory): HealthSummary {
  return summarizeHealth(assessNode(inv), driftOf(state, n), Number.POSITIVE_INFINITY);
}

/** "FAIL: disk sda: pending sectors …; bmc event log: …" — the verdict and its reasons on one line. */
export function healthText(h: HealthSummary): string {
  const v = h.verdict.toUpperCase();
  return h.reasons.length ? `${v}: ${h.reasons.join('; ')}` : v;
}

/** How many nodes have each verdict, and how many inventoried nodes have none (stored before verdicts). */
export function verdictCounts(
  state: ReconState,
  health: ReadonlyMap<Mac, HealthSummary>,
): Record<HealthVerdict | 'unknown', number> {
  const counts = { ok: 0, warn: 0, fail: 0, unknown: 0 };
  for (const n of Object.values(state.nodes)) {
    if (!n.inventory) continue;
    counts[health.get(n.mac)?.verdict ?? 'unknown']++;
  }
  return counts;
}

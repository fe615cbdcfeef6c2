// Health verdicts (ok / warn / fail) from an inventory: pure rules, shared by the master (on upload), the
// console and the report. docs/inventory.md, "Health verdicts", lists the rules and their thresholds.
export type { HealthFinding, HealthVerdict, NodeHealth } from './types.js';
export { worst } from './types.js';
export { assessNode } from './assess.js';
export { driftFacts, fleetDrift, fleetDriftOf, DRIFT_MIN_SIBLINGS, type DriftFacts } from './drift.js';
export { summarizeHealth, withFindings, type HealthSummary } from './summary.js';

// A node's health in a few bounded lines, for events, the console's list and the report's cells.
import { worst, type HealthFinding, type HealthVerdict, type NodeHealth } from './types.js';

export const SUMMARY_MAX_REASONS = 8;
export const SUMMARY_MAX_REASON_CHARS = 200;

export interface HealthSummary {
  verdict: HealthVerdict;
  /** "<component>: <reason>", worst components first; at most 8, each at most 200 characters */
  reasons: string[];
}

const RANK: Record<HealthVerdict, number> = { fail: 0, warn: 1, ok: 2 };

function clip(s: string): string {
  return s.length <= SUMMARY_MAX_REASON_CHARS ? s : `${s.slice(0, SUMMARY_MAX_REASON_CHARS - 1)}…`;
}

/** Pure. `extra` findings (fleet drift) count as components of the node. */
export function summarizeHealth(h: NodeHealth, extra: readonly HealthFinding[] = []): HealthSummary {
  const all = [...h.components, ...extra].filter((c) => c.verdict !== 'ok');
  all.sort((a, b) => RANK[a.verdict] - RANK[b.verdict]);
  const lines = all.flatMap((c) => c.reasons.map((r) => clip(`${c.component}: ${r}`)));
  const reasons =
    lines.length <= SUMMARY_MAX_REASONS
      ? lines
      : [...lines.slice(0, SUMMARY_MAX_REASONS - 1), `and ${lines.length - SUMMARY_MAX_REASONS + 1} more`];
  return { verdict: worst([h.verdict, ...extra.map((c) => c.verdict)]), reasons };
}

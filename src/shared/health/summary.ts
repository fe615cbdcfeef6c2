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

/** At most `max` lines, the last saying how many more there were. */
function bounded(lines: readonly string[], max = SUMMARY_MAX_REASONS): string[] {
  return lines.length <= max
    ? [...lines]
    : [...lines.slice(0, max - 1), `and ${lines.length - max + 1} more`];
}

/**
 * The reasons of the components that are not ok, worst components first, taken one of each component in
 * turn: a cut summary still names every part that failed (a disk's four reasons do not hide the BMC's).
 */
function reasonLines(findings: readonly HealthFinding[]): string[] {
  const bad = findings.filter((c) => c.verdict !== 'ok');
  bad.sort((a, b) => RANK[a.verdict] - RANK[b.verdict]);
  const out: string[] = [];
  const rounds = Math.max(0, ...bad.map((c) => c.reasons.length));
  for (let i = 0; i < rounds; i++)
    for (const c of bad) {
      const r = c.reasons[i];
      if (r !== undefined) out.push(clip(`${c.component}: ${r}`));
    }
  return out;
}

/**
 * Pure. `extra` findings (fleet drift) count as components of the node. `maxReasons`: the bound (a node's
 * detail, read from its full inventory, shows them all).
 */
export function summarizeHealth(
  h: NodeHealth,
  extra: readonly HealthFinding[] = [],
  maxReasons = SUMMARY_MAX_REASONS,
): HealthSummary {
  return {
    verdict: worst([h.verdict, ...extra.map((c) => c.verdict)]),
    reasons: bounded(reasonLines([...h.components, ...extra]), maxReasons),
  };
}

/**
 * A stored summary joined with findings its node's own inventory could not show (fleet drift, known only
 * across the fleet): the same as summarizeHealth(h, extra) would have given, up to the summary's own cut.
 * Pure.
 */
export function withFindings(s: HealthSummary, extra: readonly HealthFinding[]): HealthSummary {
  if (extra.length === 0) return s;
  const more = reasonLines(extra);
  // drift is a warning: after the summary's own reasons (worst first), or counted in its "and N more"
  const cut = /^and (\d+) more$/.exec(s.reasons.at(-1) ?? '');
  const reasons = cut
    ? [...s.reasons.slice(0, -1), `and ${Number(cut[1]) + more.length} more`]
    : bounded([...s.reasons, ...more]);
  return { verdict: worst([s.verdict, ...extra.map((c) => c.verdict)]), reasons };
}

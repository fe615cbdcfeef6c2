// The words of a health judgement: a verdict per component, with the operator's reasons and the raw values
// behind it, and the node's verdict (the worst of its components).

export type HealthVerdict = 'ok' | 'warn' | 'fail';

export interface HealthFinding {
  /** what was judged: "disk sda", "dimm DIMM_A1", "bmc sensors", "bmc event log", "nic eth0", "node" */
  component: string;
  verdict: HealthVerdict;
  /** operator words, one per problem, e.g. "NVMe media errors: 7"; empty when ok */
  reasons: string[];
  /** the raw values the rules read */
  values: Record<string, string | number | boolean>;
}

export interface NodeHealth {
  /** the worst of the components */
  verdict: HealthVerdict;
  /** every assessed component, ok ones too */
  components: HealthFinding[];
}

const RANK: Record<HealthVerdict, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of verdicts; ok for none. */
export function worst(verdicts: Iterable<HealthVerdict>): HealthVerdict {
  let w: HealthVerdict = 'ok';
  for (const v of verdicts) if (RANK[v] > RANK[w]) w = v;
  return w;
}

/** One problem a rule found. */
export interface Problem {
  verdict: Exclude<HealthVerdict, 'ok'>;
  reason: string;
}

/** Reasons kept per component: a broken BMC can log thousands of alike events. */
export const MAX_REASONS_PER_COMPONENT = 10;

/** A component's finding from the problems its rules found (worst first, bounded). */
export function finding(
  component: string,
  problems: readonly Problem[],
  values: HealthFinding['values'],
): HealthFinding {
  const sorted = [...problems].sort((a, b) => RANK[b.verdict] - RANK[a.verdict]);
  const reasons = sorted.slice(0, MAX_REASONS_PER_COMPONENT).map((p) => p.reason);
  if (sorted.length > MAX_REASONS_PER_COMPONENT)
    reasons.push(`and ${sorted.length - MAX_REASONS_PER_COMPONENT} more`);
  return { component, verdict: worst(problems.map((p) => p.verdict)), reasons, values };
}

/** Copies the defined entries of `v` (the inventory's absent fields stay absent in `values`). */
export function defined(v: Record<string, string | number | boolean | undefined>): HealthFinding['values'] {
  const out: HealthFinding['values'] = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = x;
  return out;
}

// BMC rules: the IPMI event log (SEL) and the sensors (ipmitool's threshold status, discrete states).
import type { BmcInfo, SelEntry, SensorReading } from '../inventory/schema.js';
import { finding, type HealthFinding, type Problem } from './types.js';

/**
 * SEL sensor types whose events say a part is failing. Others (OS boot, watchdog, session audit, button,
 * "System Event") are the machine's diary, not faults.
 */
export const CRITICAL_SEL_TYPES: ReadonlySet<string> = new Set([
  'Memory',
  'Power Supply',
  'Power Unit',
  'Processor',
  'Temperature',
  'Voltage',
  'Current',
  'Fan',
  'Cooling Device',
  'Critical Interrupt',
  'Drive Slot / Bay',
]);

/** Whether SEL entries of this sensor type are ones the rules judge (the collector keeps those first). */
export function isCriticalSelType(sensorType: string | undefined): boolean {
  return sensorType !== undefined && CRITICAL_SEL_TYPES.has(sensorType);
}

/** Event words that mean the fault happened (fail), as opposed to a warning sign (warn). */
const SEVERE =
  /uncorrectable|non-recoverable|\bierr\b|thermal trip|failure detected|fatal|machine check|(?<!non-)critical (?:going|over)|bus (?:fatal|uncorrectable)|configuration error|drive fault|in failed array/i;
/** Words that stay a warning even when a SEVERE word is in them. */
const MILD = /predictive/i;

function severity(text: string): Problem['verdict'] {
  return SEVERE.test(text) && !MILD.test(text) ? 'fail' : 'warn';
}

/** A deasserted event is the end of a condition; only assertions (and events without a direction) count. */
function selProblem(e: SelEntry): Problem | undefined {
  if (e.asserted === false || !isCriticalSelType(e.sensorType)) return undefined;
  const when = e.time ?? 'unknown time';
  return { verdict: severity(e.event), reason: `SEL ${when}: ${e.sensor}: ${e.event}` };
}

/** Discrete states that are faults. ipmitool words them after the IPMI specification's tables. */
const STATE_RULES: readonly { test: RegExp; verdict: Problem['verdict']; words: string }[] = [
  { test: /predictive failure/i, verdict: 'warn', words: 'predictive failure' },
  { test: SEVERE, verdict: 'fail', words: 'failure' },
  { test: /redundancy lost|non-redundant/i, verdict: 'warn', words: 'redundancy lost' },
  { test: /redundancy degraded/i, verdict: 'warn', words: 'redundancy degraded' },
  { test: /(?:ac|input) lost/i, verdict: 'warn', words: 'input power lost' },
];

/** ipmitool's status column: the crossed threshold (lower/upper non-critical, critical, non-recoverable). */
// A Map, not an object: the status is the peer's text ("constructor" must not find Object's).
const THRESHOLDS = new Map<string, { verdict: Problem['verdict']; words: string }>([
  ['lnc', { verdict: 'warn', words: 'lower non-critical' }],
  ['unc', { verdict: 'warn', words: 'upper non-critical' }],
  ['nc', { verdict: 'warn', words: 'non-critical' }],
  ['lcr', { verdict: 'fail', words: 'lower critical' }],
  ['ucr', { verdict: 'fail', words: 'upper critical' }],
  ['cr', { verdict: 'fail', words: 'critical' }],
  ['lnr', { verdict: 'fail', words: 'lower non-recoverable' }],
  ['unr', { verdict: 'fail', words: 'upper non-recoverable' }],
  ['nr', { verdict: 'fail', words: 'non-recoverable' }],
]);

function sensorProblems(s: SensorReading): Problem[] {
  const reading = s.reading !== undefined ? `${s.reading}${s.unit ? ` ${s.unit}` : ''}` : s.status;
  const out: Problem[] = [];
  // ipmitool's status is the threshold the reading crossed, by the BMC's own thresholds for the sensor.
  const crossed = THRESHOLDS.get(s.status);
  if (crossed)
    out.push({
      verdict: crossed.verdict,
      reason: `sensor ${s.name}: ${reading}, ${crossed.words} threshold crossed`,
    });
  if (s.state !== undefined)
    for (const r of STATE_RULES)
      if (r.test.test(s.state)) {
        const psu = /redundancy/.test(r.words) ? 'PSU ' : '';
        out.push({ verdict: r.verdict, reason: `${psu}${r.words}: sensor ${s.name}: ${s.state}` });
        break;
      }
  return out;
}

/** Findings for the BMC's sensors and event log, each only when the collector could read it. */
export function assessBmc(b: BmcInfo): HealthFinding[] {
  const out: HealthFinding[] = [];
  if (b.sensors) {
    const p = b.sensors.flatMap(sensorProblems);
    const bad = b.sensors.filter((s) => sensorProblems(s).length > 0);
    const values: HealthFinding['values'] = { sensors: b.sensors.length, outOfRange: bad.length };
    for (const s of bad.slice(0, 20))
      values[`sensor ${s.name}`] =
        s.reading !== undefined ? `${s.reading} ${s.unit ?? ''} (${s.status})`.trim() : (s.state ?? s.status);
    out.push(finding('bmc sensors', p, values));
  }
  if (b.sel) {
    const p = b.sel.entries.flatMap((e) => selProblem(e) ?? []);
    out.push(finding('bmc event log', p, { entries: b.sel.total, criticalEntries: p.length }));
  }
  return out;
}

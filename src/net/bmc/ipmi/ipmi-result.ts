// Reading ipmitool's answers: power status from stdout, and why a call failed from stderr (pure).
// ipmitool ends every session failure with the same line, so the reason is read from the line before
// it (with -v), and "nobody answered" is split into unreachable/timeout by an RMCP presence ping.
import type { PingOutcome } from './rmcp.js';

export type IpmiFailureKind = 'auth' | 'unreachable' | 'timeout' | 'other';

export class IpmiError extends Error {
  constructor(
    readonly kind: IpmiFailureKind,
    readonly detail: string,
  ) {
    super(`${IPMI_FAILURE_TEXT[kind]}: ${detail}`);
    this.name = 'IpmiError';
  }
}

export const IPMI_FAILURE_TEXT: Record<IpmiFailureKind, string> = {
  auth: 'authentication failed',
  unreachable: 'BMC unreachable',
  timeout: 'BMC timed out',
  other: 'IPMI failed',
};

/** -v chatter that says nothing about a failure. */
const NOISE = [
  /^Loading IANA PEN Registry/,
  /^Running Get VSO Capabilities/,
  /^Invalid completion code received: Invalid command/,
  /^Discovered IPMB address/,
];

/** The informative stderr lines, one string; "" when there are none. */
export function failureDetail(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^>\s*/, '').trim())
    .filter((l) => l.length > 0 && !NOISE.some((re) => re.test(l)))
    .join('; ');
}

const AUTH =
  /RAKP \d (HMAC is invalid|message indicates an error)|unauthorized name|insufficient resources for session|invalid (user ?name|password)|password/i;

/**
 * Classifies a failed ipmitool run. `killed`: our own time limit ended it. `ping`: what an RMCP
 * presence ping to the same address saw (only asked for when ipmitool heard nothing).
 */
export function classifyIpmiFailure(r: {
  stderr: string;
  killed: boolean;
  ping?: PingOutcome;
}): IpmiFailureKind {
  if (r.killed) return 'timeout';
  if (AUTH.test(r.stderr)) return 'auth';
  if (needsPing(r.stderr)) {
    if (r.ping === 'refused' || r.ping === 'no-route') return 'unreachable';
    if (r.ping === 'silent') return 'timeout';
  }
  return 'other';
}

/** True when ipmitool failed without hearing a single answer (the only case a ping can explain). */
export function needsPing(stderr: string): boolean {
  return /Get Auth Capabilities error|No response from remote controller/i.test(stderr) && !AUTH.test(stderr);
}

/** True for failures worth another try (never auth: retrying a wrong password can lock the account). */
export function isRetryable(kind: IpmiFailureKind): boolean {
  return kind !== 'auth';
}

export type ChassisPower = 'on' | 'off';

/** "Chassis Power is on|off" → the state; anything else → undefined. */
export function parsePowerStatus(stdout: string): ChassisPower | undefined {
  const m = /Chassis Power is (on|off)\b/i.exec(stdout);
  return m ? (m[1]!.toLowerCase() as ChassisPower) : undefined;
}

// Reads and validates the config file. A bad file yields one line per problem: field path + expectation.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve, sep } from 'node:path';
import type { z } from 'zod';
import { configSchema, type ReconConfig } from './schema.js';
import { jsonErrorPlace, keysAt, nearestKey } from './suggest.js';
import { ipv4ToInt } from '../../shared/ip.js';

export const DEFAULT_CONFIG_PATH = '/etc/recon/recon.json';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an already-parsed object. Pure: table-tested. */
export function parseConfig(raw: unknown, source = '<config>'): ReconConfig {
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) {
    throw new ConfigError(source, r.error.issues.flatMap(describeIssue));
  }
  const problems = crossCheck(r.data);
  if (problems.length) throw new ConfigError(source, problems);
  return r.data;
}

/** One line per problem: where, and what was expected; a misspelt key gets the key it probably meant. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code !== 'unrecognized_keys') return [`${where}: ${issue.message}`];
  const known = keysAt(configSchema, issue.path);
  return issue.keys.map((key) => {
    const near = nearestKey(key, known);
    const at = issue.path.length ? `${where}.${key}` : key;
    return `${at}: unknown key${near ? ` (did you mean \`${near}\`?)` : ''}`;
  });
}

/** Rules that span several fields. */
function crossCheck(c: ReconConfig): string[] {
  const out: string[] = [];
  const mask = c.ipv4.prefix === 0 ? 0 : (~0 << (32 - c.ipv4.prefix)) >>> 0;
  const net = (ipv4ToInt(c.ipv4.address) & mask) >>> 0;
  const inNet = (ip: string) => (ipv4ToInt(ip) & mask) >>> 0 === net;
  const [lo, hi] = c.ipv4.range;
  if (!inNet(lo)) out.push(`ipv4.range.0: ${lo} is outside ${c.ipv4.address}/${c.ipv4.prefix}`);
  if (!inNet(hi)) out.push(`ipv4.range.1: ${hi} is outside ${c.ipv4.address}/${c.ipv4.prefix}`);
  if (ipv4ToInt(lo) > ipv4ToInt(hi)) out.push(`ipv4.range: start ${lo} is after end ${hi}`);
  const self = ipv4ToInt(c.ipv4.address);
  if (self >= ipv4ToInt(lo) && self <= ipv4ToInt(hi))
    out.push(`ipv4.range: contains the master's own address ${c.ipv4.address}`);
  if (c.ipv4.leaseSeconds > c.ipv4.maxLeaseSeconds)
    out.push(
      `ipv4.leaseSeconds: ${c.ipv4.leaseSeconds} is more than ipv4.maxLeaseSeconds ${c.ipv4.maxLeaseSeconds}`,
    );
  c.ipv4.reservations.forEach((r, i) => {
    if (r.ip && !inNet(r.ip)) out.push(`ipv4.reservations.${i}.ip: ${r.ip} is outside the master's subnet`);
  });
  const seen = new Set<string>();
  c.ipv4.reservations.forEach((r, i) => {
    if (seen.has(r.mac)) out.push(`ipv4.reservations.${i}.mac: ${r.mac} is reserved twice`);
    seen.add(r.mac);
  });
  for (const [i, s] of c.ipv6.range.entries()) {
    if (isIP(`fd00${s}`) !== 6 && isIP(`fd00:${s}`) !== 6)
      out.push(`ipv6.range.${i}: expected an interface id like ::1000`);
  }
  if (c.power.ipmi.password !== undefined && c.power.ipmi.passwordFile !== undefined)
    out.push('power.ipmi: give password or passwordFile, not both');
  if (c.controlSocketReadOnly !== undefined && resolve(c.controlSocketReadOnly) === resolve(c.controlSocket))
    out.push('controlSocketReadOnly: must not be the control socket itself');
  out.push(...servedTreeOverlaps(c));
  return out;
}

/** `a` is `b` or lies below it (paths compared as written, after normalizing). */
function within(a: string, b: string): boolean {
  const [na, nb] = [resolve(a), resolve(b)];
  return na === nb || na.startsWith(nb.endsWith(sep) ? nb : nb + sep);
}

/**
 * The data dir (state, event log, inventories, the log) and the log file must share no directory with a
 * tree the master serves to every peer: an HTTP root or the TFTP root, neither inside nor around it.
 */
export function servedTreeOverlaps(c: ReconConfig): string[] {
  const served: [string, string][] = [
    ...Object.entries(c.http.roots).map(([prefix, dir]): [string, string] => [
      dir,
      `the HTTP root ${prefix}`,
    ]),
    [c.tftpRoot, 'the TFTP root'],
  ];
  const out: string[] = [];
  for (const [dir, what] of served) {
    if (within(c.dataDir, dir))
      out.push(
        `dataDir: ${c.dataDir} is inside ${what} (${dir}), so every peer could download the log, events and state: move dataDir out of it`,
      );
    else if (within(dir, c.dataDir))
      out.push(
        `dataDir: ${c.dataDir} contains ${what} (${dir}), so every peer could download the log, events and state: serve a directory outside dataDir`,
      );
    if (c.log.file !== undefined && within(c.log.file, dir))
      out.push(`log.file: ${c.log.file} is inside ${what} (${dir}): every peer could download it`);
  }
  return out;
}

/** Loads a JSON config file; a missing default file means "all defaults". */
export function loadConfig(file: string | undefined): ReconConfig {
  const path = file ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === undefined) return parseConfig({}, '<defaults>');
    throw new ConfigError(path, [`cannot read: ${code ?? String(e)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [
      `not valid JSON at ${jsonErrorPlace(text, e as Error)}: ${(e as Error).message}`,
    ]);
  }
  return parseConfig(raw, path);
}

// Option values a user types that node's parseArgs reads differently than meant, and the checks of numeric
// options, so a bad number gets one line that names the flag and the accepted range.
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--peers -1` → `--peers=-1`: parseArgs takes a value that starts with a dash for an option and calls the
 * flag ambiguous, so a negative number after a string option is joined to it (and then refused by the range
 * check with a clear line). Pure.
 */
export function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * A whole-number option within [min, max], or `fallback` when the flag is absent. Digits only: `1e3`, `0x10`,
 * `2.5`, `` and `-1` are refused, never read as some other number.
 */
export function wholeNumber(
  command: string,
  flag: string,
  value: unknown,
  range: { min: number; max: number; fallback: number },
): number {
  if (value === undefined) return range.fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= range.min && n <= range.max))
    throw new CliError(
      `recon ${command}: --${flag} must be a whole number from ${range.min} to ${range.max} (got '${typeof value === 'string' ? value : JSON.stringify(value)}')`,
    );
  return n;
}

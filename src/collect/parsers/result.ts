// What every parser returns: a value, or the reason the input could not be read. Parsers never throw, so one
// tool's garbage can only ever turn into one `unparsable` entry in the inventory's `tools` map.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

/** Runs a parser body, turning any unexpected exception into a failure instead of a crash. */
export function guard<T>(what: string, body: () => ParseResult<T>): ParseResult<T> {
  try {
    return body();
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

/** Parses JSON, failing (not throwing) on truncated or garbage text. */
export function parseJson(what: string, text: string): ParseResult<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return fail(`${what}: not JSON (${(e as Error).message})`);
  }
}

/** Line-oriented tools always end their output with a newline; text that does not was cut off. */
export function requireComplete(what: string, text: string): string | undefined {
  if (text.trim() === '') return `${what}: empty output`;
  if (!text.endsWith('\n')) return `${what}: truncated output (no final newline)`;
  return undefined;
}

// Values firmware writes when it has nothing to say. They are "not known", never data.
const PLACEHOLDERS = new Set(
  [
    '',
    '--',
    'not specified',
    'not provided',
    'not present',
    'not settable', // dmidecode's word for an all-zero UUID
    'not available',
    'unknown',
    'none',
    'n/a',
    'na',
    'to be filled by o.e.m.',
    'to be filled by oem',
    'default string',
    'system product name',
    'system manufacturer',
    'system serial number',
    'system version',
    'base board serial number',
    'chassis serial number',
    'o.e.m.',
    'oem',
    '0123456789',
    '123456789',
    'xxxxxxxxxxxx',
    'no asset tag',
    'unspecified',
  ].map((s) => s.toLowerCase()),
);

/** Trimmed value, or undefined for empty/placeholder text. */
export function clean(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  if (PLACEHOLDERS.has(s.toLowerCase())) return undefined;
  if (/^[0fx]+$/i.test(s.replace(/[-:\s]/g, '')) && /[0f]{6,}/i.test(s)) return undefined; // 0000..., FFFF...
  return s;
}

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+)/.exec(v);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

const UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** "16 GB", "16384 MB", "64 kB" → bytes (SMBIOS and /proc use binary units). */
export function sizeToBytes(v: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(v ?? '');
  if (!m?.[1] || !m[2]) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits "Key: value" lines (one separator per line), keeping the first occurrence of each key. */
export function keyValues(text: string, sep = ':'): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(sep);
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    if (key && !out.has(key)) out.set(key, line.slice(i + sep.length).trim());
  }
  return out;
}

// Secrets in the config (the BMC password today) never leave the master in clear: `--print-config`
// shows them redacted, and the log redacts the same keys wherever they sit in a logged object.

/** Keys whose values are credentials, wherever they appear (config, a logged object, an environment). */
const SECRET_KEYS = ['password', 'IPMI_PASSWORD', 'secret', 'token'] as const;

export const REDACTED = '[redacted]';

const isSecretKey = (key: string) => (SECRET_KEYS as readonly string[]).includes(key);

/** A copy of `value` with every secret key's value replaced by REDACTED. Pure. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => redactSecrets(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = isSecretKey(k) && v !== undefined ? REDACTED : redactSecrets(v);
  return out as T;
}

/** How deep below a log line's top level a secret key is still found (config.power.ipmi.password is 3). */
const LOG_DEPTH = 4;

/** pino `redact` paths: every secret key at the top level and up to LOG_DEPTH levels down. */
export const SECRET_LOG_PATHS: string[] = SECRET_KEYS.flatMap((key) =>
  Array.from({ length: LOG_DEPTH + 1 }, (_, depth) => [...Array<string>(depth).fill('*'), key].join('.')),
);

// Trust on first use for BMC certificates. BMCs ship self-signed certificates, so no CA can vouch for
// them: the SHA-256 fingerprint seen on first contact is recorded (one JSON file in the data dir), and a
// later contact showing another fingerprint is refused until the operator accepts the new one.
// The decision is pure; the store is one small file written atomically.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { writeFileDurable } from '../../shared/durable.js';

/** "AB:CD:…" upper-case hex pairs, as openssl and browsers show it. */
export type Fingerprint = string;

export interface PinRecord {
  sha256: Fingerprint;
  firstSeen: string;
}

/** endpoint ("host:port") → the fingerprint trusted for it */
export type PinTable = Record<string, PinRecord>;

export type PinVerdict =
  | { kind: 'trusted' }
  | { kind: 'first-use' }
  | { kind: 'changed'; recorded: Fingerprint; seen: Fingerprint };

/** The trust store's key for a BMC's HTTPS endpoint: "host:port", "[v6]:port". */
export function endpointKey(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A SHA-256 fingerprint as 32 upper-case hex pairs, whatever separators it was given with; '' if it is none. */
export function normalizeFingerprint(fp: string): Fingerprint {
  const hex = fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** Whether `fp` (normalized) is a whole SHA-256 fingerprint: 32 hex pairs. */
export function isSha256Fingerprint(fp: Fingerprint): boolean {
  return /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/.test(fp);
}

/** What a certificate with fingerprint `seen` at `endpoint` means under `pins`. Pure. */
export function judgeFingerprint(pins: PinTable, endpoint: string, seen: Fingerprint): PinVerdict {
  const rec = pins[endpoint];
  if (!rec) return { kind: 'first-use' };
  const recorded = normalizeFingerprint(rec.sha256);
  return recorded === normalizeFingerprint(seen)
    ? { kind: 'trusted' }
    : { kind: 'changed', recorded, seen: normalizeFingerprint(seen) };
}

const MAX_STORE_BYTES = 1 << 20;

/** The pins in `path`; none when the file does not exist. A damaged file is an error, never "no pins". */
export async function loadPins(path: string): Promise<PinTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  if (text.length > MAX_STORE_BYTES) throw new Error(`${path}: larger than ${MAX_STORE_BYTES} bytes`);
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: not a table of BMC certificate fingerprints`);
  const pins: PinTable = {};
  for (const [endpoint, rec] of Object.entries(parsed as Record<string, unknown>)) {
    const r = rec as Partial<PinRecord> | null;
    if (typeof r?.sha256 !== 'string') throw new Error(`${path}: ${endpoint} has no sha256`);
    pins[endpoint] = { sha256: normalizeFingerprint(r.sha256), firstSeen: String(r.firstSeen ?? '') };
  }
  return pins;
}

async function savePins(path: string, pins: PinTable): Promise<void> {
  await writeFileDurable(path, JSON.stringify(pins, null, 2) + '\n', { mode: 0o600 });
}

// one writer at a time per store file in this process: a read-modify-write must not lose a pin
const queues = new Map<string, Promise<unknown>>();
function serialized<T>(path: string, job: () => Promise<T>): Promise<T> {
  const next = (queues.get(path) ?? Promise.resolve()).then(job, job);
  queues.set(
    path,
    next.catch(() => undefined),
  );
  return next;
}

/** Records `fingerprint` for `endpoint` when nothing is recorded yet; returns the verdict before recording. */
export function pinOnFirstUse(path: string, endpoint: string, fingerprint: Fingerprint): Promise<PinVerdict> {
  return serialized(path, async () => {
    const pins = await loadPins(path);
    const verdict = judgeFingerprint(pins, endpoint, fingerprint);
    if (verdict.kind === 'first-use') {
      pins[endpoint] = { sha256: normalizeFingerprint(fingerprint), firstSeen: new Date().toISOString() };
      await savePins(path, pins);
    }
    return verdict;
  });
}

/** The operator's word: from now on `fingerprint` is the trusted certificate of `endpoint`. */
export function acceptFingerprint(path: string, endpoint: string, fingerprint: Fingerprint): Promise<void> {
  return serialized(path, async () => {
    const pins = await loadPins(path);
    pins[endpoint] = { sha256: normalizeFingerprint(fingerprint), firstSeen: new Date().toISOString() };
    await savePins(path, pins);
  });
}

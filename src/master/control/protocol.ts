// The control-socket protocol between `recon master` and its consoles: JSON lines over a Unix socket.
// Client → master: requests (subscribe, get, node-events, action). Master → client: a snapshot, then
// one line per event, and a reply per request id.
import type { Mac, ReconEvent } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';
import { isSha256Fingerprint, normalizeFingerprint } from '../../net/bmc/tofu.js';

export type Action =
  | { name: 'shutdown'; macs: Mac[] }
  | { name: 'shutdown-all' }
  | { name: 'recollect'; macs: Mac[] }
  | { name: 'poweroff'; confirm: 'poweroff'; waitSeconds?: number }
  | { name: 'export'; format: 'json' | 'csv' | 'html'; out?: string }
  | { name: 'expect'; count: number }
  | { name: 'power-on'; bmcs?: string[]; all?: boolean; cycle?: boolean }
  /** the operator accepts this certificate fingerprint for the BMC's HTTPS endpoint (after a change) */
  | { name: 'bmc-trust'; address: string; fingerprint: string };

export type ActionName = Action['name'];

export type ClientMessage =
  | { op: 'subscribe' }
  | { op: 'get'; id: number }
  | { op: 'node-events'; id: number; mac: Mac }
  | { op: 'action'; id: number; action: Action; by?: string };

export interface ActionOutcome {
  ok: boolean;
  message: string;
  data?: unknown;
}

export type ServerMessage =
  | { kind: 'snapshot'; state: ReconState; version: string }
  | { kind: 'event'; event: ReconEvent }
  | { kind: 'reply'; id: number; ok: boolean; message?: string; data?: unknown }
  | { kind: 'progress'; id: number; message: string };

export const MAX_CLIENT_LINE = 64 * 1024;

/** Splits a byte stream into lines; keeps the unfinished tail. Pure. */
export class LineSplitter {
  private tail = '';
  constructor(private readonly maxLine: number) {}

  /** Returns complete lines; throws when a line grows past maxLine (the peer is broken or hostile). */
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const parts = text.split('\n');
    this.tail = parts.pop() ?? '';
    if (this.tail.length > this.maxLine) throw new Error(`line longer than ${this.maxLine} bytes`);
    return parts.filter((l) => l.length > 0);
  }
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** BMC addresses one power-on may name. */
const MAX_BMCS_PER_ACTION = 1024;

/** Validates a client line; returns a message or an error text. Pure. */
export function parseClientMessage(line: string): ClientMessage | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null) return { error: 'not an object' };
  const m = v as Record<string, unknown>;
  const id = m.id;
  const okId = typeof id === 'number' && Number.isInteger(id);
  switch (m.op) {
    case 'subscribe':
      return { op: 'subscribe' };
    case 'get':
      return okId ? { op: 'get', id } : { error: 'get needs an integer id' };
    case 'node-events':
      if (!okId) return { error: 'node-events needs an integer id' };
      if (typeof m.mac !== 'string' || !MAC_RE.test(m.mac)) return { error: 'node-events needs a mac' };
      return { op: 'node-events', id, mac: m.mac };
    case 'action': {
      if (!okId) return { error: 'action needs an integer id' };
      const a = parseAction(m.action);
      if ('error' in a) return a;
      return { op: 'action', id, action: a, by: typeof m.by === 'string' ? m.by.slice(0, 64) : undefined };
    }
    default:
      return { error: `unknown op ${JSON.stringify(m.op)}` };
  }
}

function parseAction(v: unknown): Action | { error: string } {
  if (typeof v !== 'object' || v === null) return { error: 'action must be an object' };
  const a = v as Record<string, unknown>;
  const macs = (x: unknown): Mac[] | undefined =>
    Array.isArray(x) && x.every((s) => typeof s === 'string' && MAC_RE.test(s)) ? (x as Mac[]) : undefined;
  switch (a.name) {
    case 'shutdown':
    case 'recollect': {
      const list = macs(a.macs);
      if (!list || list.length === 0) return { error: `${a.name} needs macs: ["aa:bb:cc:dd:ee:ff", ...]` };
      return { name: a.name, macs: list };
    }
    case 'shutdown-all':
      return { name: 'shutdown-all' };
    case 'poweroff':
      if (a.confirm !== 'poweroff') return { error: 'poweroff needs confirm: "poweroff"' };
      return {
        name: 'poweroff',
        confirm: 'poweroff',
        waitSeconds: typeof a.waitSeconds === 'number' && a.waitSeconds >= 0 ? a.waitSeconds : undefined,
      };
    case 'export':
      if (a.format !== 'json' && a.format !== 'csv' && a.format !== 'html')
        return { error: 'export needs format json|csv|html' };
      return { name: 'export', format: a.format, out: typeof a.out === 'string' ? a.out : undefined };
    case 'expect':
      if (typeof a.count !== 'number' || !Number.isInteger(a.count) || a.count < 0 || a.count > 1_000_000)
        return { error: 'expect needs count: a whole number 0..1000000 (0 clears it)' };
      return { name: 'expect', count: a.count };
    case 'power-on': {
      const bmcs = a.bmcs;
      const okList =
        bmcs === undefined ||
        (Array.isArray(bmcs) &&
          bmcs.length <= MAX_BMCS_PER_ACTION &&
          bmcs.every((b) => typeof b === 'string' && b.length > 0 && b.length <= 64));
      if (!okList) return { error: `power-on: bmcs must be at most ${MAX_BMCS_PER_ACTION} addresses` };
      if (a.all !== undefined && typeof a.all !== 'boolean')
        return { error: 'power-on: all must be true or false' };
      if (a.cycle !== undefined && typeof a.cycle !== 'boolean')
        return { error: 'power-on: cycle must be true or false' };
      return { name: 'power-on', bmcs: bmcs as string[] | undefined, all: a.all, cycle: a.cycle };
    }
    case 'bmc-trust': {
      if (typeof a.address !== 'string' || a.address.length === 0 || a.address.length > 64)
        return { error: 'bmc-trust needs address: a BMC address' };
      const fingerprint = typeof a.fingerprint === 'string' ? normalizeFingerprint(a.fingerprint) : '';
      if (!isSha256Fingerprint(fingerprint))
        return { error: 'bmc-trust needs fingerprint: the SHA-256 of the certificate (64 hex digits)' };
      return { name: 'bmc-trust', address: a.address, fingerprint };
    }
    default:
      return { error: `unknown action ${JSON.stringify(a.name)}` };
  }
}

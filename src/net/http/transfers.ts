// Boot-file downloads as transfer events (start, progress, done, failed), so the console shows who
// fetched which kernel/initrd/ISO, how many bytes and how long it took. The MAC comes from the lease
// holding the client's address; the reducer moves that node's stage (kernel/initrd/image/menu).
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { EventPayloads, NewEvent } from '../../model/events.js';
import type { StateStore } from '../../model/store.js';
import { macForAddress, normalizeAddress } from './source.js';

export type TransferKind = EventPayloads['transfer.start']['kind'];

/** How often a running transfer reports its byte count (ephemeral events, never written). */
const PROGRESS_EVERY_MS = 1000;

/** Emits without holding up the response; a failed emit is logged, never thrown at a client. */
export function emitQuietly(store: StateStore, log: Logger, ev: NewEvent): void {
  store.emit(ev).catch((e: unknown) => log.warn({ err: e, type: ev.type }, 'could not record event'));
}

export interface TransferStart {
  ip: string;
  file: string;
  kind: TransferKind;
  size?: number;
  /** when the client named itself (menu.ipxe?mac=) */
  mac?: string;
}

/**
 * Starts a transfer record for one response. Returns a function that is told each chunk's size as
 * it goes out; the outcome is decided when the response finishes (done) or closes early (failed).
 */
export function trackTransfer(
  store: StateStore,
  log: Logger,
  t: TransferStart,
  res: ServerResponse,
): (bytes: number) => void {
  const id = `http-${randomBytes(6).toString('hex')}`;
  const ip = normalizeAddress(t.ip);
  const mac = t.mac ?? macForAddress(store.state, ip);
  const started = Date.now();
  let bytes = 0;
  let lastReport = started;
  emitQuietly(store, log, {
    type: 'transfer.start',
    data: { id, proto: 'http', ip, mac, file: t.file, kind: t.kind, size: t.size },
  });
  let settled = false;
  const settle = (ok: boolean, reason?: string) => {
    if (settled) return;
    settled = true;
    if (ok) emitQuietly(store, log, { type: 'transfer.done', data: { id, bytes, ms: Date.now() - started } });
    else
      emitQuietly(store, log, { type: 'transfer.failed', data: { id, bytes, reason: reason ?? 'aborted' } });
  };
  res.once('finish', () => settle(res.statusCode < 400, `HTTP ${res.statusCode}`));
  res.once('close', () => settle(false, 'client went away'));
  return (n) => {
    bytes += n;
    const now = Date.now();
    if (now - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = now;
      emitQuietly(store, log, { type: 'transfer.progress', data: { id, bytes } });
    }
  };
}

// Room on the data partition. A reserve is kept so the small things the operator came for still fit
// when the stick fills up: raw archives (raw.tar.gz, large and optional) are refused once they would cut
// into the reserve; inventories may use it down to a quarter of it, and that last quarter is left to
// the event log (leases, stages), so boots keep being acknowledged. "Full" (free below the reserve, or a
// write that failed with ENOSPC) is reported through the `storage` event into the state.
import { statfs } from 'node:fs/promises';
import { isOutOfSpace } from '../shared/durable.js';
import type { EventPayloads } from './events.js';

export type StorageStatus = EventPayloads['storage'];
/** What is being stored: the floor below which it is refused differs. */
export type StoredKind = 'raw' | 'inventory';

export interface SpaceFigures {
  /** bytes an unprivileged writer may still use */
  freeBytes: number;
  totalBytes: number;
}

/** The bytes that must stay free after storing something of this kind. */
export function floorFor(kind: StoredKind, reserveBytes: number): number {
  return kind === 'raw' ? reserveBytes : Math.floor(reserveBytes / 4);
}

const MiB = 1024 * 1024;
function fmt(bytes: number): string {
  if (bytes < MiB) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}

/** "data partition full: 812 KiB free of 64 MiB (reserve 16 MiB; ...)", for consoles, status and logs. */
export function describeStorage(s: StorageStatus): string {
  const figures = `${fmt(s.freeBytes)} free of ${fmt(s.totalBytes)} (reserve ${fmt(s.reserveBytes)})`;
  if (!s.full) return `data partition: ${figures}`;
  return `data partition full: ${figures}; raw archives refused${s.detail ? `; ${s.detail}` : ''}`;
}

/** Why `bytes` more of `kind` do not fit, or undefined when they do. */
export function refusal(
  kind: StoredKind,
  bytes: number,
  space: SpaceFigures,
  reserveBytes: number,
): string | undefined {
  const floor = floorFor(kind, reserveBytes);
  if (space.freeBytes - bytes >= floor) return undefined;
  const what = kind === 'raw' ? 'raw archives are refused' : 'inventories are refused';
  return (
    `data partition full: ${fmt(space.freeBytes)} free of ${fmt(space.totalBytes)}; ${what} ` +
    `below ${fmt(floor)} free (reserve ${fmt(reserveBytes)})`
  );
}

/**
 * Whether a new status is worth an event: the partition became full or has room again, or, while full,
 * the reason or the free space (by 1 % of the disk) changed. A partition with room is not news: no
 * `storage` event is ever written or sent while the stick is fine (`last` undefined counts as room).
 */
export function isNews(last: StorageStatus | undefined, next: StorageStatus): boolean {
  if ((last?.full ?? false) !== next.full) return true;
  if (!last || !next.full) return false;
  return last.detail !== next.detail || Math.abs(last.freeBytes - next.freeBytes) >= next.totalBytes / 100;
}

export async function measureSpace(dir: string): Promise<SpaceFigures> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * The data partition's room as the master sees it: measures, decides refusals and reports changes of
 * the status through `report` (the store turns it into a `storage` event).
 */
export class DataSpace {
  private last: StorageStatus | undefined;

  constructor(
    private readonly dir: string,
    readonly reserveBytes: number,
    private readonly report: (status: StorageStatus) => void,
    private readonly measure: (dir: string) => Promise<SpaceFigures> = measureSpace,
  ) {}

  /** Measures the partition and reports the status when it changed; `detail` names a failed write. */
  async check(detail?: string): Promise<SpaceFigures> {
    const space = await this.measure(this.dir);
    const status: StorageStatus = {
      full: detail !== undefined || space.freeBytes < this.reserveBytes,
      freeBytes: space.freeBytes,
      totalBytes: space.totalBytes,
      reserveBytes: this.reserveBytes,
      ...(detail !== undefined ? { detail } : {}),
    };
    if (isNews(this.last, status)) {
      this.last = status;
      this.report(status);
    }
    return space;
  }

  /** Why `bytes` of `kind` cannot be stored now, or undefined when they fit. */
  async refuse(kind: StoredKind, bytes: number): Promise<string | undefined> {
    return refusal(kind, bytes, await this.check(), this.reserveBytes);
  }

  /** A write failed: when for lack of space, the status says so at once. */
  async noteFailure(e: unknown, what: string): Promise<void> {
    if (!isOutOfSpace(e)) return;
    await this.check(`${what}: ${(e as NodeJS.ErrnoException).code}`).catch(() => undefined);
  }
}

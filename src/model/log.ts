// The append-only event log (events.jsonl): group-committed appends and crash-tolerant recovery.
// Many appends issued in the same turn of the event loop share one synchronous-data write (O_DSYNC),
// so a DHCP server can wait for durability on every ACK and still answer thousands of clients a second.
// An append is acknowledged only when every byte of it is written: a batch that fails part-way (a full
// disk) rejects all its waiters and is cut off again, so the next batch starts on a clean line.
import { open } from 'node:fs/promises';
import { constants, createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openFile, writeAll, type OpenFile, type WritableFile } from '../shared/durable.js';
import type { ReconEvent } from './events.js';

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface LogRecovery {
  events: ReconEvent[];
  skipped: SkippedLine[];
  /** bytes cut from the end: a torn last line from a crash mid-write */
  truncatedBytes: number;
}

function checkEvent(v: unknown): v is ReconEvent {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.seq === 'number' &&
    Number.isInteger(o.seq) &&
    typeof o.at === 'string' &&
    typeof o.type === 'string' &&
    typeof o.data === 'object' &&
    o.data !== null
  );
}

/**
 * Reads every event with seq > afterSeq. A last line without its newline is a torn write: it is
 * reported and cut off so the next append starts on a clean line. A bad line in the middle is
 * reported and skipped; nothing before or after it is lost.
 */
export async function readLog(path: string, afterSeq = 0): Promise<LogRecovery> {
  const out: LogRecovery = { events: [], skipped: [], truncatedBytes: 0 };
  if (!existsSync(path)) return out;
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    let goodEnd = 0;
    let offset = 0;
    let lineNo = 0;
    const rl = createInterface({
      input: createReadStream('', { fd: fh.fd, autoClose: false, start: 0 }),
      crlfDelay: Infinity,
    });
    let lastSeq = 0;
    for await (const line of rl) {
      lineNo++;
      const bytes = Buffer.byteLength(line) + 1;
      const complete = offset + bytes <= size; // readline also yields a final line with no newline
      offset += bytes;
      if (!complete) {
        out.skipped.push({ line: lineNo, reason: 'torn last line (no newline): cut off' });
        break;
      }
      goodEnd = offset;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        out.skipped.push({ line: lineNo, reason: 'not valid JSON' });
        continue;
      }
      if (!checkEvent(v)) {
        out.skipped.push({ line: lineNo, reason: 'not an event (seq/at/type/data missing)' });
        continue;
      }
      if (v.seq <= lastSeq) {
        out.skipped.push({ line: lineNo, reason: `sequence ${v.seq} not after ${lastSeq}` });
        continue;
      }
      lastSeq = v.seq;
      if (v.seq > afterSeq) out.events.push(v);
    }
    if (goodEnd < size) {
      out.truncatedBytes = size - goodEnd;
      await fh.truncate(goodEnd);
      await fh.sync();
    }
  } finally {
    await fh.close();
  }
  return out;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class EventLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  /** set when a failed batch may have left bytes after `end` that could not be cut off yet */
  private tornTail = false;

  private constructor(
    private readonly fh: WritableFile,
    /** the size of the file up to its last acknowledged line */
    private end: number,
  ) {}

  static async open(path: string, opts: { openFile?: OpenFile } = {}): Promise<EventLog> {
    // O_DSYNC: write() returns only once the data (and the size needed to read it back) is on stable
    // storage, as write + fdatasync would, but in one system call and one thread-pool round trip.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;
    const fh = await (opts.openFile ?? openFile)(path, flags, 0o644);
    return new EventLog(fh, (await fh.stat()).size);
  }

  /** Resolves once the event is on stable storage; rejects (ENOSPC, EIO, ...) when it could not be written. */
  append(ev: ReconEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: JSON.stringify(ev) + '\n', resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushBatch().finally(() => {
        this.flushing = undefined;
        if (this.queue.length) this.schedule();
      });
    });
  }

  private async flushBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    const data = Buffer.from(batch.map((p) => p.line).join(''));
    try {
      if (this.tornTail) await this.cutTornTail();
      await writeAll(this.fh, data);
      this.end += data.length;
    } catch (e) {
      // part of the batch may be on disk without its end: cut it, or try again before the next batch
      this.tornTail = true;
      await this.cutTornTail().catch(() => undefined);
      for (const p of batch) p.reject(e as Error);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private async cutTornTail(): Promise<void> {
    await this.fh.truncate(this.end);
    await this.fh.datasync();
    this.tornTail = false;
  }

  /** Waits for everything appended so far to be durable. */
  async flush(): Promise<void> {
    while (this.flushing || this.queue.length || this.scheduled) {
      if (this.flushing) await this.flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fh.close();
  }
}

// A disk that writes short and then fills up, injected under the event log and the upload writer: every
// acknowledged byte is on disk, nothing that failed is acknowledged, the log stays clean and replayable,
// and the reserve decisions (raw archives first, inventories later, events last) hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, mkdtemp, readFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EventLog, readLog } from '../../src/model/log.js';
import type { ReconEvent } from '../../src/model/events.js';
import { DataSpace, describeStorage, floorFor, refusal, type StorageStatus } from '../../src/model/space.js';
import { writeAll, type OpenFile, type WritableFile } from '../../src/shared/durable.js';
import { streamToFileDurable } from '../../src/net/http/upload.js';
import { HttpFailure } from '../../src/net/http/static.js';
import { applyEvent, initialState } from '../../src/model/reducer.js';
import { formatStatus, summarize } from '../../src/cli/status-format.js';

const MiB = 1024 * 1024;

/** How the fake disk behaves: at most `perWrite` bytes per write(2), and `room` bytes in all (then ENOSPC). */
interface Disk {
  perWrite: number;
  room: number;
  writes: number;
}

function noSpace(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** A real file handle whose writes go short and fail as `disk` says. */
function onDisk(fh: FileHandle, disk: Disk): WritableFile {
  const write = async (data: Uint8Array, offset = 0, length = data.length - offset) => {
    disk.writes++;
    if (disk.room <= 0) throw noSpace();
    const n = Math.min(length, disk.perWrite, disk.room);
    disk.room -= n;
    return fh.write(data, offset, n);
  };
  return {
    write: write as WritableFile['write'],
    sync: () => fh.sync(),
    datasync: () => fh.datasync(),
    truncate: (len?: number) => fh.truncate(len),
    stat: (() => fh.stat()) as WritableFile['stat'],
    close: () => fh.close(),
  };
}

const opener =
  (disk: Disk): OpenFile =>
  async (path, flags, mode) =>
    onDisk(await open(path, flags, mode), disk);

function stageEvent(seq: number): ReconEvent {
  return {
    seq,
    at: '2026-01-01T00:00:00.000Z',
    type: 'node.stage',
    data: { mac: '52:54:00:00:00:01', stage: 'collecting', detail: `event ${seq} `.padEnd(60, 'x') },
  };
}

function request(chunks: Buffer[], declared?: number): IncomingMessage {
  const headers = declared === undefined ? {} : { 'content-length': String(declared) };
  return Object.assign(Readable.from(chunks), { headers, complete: true }) as unknown as IncomingMessage;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-full-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test('writeAll loops over short writes until every byte is written', async () => {
  const got: number[] = [];
  const data = Buffer.from('0123456789abcdef');
  const file = {
    write: ((buf: Uint8Array, offset: number, length: number) => {
      const n = Math.min(3, length);
      got.push(...buf.subarray(offset, offset + n));
      return Promise.resolve({ bytesWritten: n, buffer: buf });
    }) as FileHandle['write'],
  };
  await writeAll(file, data);
  assert.deepEqual(Buffer.from(got), data);
  // a write that stores nothing is an error, not an endless loop
  const stuck = {
    write: ((buf: Uint8Array) => Promise.resolve({ bytesWritten: 0, buffer: buf })) as FileHandle['write'],
  };
  await assert.rejects(writeAll(stuck, data), /stored nothing/);
});

void test('event log: every append on a short-writing disk is acknowledged whole and replays', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'events.jsonl');
    const disk: Disk = { perWrite: 64, room: Infinity, writes: 0 };
    const log = await EventLog.open(path, { openFile: opener(disk) });
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(stageEvent(i + 1))));
    await log.close();
    const rec = await readLog(path);
    assert.deepEqual(
      rec.events.map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.deepEqual(rec.skipped, []);
    assert.ok(disk.writes > 40, `short writes were looped (${disk.writes} writes)`);
  });
});

void test('event log: a full disk fails its waiters, leaves no torn line, and takes appends again once there is room', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'events.jsonl');
    const disk: Disk = { perWrite: 50, room: 2000, writes: 0 };
    const log = await EventLog.open(path, { openFile: opener(disk) });
    const acked: number[] = [];
    const failed: string[] = [];
    // batches of five in one turn each, so a batch can fail in its middle
    for (let seq = 1; seq <= 60; seq += 5)
      await Promise.all(
        [0, 1, 2, 3, 4].map((k) =>
          log.append(stageEvent(seq + k)).then(
            () => acked.push(seq + k),
            (e: NodeJS.ErrnoException) => failed.push(e.code ?? e.message),
          ),
        ),
      );
    assert.ok(acked.length > 0 && failed.length > 0, `acked ${acked.length}, failed ${failed.length}`);
    assert.ok(failed.every((c) => c === 'ENOSPC'));
    let rec = await readLog(path);
    assert.deepEqual(
      rec.events.map((e) => e.seq),
      acked,
    );
    assert.deepEqual(rec.skipped, [], 'no torn or glued line on disk');
    // room again (the operator deleted something): the next append starts on a clean line
    disk.room = Infinity;
    await log.append(stageEvent(100));
    await log.close();
    rec = await readLog(path);
    assert.deepEqual(
      rec.events.map((e) => e.seq),
      [...acked, 100],
    );
    assert.deepEqual(rec.skipped, []);
  });
});

void test('upload: the sha256 returned is of the bytes on disk, through short writes', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'nodes', 'm', 'raw.tar.gz');
    const chunks = Array.from({ length: 30 }, (_, i) => Buffer.alloc(1024, i));
    const all = Buffer.concat(chunks);
    const disk: Disk = { perWrite: 1000, room: Infinity, writes: 0 };
    const stored = await streamToFileDurable(request(chunks, all.length), path, 1 * MiB, {
      openFile: opener(disk),
    });
    const onFile = await readFile(path);
    assert.equal(onFile.length, all.length);
    assert.equal(stored.sha256, sha(onFile));
    assert.equal(stored.bytes, onFile.length);
  });
});

void test('upload: a disk that fills mid-body answers 507 and leaves nothing behind', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'nodes', 'm', 'raw.tar.gz');
    const chunks = Array.from({ length: 30 }, (_, i) => Buffer.alloc(1024, i));
    const disk: Disk = { perWrite: 1000, room: 24 * 1024, writes: 0 };
    await assert.rejects(
      streamToFileDurable(request(chunks, 30 * 1024), path, 1 * MiB, { openFile: opener(disk) }),
      (e: unknown) => e instanceof HttpFailure && e.status === 507 && /ENOSPC/.test(e.message),
    );
    assert.deepEqual(await readdir(join(dir, 'nodes', 'm')), [], 'no final file, no temp file');
  });
});

void test('upload: a raw archive that would cut into the reserve is refused before a byte is written', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'nodes', 'm', 'raw.tar.gz');
    const reports: StorageStatus[] = [];
    const space = new DataSpace(
      dir,
      4 * MiB,
      (s) => reports.push(s),
      () => Promise.resolve({ freeBytes: 5 * MiB, totalBytes: 64 * MiB }),
    );
    const chunks = [Buffer.alloc(2 * MiB)];
    await assert.rejects(
      streamToFileDurable(request(chunks, 2 * MiB), path, 64 * MiB, { space: { gate: space, kind: 'raw' } }),
      (e: unknown) =>
        e instanceof HttpFailure && e.status === 507 && /raw archives are refused/.test(e.message),
    );
    await assert.rejects(readdir(join(dir, 'nodes')), /ENOENT/);
    // the same bytes as an inventory fit: inventories may use the reserve down to a quarter of it
    assert.equal(await space.refuse('inventory', 2 * MiB), undefined);
    assert.deepEqual(reports, [], 'a partition with room is not news');
  });
});

void test('reserve: raw archives, then inventories, are refused as free space shrinks (table)', () => {
  const reserve = 16 * MiB;
  assert.equal(floorFor('raw', reserve), 16 * MiB);
  assert.equal(floorFor('inventory', reserve), 4 * MiB);
  const cases: { free: number; kind: 'raw' | 'inventory'; bytes: number; ok: boolean }[] = [
    { free: 100 * MiB, kind: 'raw', bytes: 64 * MiB, ok: true },
    { free: 100 * MiB, kind: 'raw', bytes: 90 * MiB, ok: false },
    { free: 17 * MiB, kind: 'raw', bytes: 1 * MiB, ok: true },
    { free: 17 * MiB, kind: 'raw', bytes: 2 * MiB, ok: false },
    { free: 10 * MiB, kind: 'raw', bytes: 0, ok: false },
    { free: 10 * MiB, kind: 'inventory', bytes: 1 * MiB, ok: true },
    { free: 5 * MiB, kind: 'inventory', bytes: 1 * MiB, ok: true },
    { free: 5 * MiB, kind: 'inventory', bytes: 2 * MiB, ok: false },
  ];
  for (const c of cases) {
    const why = refusal(c.kind, c.bytes, { freeBytes: c.free, totalBytes: 1024 * MiB }, reserve);
    assert.equal(why === undefined, c.ok, JSON.stringify(c));
    if (why) assert.match(why, /^data partition full: [\d.]+ MiB free of 1024 MiB/);
  }
});

void test('data space: status reports on change, and a failed write marks the partition full at once', async () => {
  let free = 30 * MiB;
  const reports: StorageStatus[] = [];
  const space = new DataSpace(
    '/unused',
    16 * MiB,
    (s) => reports.push(s),
    () => Promise.resolve({ freeBytes: free, totalBytes: 100 * MiB }),
  );
  await space.check();
  assert.equal(reports.length, 0, 'room is not news');
  free = 10 * MiB; // below the reserve
  await space.check();
  assert.equal(reports.at(-1)?.full, true);
  free -= 100 * 1024; // less than 1 % of the disk: no news
  await space.check();
  free -= 1000 * 1024; // 1 % more since the last report
  await space.check();
  assert.deepEqual(
    reports.map((r) => r.freeBytes),
    [10 * MiB, 10 * MiB - 1100 * 1024],
  );
  assert.match(
    describeStorage(reports[0]!),
    /^data partition full: 10 MiB free of 100 MiB \(reserve 16 MiB\)/,
  );
  free = 50 * MiB;
  await space.check();
  assert.equal(reports.at(-1)?.full, false);
  await space.noteFailure(noSpace(), 'event log');
  assert.equal(reports.at(-1)?.full, true);
  assert.equal(reports.at(-1)?.detail, 'event log: ENOSPC');
  const before = reports.length;
  await space.noteFailure(Object.assign(new Error('EIO'), { code: 'EIO' }), 'event log');
  assert.equal(reports.length, before, 'an I/O error is not a full disk');
});

void test('recon status names a full data partition with its figures; room again clears the alert', () => {
  const state = initialState();
  const storage = (full: boolean, freeBytes: number, seq: number) =>
    applyEvent(state, {
      seq,
      at: '2026-01-01T00:00:00.000Z',
      type: 'storage',
      data: {
        full,
        freeBytes,
        totalBytes: 4 * MiB,
        reserveBytes: MiB,
        ...(full ? { detail: 'event log: ENOSPC' } : {}),
      },
    });
  storage(true, 812 * 1024, 1);
  assert.match(
    formatStatus(summarize(state, '0.1.0')),
    /^ALERT data partition full: 812 KiB free of 4\.0 MiB \(reserve 1\.0 MiB\); raw archives refused; event log: ENOSPC$/m,
  );
  storage(false, 3 * MiB, 2);
  assert.doesNotMatch(formatStatus(summarize(state, '0.1.0')), /ALERT/);
});

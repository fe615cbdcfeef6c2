// Table tests for what one peer may cost the master: HTTP connection caps and the file budget, the body
// memory budget, upload starts per node, TFTP slots (stalled transfers make room first), the bounded
// inventory summary in events and the upload registry the final power-down cuts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BodyBudget,
  ConnectionGate,
  FD_RESERVE,
  httpConnectionBudget,
  readNofileLimit,
  StartRateLimit,
} from '../../src/net/http/limits.js';
import { decideSlot, type SlotHolder } from '../../src/net/tftp/slots.js';
import { boundedSummary, SUMMARY_LIMITS, type InventorySummary } from '../../src/model/events.js';
import { UploadRegistry } from '../../src/model/inflight.js';

void test('the file budget: HTTP gets what TFTP and the reserve leave, two descriptors a connection', () => {
  const cases: [nofile: number, tftp: number, want: number][] = [
    [1024, 256, Math.floor((1024 - FD_RESERVE - 512) / 2)],
    [8192, 256, Math.floor((8192 - FD_RESERVE - 512) / 2)],
    [200, 256, 0],
  ];
  for (const [nofile, tftp, want] of cases) assert.equal(httpConnectionBudget(nofile, tftp), want);
  const limits = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63471                63471                processes
Max open files            1024                 524288               files
`;
  assert.equal(readNofileLimit(limits), 1024);
  assert.equal(
    readNofileLimit('Max open files            unlimited            unlimited  files\n'),
    undefined,
  );
});

void test('connection gate: per source, in all, loopback only in the total; release gives back', () => {
  const g = new ConnectionGate(5, 2);
  assert.equal(g.admit('10.0.0.9'), 'ok');
  assert.equal(g.admit('10.0.0.9'), 'ok');
  assert.equal(g.admit('10.0.0.9'), 'source');
  assert.equal(g.admit('10.0.0.7'), 'ok');
  assert.equal(g.admit('127.0.0.1'), 'ok');
  assert.equal(g.admit('127.0.0.1'), 'ok');
  assert.equal(g.open, 5);
  assert.equal(g.admit('10.0.0.8'), 'total');
  g.release('10.0.0.9');
  assert.equal(g.admit('10.0.0.8'), 'ok');
  g.release('10.0.0.200'); // never admitted: nothing to give back
  assert.equal(g.open, 5);
});

void test('body budget: reserves fit or are refused, each release once', () => {
  const b = new BodyBudget(3 << 20);
  const one = b.reserve(1 << 20);
  const two = b.reserve(2 << 20);
  assert.ok(one && two);
  assert.equal(b.reserve(1), undefined);
  one();
  one();
  assert.equal(b.inUse, 2 << 20);
  assert.ok(b.reserve(1 << 20));
});

void test('upload starts: a burst, then one per 60/perMinute s, and when to come back', () => {
  const r = new StartRateLimit(6, 3);
  const t = 1_000_000;
  for (let i = 0; i < 3; i++) assert.deepEqual(r.take('a', t), { ok: true });
  assert.deepEqual(r.take('a', t), { ok: false, retryAfterSeconds: 10 });
  assert.deepEqual(r.take('a', t + 4_000), { ok: false, retryAfterSeconds: 6 });
  assert.deepEqual(r.take('b', t), { ok: true }, 'another node has its own bucket');
  assert.deepEqual(r.take('a', t + 10_000), { ok: true });
  assert.equal(r.take('a', t + 10_000).ok, false);
  // twenty uploads in one second: the burst gets through, the rest are told to wait
  const storm = new StartRateLimit(6, 4);
  const answers = Array.from({ length: 20 }, (_, i) => storm.take('c', t + i * 50));
  assert.equal(answers.filter((a) => a.ok).length, 4);
  // the table of nodes stays bounded
  for (let i = 0; i < 5000; i++) storm.take(`n${i}`, t + i);
  assert.ok(storm.size <= 4096, `${storm.size}`);
});

void test('TFTP slots: per-client cap, server cap, the most stalled transfer makes room', () => {
  const limits = { total: 4, perClient: 2, stalledMs: 3000 };
  const h = (key: string, address: string, lastProgressAt: number): SlotHolder => ({
    key,
    address,
    lastProgressAt,
  });
  const now = 10_000;
  const cases: [string, SlotHolder[], string, ReturnType<typeof decideSlot>][] = [
    ['empty', [], '10.0.0.5', { kind: 'admit' }],
    ['room', [h('a:1', '10.0.0.9', now)], '10.0.0.9', { kind: 'admit' }],
    [
      'client full, both busy',
      [h('a:1', '10.0.0.9', now - 100), h('a:2', '10.0.0.9', now - 2999)],
      '10.0.0.9',
      { kind: 'refuse', full: 'client' },
    ],
    [
      'client full, its own stalled one goes',
      [h('a:1', '10.0.0.9', now - 5000), h('a:2', '10.0.0.9', now - 9000), h('b:1', '10.0.0.5', 0)],
      '10.0.0.9',
      { kind: 'evict', key: 'a:2' },
    ],
    [
      'server full of busy transfers',
      [
        h('a:1', '1.1.1.1', now),
        h('b:1', '1.1.1.2', now),
        h('c:1', '1.1.1.3', now),
        h('d:1', '1.1.1.4', now),
      ],
      '10.0.0.5',
      { kind: 'refuse', full: 'server' },
    ],
    [
      'server full, the most stalled anywhere goes',
      [
        h('a:1', '1.1.1.1', now - 4000),
        h('b:1', '1.1.1.2', now),
        h('c:1', '1.1.1.3', now - 8000),
        h('d:1', '1.1.1.4', now),
      ],
      '10.0.0.5',
      { kind: 'evict', key: 'c:1' },
    ],
  ];
  for (const [name, holders, address, want] of cases)
    assert.deepEqual(decideSlot(holders, address, now, limits), want, name);
});

void test('the summary an event carries is bounded; a real one passes unchanged', () => {
  const real: InventorySummary = {
    vendor: 'Supermicro',
    disks: [{ name: 'sda', model: 'X', sizeBytes: 1e12, health: 'PASSED' }],
    nics: [{ name: 'eno1', mac: '52:54:00:00:00:01', link: true }],
  };
  assert.deepEqual(boundedSummary(real), real);
  const huge: InventorySummary = {
    vendor: 'v'.repeat(100_000),
    disks: Array.from({ length: 349_000 }, (_, i) => ({ name: `d${i}`, model: 'm'.repeat(1000) })),
    nics: Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, mac: 'x'.repeat(500) })),
    toolsFailed: Array.from({ length: 1000 }, (_, i) => `tool${i}`),
  };
  const b = boundedSummary(huge);
  assert.equal(b.vendor?.length, SUMMARY_LIMITS.chars);
  assert.equal(b.disks?.length, SUMMARY_LIMITS.disks);
  assert.equal(b.disks?.[0]?.model?.length, SUMMARY_LIMITS.chars);
  assert.equal(b.nics?.length, SUMMARY_LIMITS.nics);
  assert.equal(b.toolsFailed?.length, SUMMARY_LIMITS.toolsFailed);
  assert.ok(JSON.stringify(b).length < 64 * 1024, `${JSON.stringify(b).length} bytes`);
});

void test('upload registry: discard cuts what is still arriving, names it, leaves the complete ones', async () => {
  const r = new UploadRegistry();
  const ends: string[] = [];
  const arriving = r.begin(
    '52:54:00:00:00:02',
    () => (setTimeout(() => (ends.push('02'), arriving()), 5), true),
  );
  const storing = r.begin('52:54:00:00:00:01', () => false);
  const again = r.begin('52:54:00:00:00:02', () => (again(), true));
  assert.deepEqual(r.inflight(), ['52:54:00:00:00:01', '52:54:00:00:00:02']);
  assert.deepEqual(r.discard(), ['52:54:00:00:00:02']);
  assert.deepEqual(await r.waitIdle(1000), ['52:54:00:00:00:01']);
  assert.deepEqual(ends, ['02']);
  storing();
  assert.deepEqual(await r.waitIdle(1000), []);
});

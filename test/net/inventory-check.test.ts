// The upload checker: what it answers for each kind of body, and that it does its work on its own thread,
// so the largest inventory a peer may send does not stall the master's event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkInventoryBody, InventoryChecker } from '../../src/net/http/inventory-check.js';
import { largestInventory } from '../collect/largest-inventory.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

void test('bodies: not JSON is 400, off the schema is 422 with paths, a good one is summarized and judged', () => {
  const cases: { name: string; body: Buffer; expect: (r: ReturnType<typeof checkInventoryBody>) => void }[] =
    [
      {
        name: 'truncated JSON',
        body: bytes('{"schemaVersion": 2, "disks": ['),
        expect: (r) => assert.ok(!r.ok && r.status === 400 && /not valid JSON/.test(r.error)),
      },
      {
        name: 'not an object',
        body: bytes('[1, 2, 3]'),
        expect: (r) => assert.ok(!r.ok && r.status === 422),
      },
      {
        name: 'a disk without its name',
        body: bytes({ ...sampleInventory(), disks: [{ path: '/dev/sda', byPath: [] }] }),
        expect: (r) =>
          assert.ok(!r.ok && r.status === 422 && r.details?.some((d) => d.startsWith('/disks/0/name'))),
      },
      {
        name: 'the sample',
        body: bytes(sampleInventory()),
        expect: (r) => {
          assert.ok(r.ok);
          assert.ok(r.summary.health, 'the summary carries the master’s verdict');
        },
      },
    ];
  for (const c of cases) {
    const r = checkInventoryBody(c.body);
    try {
      c.expect(r);
    } catch (e) {
      throw new Error(`${c.name}: ${JSON.stringify(r).slice(0, 300)}`, { cause: e });
    }
  }
});

void test('the checker thread gives the same answers, and a stopped checker starts again', async () => {
  const checker = new InventoryChecker();
  try {
    const good = bytes(sampleInventory());
    assert.deepEqual(await checker.check(good), checkInventoryBody(good));
    const bad = bytes('not json');
    assert.deepEqual(await checker.check(bad), checkInventoryBody(bad));
    await checker.close();
    assert.equal((await checker.check(good)).ok, true);
  } finally {
    await checker.close();
  }
});

void test('the largest inventory is checked without stalling the event loop', async (t) => {
  const body = bytes(largestInventory());
  // what the same work costs the thread that runs it (the least of 3 runs)
  let inlineMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    assert.equal(checkInventoryBody(body).ok, true);
    inlineMs = Math.min(inlineMs, performance.now() - t0);
  }
  const checker = new InventoryChecker();
  try {
    await checker.check(bytes(sampleInventory())); // the thread's start is not what is measured
    // the longest gap between ticks of a 2 ms timer: how long the loop was held at a time
    let last = performance.now();
    let worstMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstMs = Math.max(worstMs, now - last);
      last = now;
    }, 2);
    await sleep(10);
    const results = await Promise.all([1, 2, 3, 4].map(() => checker.check(body)));
    await sleep(10); // a loop held to the end shows as the ticker's next gap
    clearInterval(ticker);
    assert.ok(results.every((r) => r.ok));
    t.diagnostic(
      `${body.length} bytes: ${inlineMs.toFixed(0)} ms inline; worst event-loop delay over 4 checks on the thread ${worstMs.toFixed(1)} ms`,
    );
    // four inline checks would hold the loop for 4 × inlineMs in one go; the thread must not come close to one
    assert.ok(
      worstMs < inlineMs,
      `event loop held ${worstMs.toFixed(1)} ms (one inline check: ${inlineMs.toFixed(0)} ms)`,
    );
  } finally {
    await checker.close();
  }
});

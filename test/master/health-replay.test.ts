// Health verdicts survive a restart: the verdict rides in each inventory.stored event's summary, so the
// replayed log (and the snapshot) give every console, report and `recon status` the same verdicts; an event
// log written before verdicts existed (a line recorded then, verbatim) still loads, its node unjudged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../src/model/store.js';
import { fleetHealth } from '../../src/model/health.js';
import { boundedSummary, SUMMARY_LIMITS } from '../../src/model/events.js';
import { SUMMARY_MAX_REASON_CHARS } from '../../src/shared/health/summary.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const FIXTURE = new URL('../fixtures/tui/events.jsonl', import.meta.url).pathname;
const NEW = '52:54:00:aa:00:01';

test('verdicts replay after a restart, from the log and from the snapshot; old summaries load unjudged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-health-'));
  try {
    // an inventory.stored line as the master wrote it before verdicts existed
    const old = (await readFile(FIXTURE, 'utf8'))
      .split('\n')
      .find((l) => l.includes('"type":"inventory.stored"'))!;
    const oldMac = (JSON.parse(old) as { data: { mac: string } }).data.mac;
    await writeFile(join(dir, 'events.jsonl'), `${old.replace(/"seq":\d+/, '"seq":1')}\n`);

    const inv = sampleInventory();
    inv.disks[0]!.smart = { ...inv.disks[0]!.smart!, pendingSectors: 12 };
    const a = await StateStore.open(dir);
    assert.ok(a.state.nodes[oldMac]?.inventory, 'the old inventory event loads');
    await a.emit({
      type: 'inventory.stored',
      data: { mac: NEW, sha256: 'ab'.repeat(32), bytes: 100, summary: summarizeInventory(inv) },
    });
    const before = fleetHealth(a.state);
    await a.close();

    for (const round of ['log', 'snapshot'] as const) {
      if (round === 'log') await rm(join(dir, 'state.json'), { force: true });
      const b = await StateStore.open(dir);
      try {
        const health = fleetHealth(b.state);
        assert.deepEqual(health.get(NEW), before.get(NEW), round);
        assert.equal(health.get(NEW)?.verdict, 'fail', round);
        assert.match(health.get(NEW)?.reasons[0] ?? '', /^disk sda: pending sectors .*: 12$/, round);
        assert.equal(health.get(oldMac), undefined, `${round}: not judged, never ok`);
      } finally {
        await b.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the event summary keeps the verdict whole: its reasons have their own bound, other strings are cut', () => {
  const long = `disk sda: ${'x'.repeat(SUMMARY_MAX_REASON_CHARS - 10)}`;
  const bounded = boundedSummary({
    serial: 's'.repeat(500),
    health: { verdict: 'fail', reasons: [long] },
  });
  assert.equal(bounded.serial?.length, SUMMARY_LIMITS.chars);
  assert.deepEqual(bounded.health, { verdict: 'fail', reasons: [long] });
  assert.equal(long.length, SUMMARY_MAX_REASON_CHARS);
  assert.deepEqual(boundedSummary({ vendor: 'x' }), { vendor: 'x' }, 'no verdict, none added');
});

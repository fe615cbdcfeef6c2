// Table tests for merging data dirs: a node known to several dirs comes from the one with its newest
// inventory (without any inventory: the latest sighting), whatever the order of the dirs; every such node
// is named with the others and why; expected counts add up; links point into each node's own dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReconEvent } from '../../src/model/events.js';
import { reduceAll } from '../../src/model/reducer.js';
import { mergeSources, type MergeSource } from '../../src/report/merge.js';
import { buildFleetReport } from '../../src/report/rows.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const summary = summarizeInventory(sampleInventory());

/** A data dir from (mac, inventory time or none, last seen) triples. */
function source(dir: string, nodes: [string, string | undefined, string][], expected?: number): MergeSource {
  let seq = 0;
  const events: ReconEvent[] = [];
  const ev = (at: string, type: string, data: unknown) =>
    events.push({ seq: ++seq, at, type, data } as ReconEvent);
  if (expected) ev('2026-01-01T00:00:00.000Z', 'fleet.expected', { count: expected, by: 'config' });
  for (const [mac, inventoryAt, seen] of nodes) {
    ev(inventoryAt ?? seen, 'dhcp.discover', { mac, family: 4, firmware: 'uefi' });
    if (inventoryAt) ev(inventoryAt, 'inventory.stored', { mac, sha256: `${dir}-${mac}`, bytes: 1, summary });
    ev(seen, 'node.stage', { mac, stage: 'waiting' });
  }
  return { dir, linkBase: `../${dir}`, state: reduceAll(events), inventories: new Map() };
}

const T = (h: number) => `2026-01-02T${String(h).padStart(2, '0')}:00:00.000Z`;

test('merge: newest inventory wins whatever the order, no inventory loses, the latest sighting breaks the rest', () => {
  const a = source(
    'a',
    [
      ['52:54:00:00:00:01', T(1), T(9)], // older inventory, seen later: b's newer inventory still wins
      ['52:54:00:00:00:02', T(5), T(5)], // only here with an inventory
      ['52:54:00:00:00:03', undefined, T(3)], // nowhere an inventory: the latest sighting
      ['52:54:00:00:00:0a', T(2), T(2)],
    ],
    10,
  );
  const b = source(
    'b',
    [
      ['52:54:00:00:00:01', T(4), T(4)],
      ['52:54:00:00:00:02', undefined, T(8)],
      ['52:54:00:00:00:03', undefined, T(6)],
      ['52:54:00:00:00:0b', T(2), T(2)],
    ],
    5,
  );
  for (const order of [
    [a, b],
    [b, a],
  ]) {
    const m = mergeSources(order);
    const dirOf = (mac: string) => order[m.sourceOf!.get(mac)!]!.dir;
    assert.deepEqual(Object.keys(m.state.nodes).sort(), [
      '52:54:00:00:00:01',
      '52:54:00:00:00:02',
      '52:54:00:00:00:03',
      '52:54:00:00:00:0a',
      '52:54:00:00:00:0b',
    ]);
    assert.equal(dirOf('52:54:00:00:00:01'), 'b');
    assert.equal(dirOf('52:54:00:00:00:02'), 'a');
    assert.equal(dirOf('52:54:00:00:00:03'), 'b');
    assert.equal(m.state.expectedNodes, 15);
    assert.deepEqual(
      m.conflicts!.map((c) => [c.mac, c.chosen, c.others.join(','), c.reason]),
      [
        [
          '52:54:00:00:00:01',
          'b',
          'a',
          `newest inventory (${T(4)}); 1 older, different inventory(ies) not shown`,
        ],
        ['52:54:00:00:00:02', 'a', 'b', `newest inventory (${T(5)}); 1 without an inventory`],
        ['52:54:00:00:00:03', 'b', 'a', 'no inventory in any data dir: the latest sighting is shown'],
      ],
    );
    const report = buildFleetReport(m, { generatedAt: T(10) });
    const row = report.rows.find((r) => r.mac === '52:54:00:00:00:01')!;
    assert.equal(row.source, 'b');
    assert.equal(row.inventoryLink, '../b/nodes/52:54:00:00:00:01/inventory.json');
    assert.equal(report.master, undefined, 'a merged report names its sources, not one master');
    assert.match(report.title, /2 data dirs merged/);
  }
});

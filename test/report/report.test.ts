// The fleet report from a recorded state: JSON/CSV/HTML say the same thing, values are escaped, problems
// come first, and the HTML needs nothing from outside. (The HTML in a browser: report-browser.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/index.js';
import { csvCell } from '../../src/report/csv.js';
import { humanBytes, memorySize } from '../../src/shared/units.js';
import { META, recordedState } from './recorded-fleet.js';

test('JSON: one row per node, sorted by address, totals', () => {
  const r = JSON.parse(renderReport(recordedState(), 'json', META)) as {
    rows: { mac: string; ip4?: string; bmcIp?: string; power: string }[];
    totals: Record<string, unknown>;
  };
  assert.deepEqual(
    r.rows.map((x) => x.ip4),
    ['10.99.0.2', '10.99.0.11', undefined],
  );
  assert.deepEqual(r.totals, {
    nodes: 3,
    inventoried: 2,
    poweredOff: 1,
    problems: 2,
    health: { ok: 2, warn: 0, fail: 0, unknown: 0 },
    cores: 40,
    memoryBytes: 2 * 34_359_738_368,
    diskBytes: 2 * 4_000_787_030_016,
    byStage: { discovered: 1, uploaded: 1, 'powered-off': 1 },
  });
  assert.equal(r.rows[1]?.bmcIp, '10.99.1.11');
  assert.equal(r.rows[1]?.power, 'off');
});

test('rows carry memory, disks, NICs with their switch port, and failed tools, in every format', () => {
  const r = JSON.parse(renderReport(recordedState(), 'json', META)) as {
    rows: Record<string, unknown>[];
  };
  const row = r.rows[1]!;
  assert.equal(row.memoryBytes, 34_359_738_368);
  assert.equal(row.dimms, 2);
  assert.equal(row.diskBytes, 4_000_787_030_016);
  assert.equal(row.disks, 'sda 4.0 TB (passed)');
  assert.equal(row.nics, 'eno1 aa:bb:cc:dd:ee:01 10000 Mb/s → sw1 Ethernet12');
  assert.equal(row.toolsFailed, 'smartctl:sda');

  const csv = renderReport(recordedState(), 'csv', META).split('\r\n');
  const header = csv[0]!.split(',');
  const cells = csv[2]!.split(',');
  assert.equal(cells[header.indexOf('memory_bytes')], '34359738368');
  assert.equal(cells[header.indexOf('disk_bytes')], '4000787030016');

  const html = renderReport(recordedState(), 'html', META);
  assert.match(html, />32 GiB<div class="small">2 DIMMs</);
  assert.match(html, /1 · 4\.0 TB/);
});

test('sizes: disks in decimal units as sold, memory in binary units as installed', () => {
  const table: [number | undefined, string, string][] = [
    [undefined, '', ''],
    [-1, '', ''],
    [0, '0 B', '0 B'],
    [999, '999 B', '999 B'],
    [480_103_981_056, '480 GB', '447 GiB'],
    [4_000_787_030_016, '4.0 TB', '3.6 TiB'],
    [16 * 2 ** 30, '17.2 GB', '16 GiB'],
    [1.5 * 2 ** 40, '1.6 TB', '1.5 TiB'],
    [33_452_253_184, '33.5 GB', '31.2 GiB'],
  ];
  for (const [n, disk, mem] of table) {
    assert.equal(humanBytes(n), disk, `humanBytes(${n})`);
    assert.equal(memorySize(n), mem, `memorySize(${n})`);
  }
});

test('CSV: header + rows, quoted, formula cells neutralised', () => {
  const lines = renderReport(recordedState(), 'csv', META).split('\r\n').filter(Boolean);
  assert.equal(lines.length, 4);
  assert.ok(lines[0]!.startsWith('mac,hostname,ipv4,ipv6,stage,power'));
  assert.ok(lines[1]!.includes(`"'=cmd|""<b>x</b>"""`), lines[1]);
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell('-1'), "'-1");
});

test('HTML: self-contained, escaped, one table body per node, links only to the node files', () => {
  const html = renderReport(recordedState(), 'html', META);
  assert.ok(!/src=|@import|url\(|https?:/i.test(html), 'nothing to fetch');
  const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(links, [
    'nodes/52:54:00:00:00:02/inventory.json',
    'nodes/52:54:00:00:00:0b/inventory.json',
  ]);
  assert.ok(html.includes('=cmd|&quot;&lt;b&gt;x&lt;/b&gt;&quot;'));
  assert.ok(!html.includes('<b>x</b>'));
  assert.equal((html.match(/<div class="node/g) ?? []).length, 3);
  // scripts off: the controls stay hidden, every detail is there as <details>
  assert.match(html, /<div id="controls" hidden>/);
  assert.equal((html.match(/<details>/g) ?? []).length, 3);
  assert.match(html, /<h3>Disks<\/h3><ul><li>sda {2}4\.0 TB {2}SMART passed<\/li>/);
  assert.match(html, /@media print/);
});

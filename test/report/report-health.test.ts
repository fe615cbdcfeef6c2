// Health verdicts in the fleet report: JSON, CSV and HTML carry each node's verdict and reasons (fleet drift
// included), failing and warning nodes come first with the problems, the totals count the verdicts, and a
// node stored before verdicts existed shows a dash, never `ok`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceAll } from '../../src/model/reducer.js';
import { renderReport } from '../../src/report/index.js';
import { CSV_COLUMNS } from '../../src/report/csv.js';
import { DRIFT, fleetEvents, mac, PENDING } from '../tui/health-fleet.js';

const META = { generatedAt: '2026-03-01T10:00:00.000Z', version: '0.1.0' };

test('report JSON: verdict and reasons per row, problems first, verdict counts in the totals', () => {
  const r = JSON.parse(renderReport(reduceAll(fleetEvents()), 'json', META)) as {
    rows: { mac: string; health?: string; healthReasons?: string[]; problems: string[] }[];
    totals: { health: Record<string, number>; problems: number };
  };
  assert.deepEqual(
    r.rows.map((x) => [x.mac.slice(-1), x.health]),
    [
      ['2', 'fail'],
      ['5', 'warn'],
      ['1', 'ok'],
      ['3', 'ok'],
      ['4', 'ok'],
      ['6', undefined],
    ],
  );
  assert.deepEqual(r.rows[0]?.healthReasons, [PENDING]);
  assert.deepEqual(r.rows[1]?.healthReasons, [DRIFT]);
  assert.deepEqual(r.rows[1]?.problems, [DRIFT]);
  assert.equal(r.rows[2]?.healthReasons, undefined);
  assert.deepEqual(r.totals.health, { ok: 3, warn: 1, fail: 1, unknown: 1 });
  assert.equal(r.totals.problems, 2);
});

test('report CSV: health and health_reasons columns added at the end', () => {
  assert.deepEqual(
    CSV_COLUMNS.slice(-2).map(([h]) => h),
    ['health', 'health_reasons'],
  );
  const lines = renderReport(reduceAll(fleetEvents()), 'csv', META).split('\r\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(-2), ['health', 'health_reasons']);
  const rowOf = (m: string) => lines.find((l) => l.startsWith(m))!;
  assert.ok(rowOf(mac(2)).endsWith(`,fail,"${PENDING}"`), rowOf(mac(2)));
  assert.ok(rowOf(mac(5)).endsWith(`,warn,"${DRIFT}"`), rowOf(mac(5)));
  assert.ok(rowOf(mac(1)).endsWith(',ok,'), rowOf(mac(1)));
  assert.ok(rowOf(mac(6)).endsWith(',,'), rowOf(mac(6)));
});

test('report HTML: the Health cell in its verdict class, sortable, the reasons with the problems, counts', () => {
  const html = renderReport(reduceAll(fleetEvents()), 'html', META);
  const node = (m: string) => {
    const from = html.indexOf(`data-mac="${m}"`);
    return html.slice(from, html.indexOf('<details>', from));
  };
  assert.match(node(mac(2)), /<span class="v-fail">fail<\/span>/);
  assert.match(node(mac(2)), /data-health="0"/);
  assert.ok(
    node(mac(2)).includes('<li>disk sda: pending sectors (unreadable, awaiting reallocation): 12</li>'),
  );
  assert.match(node(mac(5)), /<span class="v-warn">warn<\/span>/);
  assert.match(node(mac(1)), /<span class="v-ok">ok<\/span>/);
  assert.match(
    node(mac(6)),
    /<span role="cell"><span class="none">—<\/span><\/span><span role="cell" class="num">/,
  );
  assert.match(html, /data-sort="health" data-num="1">Health</);
  assert.match(html, /<li class="bad"><b>1<\/b>health fail<\/li>/);
  assert.match(html, /<li><b>1<\/b>health warn<\/li>/);
});

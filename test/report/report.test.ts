// The fleet report from a recorded state: JSON/CSV/HTML say the same thing, values are escaped, and the
// HTML renders offline in headless Chromium with the fleet table visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reduceAll } from '../../src/model/reducer.js';
import type { ReconEvent } from '../../src/model/events.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { renderReport } from '../../src/report/index.js';
import { csvCell } from '../../src/report/csv.js';
import { humanBytes, memorySize } from '../../src/report/rows.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { sampleInventory } from '../collect/sample-inventory.js';

function recordedState() {
  const at = '2026-01-02T03:00:00.000Z';
  const summary = summarizeInventory(sampleInventory());
  let seq = 0;
  const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
  const events: ReconEvent[] = [
    ev('master.started', {
      version: '0.1.0',
      pid: 1,
      names: ['bang'],
      ipv4: '10.99.0.1',
      dataDir: '/export/nodes',
    }),
    ev('lease.granted', {
      mac: '52:54:00:00:00:0b',
      family: 4,
      ip: '10.99.0.11',
      expiresAt: at,
      hostname: 'node-11',
    }),
    ev('inventory.stored', {
      mac: '52:54:00:00:00:0b',
      sha256: 'aa',
      bytes: 10,
      summary: { ...summary, bmc: { ipv4: '10.99.1.11' } },
    }),
    ev('power.state', { mac: '52:54:00:00:00:0b', state: 'off', via: 'agent' }),
    ev('lease.granted', { mac: '52:54:00:00:00:02', family: 4, ip: '10.99.0.2', expiresAt: at }),
    ev('inventory.stored', {
      mac: '52:54:00:00:00:02',
      sha256: 'bb',
      bytes: 10,
      summary: { ...summary, serial: '=cmd|"<b>x</b>"' },
    }),
    ev('dhcp.discover', { mac: '52:54:00:00:00:03', family: 4, firmware: 'uefi' }),
  ];
  return reduceAll(events);
}

const META = { generatedAt: '2026-01-02T04:00:00.000Z', version: '0.1.0' };

test('JSON: one row per node, sorted by address, totals', () => {
  const r = JSON.parse(renderReport(recordedState(), 'json', META)) as {
    rows: { mac: string; ip4?: string; bmcIp?: string; power: string }[];
    totals: { nodes: number; inventoried: number; poweredOff: number; byStage: Record<string, number> };
  };
  assert.deepEqual(
    r.rows.map((x) => x.ip4),
    ['10.99.0.2', '10.99.0.11', undefined],
  );
  assert.deepEqual(r.totals, {
    nodes: 3,
    inventoried: 2,
    poweredOff: 1,
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

test('HTML: self-contained, escaped, one table row per node', () => {
  const html = renderReport(recordedState(), 'html', META);
  assert.ok(!/<script|src=|href=|@import|url\(/i.test(html), 'nothing to fetch, nothing to run');
  assert.ok(html.includes('=cmd|&quot;&lt;b&gt;x&lt;/b&gt;&quot;'));
  assert.equal((html.match(/<tr>/g) ?? []).length, 4);
});

test(
  'HTML opens in headless Chromium and the screenshot shows the fleet table',
  { skip: needs({ tools: ['chromium'] }) },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-report-'));
    try {
      const page = join(dir, 'report.html');
      const png = join(dir, 'report.png');
      await writeFile(page, renderReport(recordedState(), 'html', META));
      const r = await run(
        [
          'chromium',
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
          `--user-data-dir=${join(dir, 'profile')}`,
          '--window-size=1400,600',
          `--screenshot=${png}`,
          `file://${page}`,
        ],
        { timeoutMs: 90_000 },
      );
      assert.equal(r.code, 0, r.stderr.slice(-500));
      const st = await stat(png);
      assert.ok(st.size > 20_000, `screenshot has content (${st.size} bytes)`);
      if (process.env.RECON_KEEP_SCREENSHOT)
        await writeFile(
          process.env.RECON_KEEP_SCREENSHOT,
          await import('node:fs/promises').then((f) => f.readFile(png)),
        );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

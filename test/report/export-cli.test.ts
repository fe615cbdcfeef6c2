// `recon export` against a running master (loopback): the three formats from its live state, to stdout and
// to a file, agree with each other and with what was uploaded; a bad format is refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackConfig, recon, startMaster, type RunningMaster } from '../helpers/master.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const MACS = ['52:54:00:e0:00:02', '52:54:00:e0:00:01'];

test(
  'recon export: json, csv and html of the live fleet, to stdout and to a file',
  { timeout: 120_000 },
  async () => {
    let master: RunningMaster | undefined;
    try {
      let port = 0;
      master = await startMaster({
        config: (dir) => {
          const c = loopbackConfig(dir, { http: { roots: {}, trustAnySource: true } });
          port = c.ports!.http!;
          return c;
        },
      });
      // the control socket answers first; the HTTP service may still be starting
      for (
        let i = 0;
        !(await fetch(`http://127.0.0.1:${port}/api/v1/hello`).then(
          (r) => r.ok,
          () => false,
        ));
        i++
      ) {
        assert.ok(i < 100, 'the HTTP service did not come up');
        await sleep(100);
      }
      for (const [i, mac] of MACS.entries()) {
        const inv = sampleInventory();
        inv.system.serial = `SER-${i}`;
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/nodes/${mac}/inventory`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(inv),
        });
        assert.equal(r.status, 200, await r.text());
      }
      const sock = ['--socket', master.socket];

      const json = await recon(['export', '--format', 'json', ...sock]);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as {
        rows: { mac: string; serial?: string; memoryBytes?: number }[];
        totals: { nodes: number; inventoried: number };
      };
      assert.deepEqual(
        report.rows.map((r) => [r.mac, r.serial, r.memoryBytes]),
        [
          ['52:54:00:e0:00:01', 'SER-1', 34_359_738_368],
          ['52:54:00:e0:00:02', 'SER-0', 34_359_738_368],
        ],
      );
      assert.deepEqual(report.totals.nodes, 2);
      assert.deepEqual(report.totals.inventoried, 2);

      const csvFile = join(master.dir, 'fleet.csv');
      const csv = await recon(['export', '--format', 'csv', '--out', csvFile, ...sock]);
      assert.equal(csv.code, 0, csv.stderr);
      assert.equal(csv.stdout, '');
      assert.match(csv.stderr, new RegExp(`wrote ${csvFile}`));
      const lines = (await readFile(csvFile, 'utf8')).split('\r\n').filter(Boolean);
      assert.equal(lines.length, 3);
      assert.ok(lines[1]!.startsWith('52:54:00:e0:00:01,') && lines[1]!.includes('SER-1'), lines[1]);

      const html = await recon(['export', '--format', 'html', ...sock]);
      assert.equal(html.code, 0, html.stderr);
      assert.match(html.stdout, /<div id="fleet" role="table">/);
      for (const mac of MACS) assert.ok(html.stdout.includes(mac), mac);
      assert.ok(html.stdout.includes('32 GiB'));
      // the master reads each node's inventory.json for the detail: every DIMM is there
      assert.ok(html.stdout.includes('<h3>Memory 32 GiB</h3>') && html.stdout.includes('A2  16 GiB'));

      const bad = await recon(['export', '--format', 'pdf', ...sock]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--format must be one of json, csv, html/);
    } finally {
      await master?.cleanup();
    }
  },
);

// `recon lab --peers 20 --headless` to its end as root: every peer walks DHCP → TFTP → iPXE DHCP → menu →
// kernel/initrd → collector → upload → power-off, then the lab's final power-down. Afterwards the data dir
// holds 20 schema-valid inventories and the report, and no namespace, link or process of the lab is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { runLab } from '../../src/lab/lab.js';
import { validateInventory } from '../../src/shared/inventory/index.js';

test(
  'lab: 20 simulated peers to the final power-down',
  { skip: needs({ root: true, tools: ['ip'] }), timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-'));
    let text = '';
    const out = new Writable({
      write(c: Buffer, _e, cb) {
        text += c.toString();
        cb();
      },
    });
    try {
      const started = Date.now();
      const r = await runLab({ peers: 20, headless: true, keep: false, root, staggerSeconds: 5, out });
      assert.ok(r.ok, text);
      assert.ok(Date.now() - started < 200_000, 'bounded time');
      const nodes = join(r.dir, 'data', 'nodes');
      const macs = readdirSync(nodes).filter((m) => existsSync(join(nodes, m, 'inventory.json')));
      assert.equal(macs.length, 20, text);
      for (const m of macs) {
        const v = validateInventory(JSON.parse(readFileSync(join(nodes, m, 'inventory.json'), 'utf8')));
        assert.ok(v.ok, `${m}: ${v.ok ? '' : v.errors.join('; ')}`);
      }
      for (const f of ['report.json', 'report.csv', 'report.html'])
        assert.ok(existsSync(join(r.dir, 'data', f)), f);
      const report = JSON.parse(readFileSync(join(r.dir, 'data', 'report.json'), 'utf8')) as unknown;
      assert.ok(JSON.stringify(report).includes('PowerEdge R440'));
      assert.match(text, /power-down: powering off: true/);
      // nothing left behind
      const id = /namespace (rlab\d+)m/.exec(text)?.[1];
      assert.ok(id, text);
      assert.ok(!(await run(['ip', 'netns', 'list'])).stdout.includes(id), 'namespaces removed');
      assert.ok(!(await run(['ps', '-eo', 'args'])).stdout.includes(r.dir), 'no lab process left');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

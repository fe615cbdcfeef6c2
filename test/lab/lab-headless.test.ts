// `recon lab --peers 20 --headless` to its end as root: every peer walks DHCP → TFTP → iPXE DHCP → menu →
// kernel/initrd → collector → upload → power-off, then the lab's final power-down. Afterwards the data dir
// holds 20 schema-valid inventories and the report, each peer's record agrees with what it simulated (boot
// mode, recorded disks, a system line, the DHCPv6 address it took), the lab printed every inventory with
// its verdict (the faulty machine FAIL), and nothing of the lab is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { runLab } from '../../src/lab/lab.js';
import {
  assertCoherentPeers,
  assertInventoriesAndReport,
  assertLabGone,
  peerLogs,
  textSink,
} from './lab-checks.js';

test(
  'lab: 20 simulated peers to the final power-down',
  { skip: needs({ root: true, tools: ['ip'] }), timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-'));
    const { out, text: written } = textSink();
    try {
      const started = Date.now();
      const r = await runLab({ peers: 20, headless: true, keep: false, root, staggerSeconds: 5, out });
      assert.ok(r.ok, `${written()}\n${peerLogs(written())}`);
      assert.ok(Date.now() - started < 200_000, 'bounded time');
      assertInventoriesAndReport(join(r.dir, 'data'), 20, written());
      const report = JSON.parse(readFileSync(join(r.dir, 'data', 'report.json'), 'utf8')) as unknown;
      assert.ok(JSON.stringify(report).includes('PowerEdge R440'));
      assertCoherentPeers(join(r.dir, 'data'), written());
      // one line per inventory with the master's verdict; every fourth peer is the faulty machine
      const faulty = written().match(
        /^lab: inventory \S+ supermicro-sys-1029p-faulty FAIL: disk nvme0n1: /gm,
      );
      assert.equal(faulty?.length, 5, written());
      assert.equal(written().match(/^lab: inventory /gm)?.length, 20);
      assert.match(written(), /power-down: powering off: true/);
      assert.match(written(), /namespace rlab\d+m/);
      await assertLabGone(written(), r.dir);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

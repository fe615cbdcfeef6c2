// `recon lab --peers 1 --qemu 1 --headless` as root: a simulated peer and a real QEMU VM (SeaBIOS + iPXE ROM
// → the collector initramfs) in the same lab; the lab waits for both inventories, shuts both down with the
// console's action (the VM powers off: QEMU exits), powers the master down and removes everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLab } from '../../src/lab/lab.js';
import { labVmMac } from '../../src/lab/vm/qemu-peers.js';
import { validateInventory } from '../../src/shared/inventory/index.js';
import { textSink } from '../lab/lab-checks.js';
import { labImage, vmSkip } from './vm-rig.js';

void test(
  'lab: a QEMU VM beside a simulated peer, inventoried, shut down and gone',
  { skip: vmSkip({ postTgz: true }), timeout: 300_000 },
  async (t) => {
    // built (or reused) here, so a kernel that cannot be downloaded is a skip, not a lab failure
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-qemu-'));
    const { out, text: written } = textSink();
    try {
      const started = Date.now();
      const r = await runLab({ peers: 1, qemu: 1, headless: true, keep: false, root, out });
      assert.ok(r.ok, written());
      t.diagnostic(`lab with one VM done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const vmMac = labVmMac(0);
      const inv: unknown = JSON.parse(
        readFileSync(join(r.dir, 'data', 'nodes', vmMac, 'inventory.json'), 'utf8'),
      );
      assert.equal(validateInventory(inv).ok, true);
      const stages = readFileSync(join(r.dir, 'data', 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes(`"${vmMac}"`) && l.includes('"node.stage"'))
        .map((l) => (JSON.parse(l) as { data: { stage: string } }).data.stage);
      assert.deepEqual(
        stages.filter((s) => s === 'waiting' || s === 'powered-off'),
        ['waiting', 'powered-off'],
        'the VM waited for the console and then went off',
      );
      const serial = readFileSync(join(r.dir, 'vms', 'vm0-serial.log'), 'latin1');
      assert.match(serial, /recon-collect: inventory stored by master/);
      assert.match(serial, /reboot: Power down/);
      assert.match(written(), /lab: vm0 \(bios-ipxe, 52:54:00:9e:00:00\) started/);
      assert.match(written(), /power-down: powering off: true/);
      // nothing of the lab is left: its namespaces, and no QEMU writing into its directory
      const ns = /namespace (rlab\d+)m/.exec(written())?.[1];
      assert.ok(ns, written());
      assert.doesNotMatch(
        execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
        new RegExp(`^${ns}`, 'm'),
      );
      const procs = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.ok(!procs.includes(join(r.dir, 'vms')), 'a QEMU of the lab is still running');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

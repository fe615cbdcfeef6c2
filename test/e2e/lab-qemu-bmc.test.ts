// `recon lab --peers 1 --qemu 2 --bmc --headless` as root: the lab's VMs start switched off behind their
// simulated BMCs on the lab bridge (vm0 ipmi_sim, vm1 the Redfish simulator), named in the master's config
// with the lab's credentials file; the lab powers them on through recon one after the other, as the
// console's power-on key does; each PXE boots (the one-time override: its disk comes first otherwise),
// uploads and goes off, and the lab ends and is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLab } from '../../src/lab/lab.js';
import { labVmMac } from '../../src/lab/vm/qemu-peers.js';
import { textSink } from '../lab/lab-checks.js';
import { bmcVmSkip } from './bmc-rig.js';
import { labImage, vmSkip } from './vm-rig.js';

const BMC_OF = [
  { name: 'vm0', what: 'ipmi_sim', driver: 'ipmi' },
  { name: 'vm1', what: 'the Redfish simulator', driver: 'redfish' },
];

void test(
  'lab --bmc: switched-off VMs are powered on through their BMCs (IPMI, Redfish), boot once from the network, upload, go off',
  { skip: vmSkip({ postTgz: true }) || bmcVmSkip(), timeout: 900_000 },
  async (t) => {
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-bmc-'));
    const { out, text: written } = textSink();
    try {
      const started = Date.now();
      const r = await runLab({ peers: 1, qemu: 2, bmc: true, headless: true, keep: false, root, out });
      assert.ok(r.ok, written());
      t.diagnostic(
        `lab with two BMC VMs (one at a time) done in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );

      const cred = statSync(join(r.dir, 'bmc-credentials'));
      assert.equal(cred.mode & 0o077, 0, 'the credentials file is the owner’s only');
      const config = JSON.parse(readFileSync(join(r.dir, 'recon.json'), 'utf8')) as {
        bmcs: { address: string; driver: string }[];
      };
      const events = readFileSync(join(r.dir, 'data', 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });

      for (const [i, b] of BMC_OF.entries()) {
        const mac = labVmMac(i);
        const line = new RegExp(
          `lab: ${b.name} \\(bios-ipxe, ${mac}\\) switched off, disk first; its BMC ${b.what} at (\\S+);`,
        ).exec(written());
        assert.ok(line, written());
        const address = line[1]!;
        assert.deepEqual(config.bmcs[i], { address, driver: b.driver });
        const steps = events
          .filter((e) => e.type === 'bmc.action' && e.data.address === address)
          .map((e) => `${String(e.data.action)} ${String(e.data.ok)}`);
        assert.ok(steps.includes('one-time boot pxe true'), `${b.name}: ${steps.join(' | ')}`);
        assert.ok(steps.includes('power on true'), `${b.name}: ${steps.join(' | ')}`);
        const stages = events
          .filter((e) => e.type === 'node.stage' && e.data.mac === mac)
          .map((e) => String(e.data.stage));
        assert.ok(stages.includes('uploaded'), `${b.name}: ${stages.join(' ')}`);

        const vmDir = join(r.dir, 'vms', b.name);
        const power = readFileSync(join(vmDir, 'power.log'), 'utf8');
        assert.match(
          power,
          /^.* boot device pxe\n.* on \(boot pxe\)/,
          `${b.name}: off until the one-time PXE power on`,
        );
        const serial = readFileSync(join(vmDir, 'serial.log'), 'latin1');
        assert.match(serial, /recon-collect: inventory stored by master/);
        assert.doesNotMatch(serial, /RECON-LAB-DISK-BOOTED/);
        assert.match(serial, /reboot: Power down/, `${b.name} powered off after its upload`);
      }
      assert.match(written(), /lab: 1 powered on[^\n]*\n[\s\S]*lab: 1 powered on/, 'one power-on per BMC');

      // nothing of the lab is left: namespaces, QEMU, BMC simulators
      const ns = /namespace (rlab\d+)m/.exec(written())?.[1];
      assert.ok(ns, written());
      assert.doesNotMatch(
        execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
        new RegExp(`^${ns}`, 'm'),
      );
      const procs = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.ok(!procs.includes(join(r.dir, 'vms')), 'a QEMU or BMC simulator of the lab is still running');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

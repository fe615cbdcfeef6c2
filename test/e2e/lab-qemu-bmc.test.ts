// `recon lab --peers 1 --qemu 1 --bmc --headless` as root: the lab's VM starts switched off behind its
// simulated BMC (ipmi_sim on the lab bridge, named in the master's config with the lab's credentials
// file); the lab powers it on through recon as the console's power-on key does, the VM PXE boots (the
// one-time override: its disk comes first otherwise), uploads, powers off, and the lab ends and is gone.
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

void test(
  'lab --bmc: a switched-off VM is powered on through its BMC, boots once from the network, uploads, goes off',
  { skip: vmSkip({ postTgz: true }) || bmcVmSkip(), timeout: 600_000 },
  async (t) => {
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-bmc-'));
    const { out, text: written } = textSink();
    try {
      const started = Date.now();
      const r = await runLab({ peers: 1, qemu: 1, bmc: true, headless: true, keep: false, root, out });
      assert.ok(r.ok, written());
      t.diagnostic(`lab with one BMC VM done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const vmMac = labVmMac(0);
      assert.match(
        written(),
        /lab: vm0 \(bios-ipxe, 52:54:00:9e:00:00\) switched off, disk first; its BMC ipmi_sim at (\S+);/,
      );
      const bmc = /its BMC ipmi_sim at (\S+);/.exec(written())![1]!;
      assert.match(written(), /1 powered on/);

      const cred = statSync(join(r.dir, 'bmc-credentials'));
      assert.equal(cred.mode & 0o077, 0, 'the credentials file is the owner’s only');
      const config = JSON.parse(readFileSync(join(r.dir, 'recon.json'), 'utf8')) as {
        bmcs: { address: string }[];
      };
      assert.deepEqual(
        config.bmcs.map((b) => b.address),
        [bmc],
      );

      const events = readFileSync(join(r.dir, 'data', 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
      const bmcSteps = events
        .filter((e) => e.type === 'bmc.action' && e.data.address === bmc)
        .map((e) => `${String(e.data.action)} ${String(e.data.ok)}`);
      assert.ok(bmcSteps.includes('one-time boot pxe true'), bmcSteps.join(' | '));
      assert.ok(bmcSteps.includes('power on true'), bmcSteps.join(' | '));
      const stages = events
        .filter((e) => e.type === 'node.stage' && e.data.mac === vmMac)
        .map((e) => String(e.data.stage));
      assert.ok(stages.includes('uploaded'), stages.join(' '));

      const vmDir = join(r.dir, 'vms', 'vm0');
      const power = readFileSync(join(vmDir, 'power.log'), 'utf8');
      assert.match(
        power,
        /^.* boot device pxe\n.* on \(boot pxe\)/,
        'switched off until the one-time PXE power on',
      );
      const serial = readFileSync(join(vmDir, 'serial.log'), 'latin1');
      assert.match(serial, /recon-collect: inventory stored by master/);
      assert.doesNotMatch(serial, /RECON-LAB-DISK-BOOTED/);
      assert.match(serial, /reboot: Power down/, 'the guest powered itself off after its upload');

      // nothing of the lab is left: namespaces, QEMU, ipmi_sim
      const ns = /namespace (rlab\d+)m/.exec(written())?.[1];
      assert.ok(ns, written());
      assert.doesNotMatch(
        execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
        new RegExp(`^${ns}`, 'm'),
      );
      const procs = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.ok(!procs.includes(join(r.dir, 'vms')), 'a QEMU or ipmi_sim of the lab is still running');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

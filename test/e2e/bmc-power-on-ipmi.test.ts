// Hands-free through a real IPMI BMC: `recon master` in the rig names the VM's BMC (ipmi_sim on the rig
// bridge, driver ipmi, fleet credentials in a 0600 file); the VM is switched off and would boot its disk.
// `recon power on --bmc ADDR --yes` → the BMC is told to PXE boot once and powers on → the VM PXE boots
// through recon, uploads its inventory (which reports the BMC: the guest sees it over KCS), powers off
// (the collector's if-bmc rule) → the BMC reads off. The password appears in no event, log or output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { recon } from '../helpers/master.js';
import { withRig } from '../helpers/netns.js';
import {
  bmcVmSkip,
  ipmiVmRig,
  RIG_BMC_ADDRESS,
  RIG_BMC_PASSWORD,
  RIG_VM_MAC,
  startBmcRigMaster,
} from './bmc-rig.js';
import { EventRecorder, labImage, stageIs, vmSkip } from './vm-rig.js';

const skip = vmSkip({ postTgz: true }) || bmcVmSkip();

void test(
  'recon power on through ipmi_sim: one-time PXE, the VM boots through recon, uploads, and is off',
  { skip, timeout: 600_000 },
  async (t) => {
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    await withRig('bmcon', async (scope) => {
      const { rig, defer } = scope;
      const r = await ipmiVmRig(scope);
      const master = await startBmcRigMaster(rig, image, [{ address: RIG_BMC_ADDRESS, driver: 'ipmi' }]);
      defer(() => master.cleanup());
      const events = await EventRecorder.open(master.socket);
      defer(() => events.close());
      const status = async () => (await r.ipmitool(['chassis', 'power', 'status'])).stdout.trim();
      assert.equal(await status(), 'Chassis Power is off', 'the VM starts switched off');

      const t0 = Date.now();
      const on = await recon(['power', 'on', '--bmc', RIG_BMC_ADDRESS, '--yes', '--socket', master.socket], {
        timeoutMs: 180_000,
      });
      assert.equal(on.code, 0, on.stdout + on.stderr);
      assert.match(on.stdout, /1 powered on/);
      t.diagnostic(`recon power on returned after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.match(await r.vm.powerLog(), /boot device pxe[\s\S]*on \(boot pxe\)/, 'PXE once, then on');

      await events.waitFor(stageIs(RIG_VM_MAC, 'uploaded'), 300_000, 'the VM uploaded');
      const uploadedS = (Date.now() - t0) / 1000;
      t.diagnostic(`power on → inventory stored in ${uploadedS.toFixed(1)} s`);
      for (let i = 0; (await status()) !== 'Chassis Power is off'; i++) {
        assert.ok(i < 120, 'the VM powers off after its upload');
        await sleep(1000);
      }
      t.diagnostic(`uploaded → BMC reads off after ${((Date.now() - t0) / 1000 - uploadedS).toFixed(1)} s`);

      const mine = events.events.filter((e) => JSON.stringify(e).includes(RIG_VM_MAC));
      const stages = mine.flatMap((e) => (e.type === 'node.stage' ? [e.data.stage] : []));
      for (const s of ['uploaded', 'powering-off'])
        assert.ok(stages.includes(s as never), `${s} in ${stages.join(' ')}`);
      const bmcSteps = events.events.flatMap((e) =>
        e.type === 'bmc.action' && e.data.address === RIG_BMC_ADDRESS
          ? [`${e.data.action} ${e.data.ok}`]
          : [],
      );
      assert.ok(bmcSteps.includes('one-time boot pxe true'), bmcSteps.join(' | '));
      assert.ok(bmcSteps.includes('power on true'), bmcSteps.join(' | '));
      const serial = await readFile(r.vm.serialLog, 'latin1');
      assert.match(serial, /recon-collect: inventory stored by master/);
      assert.doesNotMatch(serial, /RECON-LAB-DISK-BOOTED/, 'the disk never booted');
      const everything =
        (await readFile(join(master.dir, 'data', 'events.jsonl'), 'utf8')) +
        master.stderr() +
        on.stdout +
        on.stderr;
      assert.ok(!everything.includes(RIG_BMC_PASSWORD), 'the BMC password is nowhere');
    });
  },
);

// The IPMI rig on its own, driven by ipmitool from the master's namespace (as any operator tool would):
// ipmi_sim is the real BMC of a powered-off QEMU peer whose disk comes first in its boot order.
//  1. `chassis power on` without an override: the VM boots its disk (which halts), and recon sees no DHCP
//     from it; `chassis power soft` is ignored there (no OS handles the ACPI button); `off` ends it.
//  2. `chassis bootdev pxe` + `power on`: the VM PXE boots through `recon master`, uploads an inventory
//     that reports the BMC (the guest sees it over KCS), powers itself off (the collector's if-bmc policy)
//     and the BMC reads off; the override was for that one boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DISK_BOOT_MARKER } from '../../src/lab/vm/boot-sector.js';
import { waitForSerial } from '../../src/lab/vm/qemu.js';
import { withRig } from '../helpers/netns.js';
import { bmcVmSkip, ipmiVmRig, RIG_VM_MAC } from './bmc-rig.js';
import { EventRecorder, labImage, stageIs, startRigMaster, vmSkip } from './vm-rig.js';

const skip = vmSkip({ postTgz: true }) || bmcVmSkip();

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(500);
  }
}

void test(
  'ipmi_sim is the BMC of a QEMU peer: the one-time PXE override is what makes it boot through recon',
  { skip, timeout: 600_000 },
  async (t) => {
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    await withRig('bmcv', async (scope) => {
      const { rig, defer } = scope;
      const master = await startRigMaster(rig, image);
      defer(() => master.cleanup());
      const events = await EventRecorder.open(master.socket);
      defer(() => events.close());
      const r = await ipmiVmRig(scope);
      const status = async () => (await r.ipmitool(['chassis', 'power', 'status'])).stdout.trim();
      const serial = () => readFile(r.vm.serialLog, 'latin1').catch(() => '');

      assert.equal(await status(), 'Chassis Power is off', 'the VM starts switched off');

      // 1. no override: the disk boots, halts, and ignores the power button
      let t0 = Date.now();
      assert.equal((await r.ipmitool(['chassis', 'power', 'on'])).code, 0);
      await waitForSerial(r.vm.serialLog, new RegExp(DISK_BOOT_MARKER), 120_000);
      t.diagnostic(`power on → disk booted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(await status(), 'Chassis Power is on');
      assert.equal((await r.ipmitool(['chassis', 'power', 'soft'])).code, 0);
      await sleep(5000);
      assert.equal(await status(), 'Chassis Power is on', 'a VM without an OS ignores the ACPI button');
      assert.equal((await r.ipmitool(['chassis', 'power', 'off'])).code, 0);
      await until('power off', 30_000, async () => (await status()) === 'Chassis Power is off');
      assert.ok(
        !events.events.some((e) => JSON.stringify(e).includes(RIG_VM_MAC)),
        'recon heard nothing from a VM that booted its disk',
      );
      // the iPXE ROM loads (its banner shows) but SeaBIOS boots the disk first
      assert.match(await serial(), /Booting from Hard Disk/);
      assert.doesNotMatch(await serial(), /Configuring \(net0/, 'the NIC never tried DHCP');

      // 2. one-time PXE override
      assert.equal((await r.ipmitool(['chassis', 'bootdev', 'pxe'])).code, 0);
      assert.match(
        (await r.ipmitool(['chassis', 'bootparam', 'get', '5'])).stdout,
        /Force PXE/,
        'the BMC took the boot device',
      );
      t0 = Date.now();
      assert.equal((await r.ipmitool(['chassis', 'power', 'on'])).code, 0);
      await events.waitFor(stageIs(RIG_VM_MAC, 'uploaded'), 300_000, 'the VM uploaded');
      const uploadedS = (Date.now() - t0) / 1000;
      t.diagnostic(`power on (PXE) → inventory stored in ${uploadedS.toFixed(1)} s`);
      // the guest sees its BMC over KCS, so the collector's default policy (if-bmc) powers it off
      const inv = JSON.parse(
        await readFile(join(master.dir, 'data', 'nodes', RIG_VM_MAC, 'inventory.json'), 'utf8'),
      ) as { bmc: { present: boolean } };
      assert.equal(inv.bmc.present, true, 'the guest found its BMC');
      await until(
        'the VM off after its upload',
        120_000,
        async () => (await status()) === 'Chassis Power is off',
      );
      t.diagnostic(`uploaded → BMC reads off after ${((Date.now() - t0) / 1000 - uploadedS).toFixed(1)} s`);
      assert.doesNotMatch(
        (await r.ipmitool(['chassis', 'bootparam', 'get', '5'])).stdout,
        /Force PXE/,
        'the override applied to one boot only',
      );
      const text = await serial();
      assert.match(text, /recon-collect: inventory stored by master/);
      assert.match(text, /reboot: Power down/);
      assert.match(await r.vm.powerLog(), /on \(boot default\)[\s\S]*off[\s\S]*on \(boot pxe\)/);
    });
  },
);

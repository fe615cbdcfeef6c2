// Hands-free through Redfish: the rig's VM (switched off, disk first) behind the Redfish simulator, whose
// host hooks run the VM's power program. `recon power on --bmc ADDR --yes` with driver redfish → PATCH
// Boot {Pxe, Once} and ComputerSystem.Reset On → the VM PXE boots through recon and uploads; the
// console's shutdown powers it off and the BMC's PowerState reads Off. The override was for that boot only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { recon } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { withRig, type NetnsRig } from '../helpers/netns.js';
import {
  bmcVmSkip,
  redfishVmRig,
  RIG_BMC_PASSWORD,
  RIG_BMC_USER,
  RIG_REDFISH_ADDRESS,
  RIG_VM_MAC,
  startBmcRigMaster,
} from './bmc-rig.js';
import { EventRecorder, labImage, stageIs, vmSkip } from './vm-rig.js';

const skip = vmSkip({ postTgz: true }) || bmcVmSkip() || needs({ tools: ['curl'] });

/** GET a Redfish resource from the master's namespace (curl, basic auth, the self-signed certificate). */
async function redfishGet(rig: NetnsRig, path: string): Promise<Record<string, unknown>> {
  const r = await rig.exec(rig.masterNs, [
    'curl',
    '-sfk',
    '-u',
    `${RIG_BMC_USER}:${RIG_BMC_PASSWORD}`,
    `https://${RIG_REDFISH_ADDRESS}${path}`,
  ]);
  if (r.code !== 0) throw new Error(`GET ${path}: curl ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function system(rig: NetnsRig): Promise<Record<string, unknown>> {
  const members = (await redfishGet(rig, '/redfish/v1/Systems')).Members as { '@odata.id': string }[];
  return redfishGet(rig, members[0]!['@odata.id']);
}

void test(
  'recon power on through the Redfish simulator: one-time PXE, the VM boots through recon, uploads, is off',
  { skip, timeout: 600_000 },
  async (t) => {
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    await withRig('bmcrf', async (scope) => {
      const { rig, defer } = scope;
      const r = await redfishVmRig(scope);
      const master = await startBmcRigMaster(rig, image, [
        { address: RIG_REDFISH_ADDRESS, driver: 'redfish' },
      ]);
      defer(() => master.cleanup());
      const events = await EventRecorder.open(master.socket);
      defer(() => events.close());
      assert.equal((await system(rig)).PowerState, 'Off', 'the VM starts switched off');

      const t0 = Date.now();
      const on = await recon(
        ['power', 'on', '--bmc', RIG_REDFISH_ADDRESS, '--yes', '--socket', master.socket],
        {
          timeoutMs: 180_000,
        },
      );
      assert.equal(on.code, 0, on.stdout + on.stderr + r.output());
      assert.match(on.stdout, /1 powered on/);
      t.diagnostic(`recon power on (Redfish) returned after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.match(await r.vm.powerLog(), /boot device pxe[\s\S]*on \(boot pxe\)/, 'PXE once, then on');
      assert.equal((await system(rig)).PowerState, 'On');

      await events.waitFor(stageIs(RIG_VM_MAC, 'waiting'), 300_000, 'the VM waiting after its upload');
      const uploadedS = (Date.now() - t0) / 1000;
      t.diagnostic(`power on → inventory stored, peer waiting in ${uploadedS.toFixed(1)} s`);
      const boot = (await system(rig)).Boot as { BootSourceOverrideEnabled?: string };
      assert.notEqual(boot.BootSourceOverrideEnabled, 'Once', 'the override was used up by that boot');

      const s = await events.action({ name: 'shutdown', macs: [RIG_VM_MAC] });
      assert.ok(s.ok, s.message);
      for (let i = 0; (await system(rig)).PowerState !== 'Off'; i++) {
        assert.ok(i < 120, 'the BMC reads Off after the shutdown');
        await new Promise((res) => setTimeout(res, 1000));
      }
      t.diagnostic(
        `shutdown → Redfish PowerState Off after ${((Date.now() - t0) / 1000 - uploadedS).toFixed(1)} s`,
      );
      const bmcSteps = events.events.flatMap((e) =>
        e.type === 'bmc.action' && e.data.address === RIG_REDFISH_ADDRESS
          ? [`${e.data.action} ${e.data.ok}`]
          : [],
      );
      assert.ok(bmcSteps.includes('one-time boot pxe true'), bmcSteps.join(' | '));
      assert.ok(bmcSteps.includes('power on true'), bmcSteps.join(' | '));
      const serial = await readFile(r.vm.serialLog, 'latin1');
      assert.match(serial, /recon-collect: inventory stored by master/);
      assert.doesNotMatch(serial, /RECON-LAB-DISK-BOOTED/, 'the disk never booted');
    });
  },
);

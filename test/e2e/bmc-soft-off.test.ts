// Power off through a BMC when nothing answers the ACPI button: the QEMU peer behind ipmi_sim is on but
// sitting before any OS (its disk's boot sector halts, like a machine in firmware), so `chassis power
// soft` changes nothing. recon's BMC power-off (the path a peer that does not acknowledge `shutdown` takes)
// must press the button, wait its bounded grace, then force the machine off — and say it did. The same
// through Redfish: GracefulShutdown reaches the VM as the ACPI button and is ignored, then ForceOff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ipmiPowerOff } from '../../src/master/power/ipmi-poweroff.js';
import { IpmiClient } from '../../src/net/bmc/ipmi/ipmitool.js';
import { DISK_BOOT_MARKER } from '../../src/lab/vm/boot-sector.js';
import { waitForSerial } from '../../src/lab/vm/qemu.js';
import { shQuote } from '../../src/lab/vm/vm-power.js';
import { withRig } from '../helpers/netns.js';
import { fileURLToPath } from 'node:url';
import {
  bmcVmSkip,
  ipmiVmRig,
  redfishVmRig,
  RIG_BMC_ADDRESS,
  RIG_BMC_PASSWORD,
  RIG_BMC_USER,
  RIG_REDFISH_ADDRESS,
} from './bmc-rig.js';
import { vmSkip } from './vm-rig.js';

const GRACE_S = 8;

void test(
  'a VM in firmware ignores power soft: the BMC power-off escalates to a hard off after its grace',
  { skip: vmSkip() || bmcVmSkip(), timeout: 300_000 },
  async (t) => {
    await withRig('bmcsoft', async (scope) => {
      const r = await ipmiVmRig(scope);
      assert.equal((await r.ipmitool(['chassis', 'power', 'on'])).code, 0);
      await waitForSerial(r.vm.serialLog, new RegExp(DISK_BOOT_MARKER), 120_000);

      // ipmitool as recon runs it, from the master's namespace where the BMC is reachable
      const bin = join(scope.dir, 'ipmitool-in-rig');
      await writeFile(bin, `#!/bin/sh\nexec ip netns exec ${shQuote(scope.rig.masterNs)} ipmitool "$@"\n`);
      await chmod(bin, 0o755);
      const client = new IpmiClient(
        {
          host: RIG_BMC_ADDRESS,
          port: 623,
          username: RIG_BMC_USER,
          password: RIG_BMC_PASSWORD,
          cipherSuite: 3,
        },
        { timeoutSeconds: 20, retries: 1, ipmitool: bin },
      );
      const steps: string[] = [];
      const t0 = Date.now();
      const result = await ipmiPowerOff(client, {
        softOffGraceSeconds: GRACE_S,
        hardOffWaitSeconds: 30,
        pollMs: 1000,
        step: (s, ok, detail) => steps.push(`${s} ${ok}${detail ? `: ${detail}` : ''}`),
      });
      const took = (Date.now() - t0) / 1000;
      t.diagnostic(`power-off with escalation took ${took.toFixed(1)} s (grace ${GRACE_S} s)`);
      t.diagnostic(steps.join(' | '));
      assert.deepEqual(result, { ok: true, how: 'hard' }, steps.join(' | '));
      assert.ok(
        steps.some((s) => s.startsWith(`ipmi soft-off false: still on after ${GRACE_S} s`)),
        steps.join(' | '),
      );
      assert.ok(took >= GRACE_S, 'the hard off came only after the grace period');
      assert.ok(took < GRACE_S + 120, 'the wait is bounded');
      assert.equal(await r.vm.isOn(), false);
      assert.match(await r.vm.powerLog(), /power button\n(?:.*\n)*?.*off\n?$/, 'button first, then off');
    });
  },
);

void test(
  'a VM in firmware ignores a Redfish GracefulShutdown: the power-off escalates to ForceOff after its grace',
  { skip: vmSkip() || bmcVmSkip(), timeout: 300_000 },
  async (t) => {
    await withRig('bmcrfoff', async (scope) => {
      const r = await redfishVmRig(scope);
      await r.vm.control(['set', 'power', '1']);
      await waitForSerial(r.vm.serialLog, new RegExp(DISK_BOOT_MARKER), 120_000);
      const passFile = join(scope.dir, 'bmc-pass');
      await writeFile(passFile, `${RIG_BMC_PASSWORD}\n`, { mode: 0o600 });
      const run = await scope.rig.exec(
        scope.rig.masterNs,
        [
          process.execPath,
          '--import',
          import.meta.resolve('tsx'),
          fileURLToPath(new URL('./bmc-poweroff-entry.ts', import.meta.url)),
          RIG_REDFISH_ADDRESS,
          'redfish',
          passFile,
          join(scope.dir, 'tofu.json'),
          String(GRACE_S),
        ],
        { timeoutMs: 240_000 },
      );
      assert.equal(run.code, 0, run.stderr + r.output());
      const out = JSON.parse(run.stdout) as { ok: boolean; how?: string; steps: string[]; seconds: number };
      t.diagnostic(`Redfish power-off with escalation took ${out.seconds.toFixed(1)} s (grace ${GRACE_S} s)`);
      t.diagnostic(out.steps.join(' | '));
      assert.equal(out.ok, true, out.steps.join(' | '));
      assert.equal(out.how, 'hard', out.steps.join(' | '));
      assert.ok(
        out.steps.includes(`redfish soft-off false: still on after ${GRACE_S} s`),
        out.steps.join(' | '),
      );
      assert.ok(out.seconds >= GRACE_S && out.seconds < GRACE_S + 120);
      assert.equal(await r.vm.isOn(), false);
      assert.match(await r.vm.powerLog(), /power button\n(?:.*\n)*?.*off\n?$/, 'button first, then off');
    });
  },
);

// Power off through a BMC when nothing answers the ACPI button: the QEMU peer behind ipmi_sim is on but
// sitting before any OS (its disk's boot sector halts, like a machine in firmware), so `chassis power
// soft` changes nothing. recon's BMC power-off (the path a peer that does not acknowledge `shutdown` takes)
// must press the button, wait its bounded grace, then force the machine off — and say it did.
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
import { bmcVmSkip, ipmiVmRig, RIG_BMC_ADDRESS, RIG_BMC_PASSWORD, RIG_BMC_USER } from './bmc-rig.js';
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

// recon's IPMI driver (ipmitool lanplus) against ipmi_sim (OpenIPMI's BMC simulator) on loopback: the one-time
// PXE boot (with efiboot for UEFI) reaches the BMC's chassis control, power on/soft/off act and read back,
// failures are BmcErrors of the right kind, and openBmc('auto') picks IPMI where no Redfish answers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BmcError } from '../../src/net/bmc/driver.js';
import { bootdevAccepted } from '../../src/net/bmc/ipmi/driver.js';
import { openBmc } from '../../src/net/bmc/open.js';
import { needs } from '../helpers/needs.js';
import { startIpmiSim } from '../power/ipmi-sim.js';

const PASSWORD = 'ipmi-Passw0rd';
const skip = needs({ tools: ['ipmi_sim', 'ipmitool'] });

/** A TCP port on loopback that nothing listens on (so a Redfish probe there is refused at once). */
async function closedTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('ipmitool bootdev answers: only "Set Boot Device to pxe" means it was set', () => {
  assert.equal(bootdevAccepted('Set Boot Device to pxe\n'), true);
  assert.equal(bootdevAccepted(''), false);
  assert.equal(
    bootdevAccepted('Error setting Chassis Boot Parameter 5: Invalid data field in request'),
    false,
  );
});

test(
  'IPMI driver against ipmi_sim: PXE once (UEFI), on, soft off, off; auto picks IPMI',
  { skip },
  async () => {
    const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
    const dir = await mkdtemp(join(tmpdir(), 'recon-ipmidrv-'));
    try {
      const bmc = await openBmc({
        address: sim.address,
        driver: 'auto',
        credentials: { username: 'admin', password: PASSWORD },
        tofuStore: join(dir, 'pins.json'),
        redfish: { port: await closedTcpPort() },
        ipmi: { port: sim.port, timeoutSeconds: 10, retries: 0 },
      });
      assert.equal(bmc.kind, 'ipmi');
      assert.equal(bmc.address, `${sim.address}:${sim.port}`);
      assert.equal(await bmc.powerState(), 'on');
      await bmc.forceOff();
      assert.equal(await bmc.powerState(), 'off');
      await bmc.setOneTimeBoot('pxe', 'uefi');
      await bmc.powerOn();
      assert.equal(await bmc.powerState(), 'on');
      await bmc.gracefulOff();
      assert.equal(await bmc.powerState(), 'off');
      const events = await sim.events();
      assert.ok(events.includes('SET boot pxe'), events.join('\n'));
      assert.ok(
        events.indexOf('SET boot pxe') < events.lastIndexOf('POWER -> 1'),
        'boot device before power on',
      );
      assert.ok(events.includes('SET shutdown 1'), 'soft off is the ACPI shutdown');
      await bmc.close();
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'IPMI driver: a wrong password is an auth BmcError; nothing answering is unreachable',
  { skip },
  async () => {
    const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
    const dir = await mkdtemp(join(tmpdir(), 'recon-ipmidrv-'));
    try {
      const bmc = await openBmc({
        address: sim.address,
        driver: 'ipmi',
        credentials: { username: 'admin', password: 'wrong-one' },
        tofuStore: join(dir, 'pins.json'),
        ipmi: { port: sim.port, timeoutSeconds: 10, retries: 0 },
      });
      await assert.rejects(bmc.powerState(), (e: unknown) => {
        assert.ok(e instanceof BmcError);
        assert.equal(e.kind, 'auth');
        assert.ok(!e.message.includes('wrong-one'));
        return true;
      });
      await assert.rejects(
        openBmc({
          address: '127.0.0.1',
          credentials: { username: 'admin', password: PASSWORD },
          tofuStore: join(dir, 'pins.json'),
          redfish: { port: await closedTcpPort() },
          ipmi: { port: sim.port + 1 },
        }),
        (e: unknown) => e instanceof BmcError && e.kind === 'unreachable',
      );
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

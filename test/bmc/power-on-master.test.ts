// Power on, hands-free, against `recon master` in a network namespace rig: an ipmi_sim BMC (its machine
// switched off) takes a lease from recon with udhcpc; recon's BMC discovery probes the lease and lists it
// (bmc.discovered, driver ipmi, the vendor its DHCP vendor class names); `recon power on --bmc ADDR --yes` sets a one-time PXE boot and powers
// on: the BMC's chassis-control script sees `set boot pxe` then `set power 1`, and every step is an event.
// Around it: the view-only socket refuses the action, no terminal without --yes refuses, a second power
// on leaves the machine alone, --cycle forces it off and on, and the master's own address is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RIG_V4, withRig } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { udhcpc } from '../helpers/dhcp4-rig.js';
import { recon, reconArgv, startMaster } from '../helpers/master.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import type { ReconEvent } from '../../src/model/events.js';
import { ControlClient } from '../../src/master/control/client.js';
import { readOnlySocketOf } from '../../src/model/config/locate.js';
import { parseConfig } from '../../src/model/config/load.js';
import { startIpmiSim } from '../power/ipmi-sim.js';

const PASSWORD = 'Fleet-Bmc-Pw-9';
const BMC_MAC = '52:54:00:bb:01:0a';

async function events(dataDir: string): Promise<ReconEvent[]> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReconEvent);
}

test(
  'recon power on: a BMC that leases from recon is discovered, then set to boot PXE once and powered on',
  {
    skip: needs({ root: true, tools: ['ipmi_sim', 'ipmitool', 'udhcpc', 'busybox'] }),
    timeout: 240_000,
  },
  async () => {
    await withRig('bmcon', async ({ rig, dir, defer }) => {
      const bmc = await rig.addPeer(BMC_MAC);
      const credFile = join(dir, 'bmc.cred');
      await writeFile(credFile, `admin\n${PASSWORD}\n`);
      await chmod(credFile, 0o600);
      const dataDir = join(dir, 'data');
      const config: ReconConfigInput = {
        interface: 'br0',
        dataDir,
        tftpRoot: join(dir, 'tftp'),
        controlSocket: join(dir, 'control.sock'),
        ipv4: { address: RIG_V4.master, prefix: 24, range: ['10.99.0.50', '10.99.0.90'] },
        ipv6: { enabled: false },
        http: { roots: {} },
        guard: { enabled: false },
        power: {
          bmcCredentialsFile: credFile,
          bmcDiscovery: { timeoutSeconds: 2 },
          ipmi: { timeoutSeconds: 8, retries: 0 },
        },
      };
      const master = await startMaster({ dir, netns: rig.masterNs, config: () => config });
      defer(() => master.cleanup());

      // the BMC listens on any address of its namespace, then takes its address from recon
      const sim = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: false,
        address: '0.0.0.0',
        netns: bmc.ns,
        poweredOn: false,
      });
      defer(() => sim.stop());
      // the vendor class (option 60) a BMC's DHCP client sends is a hint recon keeps (iDRAC: Dell)
      const lease = await udhcpc(rig, bmc.ns, ['-V', 'iDRAC']);
      assert.equal(lease.code, 0, lease.stderr);
      const address = lease.bound?.ip ?? '';
      assert.match(address, /^10\.99\.0\.\d+$/);

      let found: ReconEvent | undefined;
      for (let i = 0; !found && i < 100; i++) {
        found = (await events(dataDir)).find((e) => e.type === 'bmc.discovered');
        if (!found) await sleep(100);
      }
      assert.deepEqual(found?.data, {
        address,
        mac: BMC_MAC,
        vendor: 'Dell',
        driver: 'ipmi',
        redfish: false,
        ipmi: true,
        source: 'lease',
      });
      // a device that only answered a probe is given no credentials: no session before the operator asks
      // (a power read right after discovery would have reached ipmi_sim within this wait)
      await sleep(4000);
      assert.deepEqual(await sim.reads(), []);
      assert.equal((await events(dataDir)).filter((e) => e.type === 'bmc.power').length, 0);

      // read-only clients cannot act, whatever they send
      const view = await ControlClient.connect(readOnlySocketOf(parseConfig(config)));
      try {
        const r = await view.action({ name: 'power-on', bmcs: [address] });
        assert.equal(r.ok, false);
        assert.match(r.message, /view-only/);
      } finally {
        view.close();
      }
      // no terminal and no --yes: refused before anything is sent
      const noYes = await recon(['power', 'on', '--bmc', address, '--socket', master.socket]);
      assert.equal(noYes.code, 2, noYes.stderr);
      assert.match(noYes.stderr, /no terminal to confirm on: add --yes/);
      assert.deepEqual(await sim.events(), []);

      // the master's own address is never a BMC
      const self = await recon(['power', 'on', '--bmc', RIG_V4.master, '--yes', '--socket', master.socket]);
      assert.equal(self.code, 1, self.stdout + self.stderr);
      assert.match(
        self.stderr,
        new RegExp(`${RIG_V4.master} refused: it is an address of the master itself`),
      );

      // a headless console prints the BMC steps as they happen (serial logs, the journal)
      const consoleArgv = [...reconArgv(), 'console', '--headless', '--socket', master.socket];
      const headless = spawn(consoleArgv[0]!, consoleArgv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
      defer(() => headless.kill('SIGKILL'));
      let printed = '';
      headless.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d));
      for (let i = 0; !printed.includes('summary') && i < 300; i++) await sleep(100);

      const on = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(on.code, 0, on.stdout + on.stderr);
      assert.match(
        on.stdout,
        /1 powered on, 0 power-cycled, 0 already on \(left alone\), 0 failed, of 1 BMC\(s\)/,
      );
      const seen = await sim.events();
      const boot = seen.indexOf('SET boot pxe');
      const power = seen.indexOf('SET power 1');
      assert.ok(boot >= 0 && power > boot, `boot pxe then power on: ${seen.join(' | ')}`);
      assert.equal(await sim.power(), '1');
      for (let i = 0; !printed.includes(`BMC ${address} power on ok`) && i < 100; i++) await sleep(100);
      assert.match(
        printed,
        new RegExp(`BMC ${address.replace(/\./g, '\\.')} one-time boot pxe ok: next boot from the network`),
      );
      assert.match(
        printed,
        new RegExp(
          `BMC ${address.replace(/\./g, '\\.')} power on ok: on: it boots from the network now \\(by cli\\)`,
        ),
      );
      headless.kill('SIGTERM');

      const steps = (await events(dataDir))
        .filter((e) => e.type === 'bmc.action' || e.type === 'bmc.power')
        .map((e) => (e.type === 'bmc.action' ? `${e.data.action} ${e.data.ok}` : `power ${e.data.state}`));
      assert.deepEqual(steps, ['power off', 'one-time boot pxe true', 'power on', 'power on true']);
      const log = await readFile(join(dataDir, 'recon.log'), 'utf8').catch(() => '');
      const all = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')) + log + on.stdout + on.stderr;
      assert.ok(!all.includes(PASSWORD), 'the password is in no event, log line or output');

      // on already: left alone, and said so
      const again = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /1 already on \(left alone\)/);
      assert.match(again.stderr, /already on: left alone/);
      assert.equal((await sim.events()).filter((l) => l === 'SET power 1').length, 1);

      // --cycle: one-time PXE boot, forced off, on again
      const cycle = await recon(
        ['power', 'on', '--bmc', address, '--cycle', '--yes', '--socket', master.socket],
        { timeoutMs: 120_000 },
      );
      assert.equal(cycle.code, 0, cycle.stdout + cycle.stderr);
      assert.match(cycle.stdout, /1 power-cycled/);
      const after = await sim.events();
      const tail = after.slice(seen.length);
      assert.deepEqual(
        tail.filter((l) => l.startsWith('SET')),
        ['SET boot pxe', 'SET power 0', 'SET power 1'],
        after.join(' | '),
      );
    });
  },
);

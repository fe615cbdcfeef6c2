// Power on through Redfish, against `recon master` in a network namespace rig: the Redfish BMC simulator
// (iDRAC9-shaped answers, its machine switched off) takes a lease from recon with udhcpc; recon's BMC
// discovery reads its service root on 443 without credentials and lists it (bmc.discovered: Redfish,
// Dell, its product); `recon power on --bmc ADDR --yes` sets the one-time boot override (Pxe, Once)
// and resets it On through the Redfish driver; the simulator's host saw exactly that boot. Restarted with a
// new certificate, the BMC is refused (both fingerprints named) until `recon power trust` accepts the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RIG_V4, withRig } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { udhcpc } from '../helpers/dhcp4-rig.js';
import { recon, startMaster } from '../helpers/master.js';
import { REDFISH_SIM_ARGV } from '../helpers/redfish-sim.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import type { ReconEvent } from '../../src/model/events.js';

const PASSWORD = 'Redfish-Fleet-Pw-3';
const BMC_MAC = '52:54:00:bb:02:0a';

async function events(dataDir: string): Promise<ReconEvent[]> {
  const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReconEvent);
}

test(
  'recon power on through Redfish: a BMC leasing from recon is found by its service root, set to boot Pxe once and reset On',
  { skip: needs({ root: true, tools: ['udhcpc', 'busybox', 'openssl'] }), timeout: 240_000 },
  async () => {
    await withRig('bmcrf', async ({ rig, dir, defer }) => {
      const bmc = await rig.addPeer(BMC_MAC);
      const simPw = join(dir, 'sim.pw');
      await writeFile(simPw, `${PASSWORD}\n`);
      const credFile = join(dir, 'bmc.cred');
      await writeFile(credFile, `admin\n${PASSWORD}\n`);
      await chmod(credFile, 0o600);
      const bootFile = join(dir, 'boot');
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
        power: { bmcCredentialsFile: credFile, bmcDiscovery: { timeoutSeconds: 3 } },
      };
      const master = await startMaster({ dir, netns: rig.masterNs, config: () => config });
      defer(() => master.cleanup());

      // each start makes a new self-signed certificate: a restart is a BMC whose certificate changed
      const startSim = async (initial: 'on' | 'off') => {
        const sim = rig.spawn(bmc.ns, [
          ...REDFISH_SIM_ARGV,
          ...['--address', '0.0.0.0', '--port', '443', '--vendor', 'idrac9'],
          ...['--password-file', simPw, '--boot-file', bootFile, '--initial', initial],
        ]);
        defer(() => sim.kill('SIGTERM'));
        let said = '';
        sim.stdout?.setEncoding('utf8').on('data', (d: string) => (said += d));
        sim.stderr?.setEncoding('utf8').on('data', (d: string) => (said += d));
        for (let i = 0; !said.includes('listening'); i++) {
          assert.ok(i < 300 && sim.exitCode === null, `the simulator did not start: ${said}`);
          await sleep(100);
        }
        return sim;
      };
      const sim = await startSim('off');
      const lease = await udhcpc(rig, bmc.ns, []);
      assert.equal(lease.code, 0, lease.stderr);
      const address = lease.bound?.ip ?? '';
      assert.match(address, /^10\.99\.0\.\d+$/);

      let found: ReconEvent | undefined;
      for (let i = 0; !found && i < 150; i++) {
        found = (await events(dataDir)).find((e) => e.type === 'bmc.discovered');
        if (!found) await sleep(100);
      }
      assert.deepEqual(found?.data, {
        address,
        mac: BMC_MAC,
        vendor: 'Dell',
        model: 'Integrated Dell Remote Access Controller',
        driver: 'redfish',
        redfish: true,
        ipmi: false,
        source: 'lease',
      });

      const on = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(on.code, 0, on.stdout + on.stderr);
      assert.match(
        on.stdout,
        /1 powered on, 0 power-cycled, 0 already on \(left alone\), 0 failed, of 1 BMC\(s\)/,
      );
      assert.match(await readFile(bootFile, 'utf8'), /^Pxe Once /);
      const steps = (await events(dataDir))
        .filter((e) => e.type === 'bmc.action' || e.type === 'bmc.power')
        .map((e) => (e.type === 'bmc.action' ? `${e.data.action} ${e.data.ok}` : `power ${e.data.state}`));
      assert.deepEqual(steps, ['power off', 'one-time boot pxe true', 'power on', 'power on true']);
      // the BMC named its host's NICs: the console can follow the node booting behind it from its first DHCP
      const hostMacs = (await events(dataDir)).flatMap((e) =>
        e.type === 'bmc.discovered' && e.data.hostMacs ? [e.data.hostMacs] : [],
      );
      assert.equal(hostMacs.length, 1, 'learned once, at the power on');
      assert.ok(
        hostMacs[0]!.every((m) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m)) && hostMacs[0]!.length > 0,
      );

      // the BMC comes back with another certificate: refused, naming both, until the operator trusts the new one
      sim.kill('SIGTERM');
      await new Promise((r) => sim.once('exit', r));
      await startSim('on');
      const refused = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      const now = /now ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(refused.stdout + refused.stderr)?.[1];
      assert.ok(now, `the refusal names the new fingerprint: ${refused.stdout}${refused.stderr}`);
      const pins = JSON.parse(await readFile(join(dataDir, 'bmc-certs.json'), 'utf8')) as Record<
        string,
        { sha256: string }
      >;
      const before = pins[`${address}:443`]?.sha256;
      assert.ok(before && before !== now, 'the store still holds the first certificate');
      const viewOnly = await recon(
        [
          'power',
          'trust',
          '--bmc',
          address,
          '--fingerprint',
          now,
          '--yes',
          '--socket',
          join(dir, 'control-read-only.sock'),
        ],
        { timeoutMs: 30_000 },
      );
      assert.notEqual(viewOnly.code, 0, 'a view-only console cannot trust a certificate');
      const trust = await recon(
        [
          'power',
          'trust',
          '--bmc',
          address,
          '--fingerprint',
          now.toLowerCase(),
          '--yes',
          '--socket',
          master.socket,
        ],
        { timeoutMs: 30_000 },
      );
      assert.equal(trust.code, 0, trust.stdout + trust.stderr);
      assert.match(trust.stdout, new RegExp(`certificate ${now} trusted \\(was ${before}\\)`));
      const again = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /1 already on \(left alone\)/);

      const log = await readFile(join(dataDir, 'recon.log'), 'utf8').catch(() => '');
      const all = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')) + log + on.stdout + on.stderr;
      assert.ok(!all.includes(PASSWORD), 'the password is in no event, log line or output');
    });
  },
);

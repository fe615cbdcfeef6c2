// The whole BMC loop against `recon master` in a network namespace rig, with ipmi_sim as the BMC (its
// machine in firmware: it ignores the ACPI power button): the BMC leases from recon and is discovered;
// `recon power on` boots it once from the network; the peer's inventory reports the BMC's MAC, which ties
// the BMC to the node (the master's state); the peer then stays silent on `shutdown`, so recon powers it
// off through that BMC — the graceful request first, the forced off after the bounded grace — and the
// node is powered off through IPMI in the state, the events and the fleet report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RIG_V4, withRig } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { udhcpc } from '../helpers/dhcp4-rig.js';
import { recon, startMaster } from '../helpers/master.js';
import { sampleInventory } from '../collect/sample-inventory.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import type { ReconState } from '../../src/model/reducer.js';
import { ControlClient } from '../../src/master/control/client.js';
import { startIpmiSim } from '../power/ipmi-sim.js';

const PASSWORD = 'Fleet-Bmc-Pw-11';
const BMC_MAC = '52:54:00:bb:03:0a';
const NODE = '52:54:00:4e:00:01';
const PEER_IP = '10.99.0.100';

test(
  'BMC loop through recon master: discovered, powered on, tied by the inventory, a silent peer forced off after the grace',
  {
    skip: needs({ root: true, tools: ['ipmi_sim', 'ipmitool', 'udhcpc', 'busybox', 'curl'] }),
    timeout: 240_000,
  },
  async () => {
    await withRig('bmclp', async ({ rig, dir, defer }) => {
      const bmc = await rig.addPeer(BMC_MAC);
      const peer = await rig.addPeer('52:54:00:4e:00:ff');
      assert.equal((await rig.exec(peer.ns, ['ip', 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0'])).code, 0);
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
        http: { roots: {}, trustAnySource: true }, // the simulated peer uploads from its own address
        guard: { enabled: false },
        power: {
          peerAckSeconds: 2,
          bmcCredentialsFile: credFile,
          bmcDiscovery: { timeoutSeconds: 2 },
          ipmi: { timeoutSeconds: 8, retries: 0, softOffGraceSeconds: 3 },
        },
      };
      const master = await startMaster({ dir, netns: rig.masterNs, config: () => config });
      defer(() => master.cleanup());
      const sim = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: false,
        address: '0.0.0.0',
        netns: bmc.ns,
        poweredOn: false,
      });
      defer(() => sim.stop());
      const lease = await udhcpc(rig, bmc.ns, []);
      assert.equal(lease.code, 0, lease.stderr);
      const address = lease.bound?.ip ?? '';

      const state = async (): Promise<ReconState> => {
        const c = await ControlClient.connect(master.socket);
        try {
          return (await c.getState()).state;
        } finally {
          c.close();
        }
      };
      for (let i = 0; !(await state()).bmcs?.[address] && i < 100; i++) await sleep(200);
      assert.equal((await state()).bmcs?.[address]?.driver, 'ipmi');

      const on = await recon(['power', 'on', '--bmc', address, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(on.code, 0, on.stdout + on.stderr);
      assert.equal(await sim.power(), '1');

      // the peer (booted through recon) uploads its inventory naming its BMC by MAC
      const inv = sampleInventory();
      inv.bmc = { present: true, ipv6: [], ipv4: address, mac: BMC_MAC };
      const file = join(dir, 'inv.json');
      await writeFile(file, JSON.stringify(inv));
      let put = { stdout: '', stderr: '' };
      for (let i = 0; !/\n200$/.test(put.stdout) && i < 50; i++) {
        put = await rig.exec(peer.ns, [
          'curl',
          '-sS',
          '-X',
          'PUT',
          '-H',
          'Content-Type: application/json',
          '--data-binary',
          `@${file}`,
          '-w',
          '\n%{http_code}',
          `http://${RIG_V4.master}/api/v1/nodes/${NODE}/inventory`,
        ]);
        if (!/\n200$/.test(put.stdout)) await sleep(200);
      }
      assert.match(put.stdout, /\n200$/, put.stdout + put.stderr);
      const tied = await state();
      assert.equal(tied.bmcs?.[address]?.node, NODE, 'the inventory ties the BMC to its node');
      assert.equal(tied.nodes[NODE]?.bmc, address);

      // the peer never answers: recon powers it off through its BMC, forcing it after the grace
      const before = (await sim.events()).length;
      const t0 = Date.now();
      const off = await recon(['power', 'peers', '--mac', NODE, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(off.code, 0, off.stdout + off.stderr);
      assert.match(off.stdout, /1 of 1 peer\(s\) shutting down or off \(1 through IPMI\)/);
      assert.ok(Date.now() - t0 >= 2000 + 3000, 'the forced off came after the ack wait and the grace');
      const seen = (await sim.events()).slice(before);
      const soft = seen.indexOf('SET shutdown 1');
      const hard = seen.indexOf('SET power 0');
      assert.ok(soft >= 0 && hard > soft, `graceful then forced: ${seen.join(' | ')}`);
      assert.equal(await sim.power(), '0');
      const after = await state();
      assert.equal(after.nodes[NODE]?.stage, 'powered-off');
      assert.match(
        after.nodes[NODE]?.powerDetail ?? '',
        new RegExp(`BMC ${address.replace(/\./g, '\\.')}: hard`),
      );
      assert.equal(after.bmcs?.[address]?.power, 'off');

      const report = await recon(['export', '--format', 'csv', '--socket', master.socket]);
      assert.equal(report.code, 0, report.stderr);
      const row = report.stdout.split('\n').find((l) => l.includes(NODE)) ?? '';
      assert.match(row, /off/, row);
      const all = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')) + report.stdout;
      assert.ok(!all.includes(PASSWORD));
    });
  },
);

// A peer only names its BMC; the master decides whether that BMC is the peer's. Acceptance test against
// `recon master` in a network namespace rig, with ipmi_sim BMCs and tcpdump on every interface of the
// master's namespace:
//   br0 10.99.0.1/24 (recon's DHCP segment): BMC A takes a lease from recon with udhcpc and listens on it;
//     ipmi_sim also listens on the master's own address 10.99.0.1 (a BMC must never be reached there);
//   br1 10.98.0.1/24 (power.bmcNetworks): BMC B on 10.98.0.10, and the master's own BMC on 10.98.0.250
//     (power.masterBmc).
// Simulated peers upload inventories and then stay silent, so `recon power peers` falls back to IPMI:
//   hostile peers name the master's address, BMC A's address under a made-up BMC MAC, and the master's BMC →
//   each refused by name (power-down step, `recon power` output, `recon status`, a console line), and not
//   one RMCP datagram leaves for any of them; honest peers name BMC A with its MAC (tied by recon's lease)
//   and BMC B (inside power.bmcNetworks) → both powered off through IPMI, which tcpdump sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RIG_V4, withRig, type NetnsRig } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { udhcpc } from '../helpers/dhcp4-rig.js';
import { recon, reconArgv, startMaster } from '../helpers/master.js';
import { sampleInventory } from '../collect/sample-inventory.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { startIpmiSim } from './ipmi-sim.js';

const PASSWORD = 'Fleet-Bmc-Pw-7';
const BMC_A_MAC = '52:54:00:bb:00:0a';
const BMC_B = '10.98.0.10';
const MASTER_BMC = '10.98.0.250';
const PEER_IP = '10.99.0.100';
const HOSTILE_MASTER = '52:54:00:4d:00:01';
const HOSTILE_OTHER = '52:54:00:4d:00:02';
const HOSTILE_MASTER_BMC = '52:54:00:4d:00:03';
const HONEST_LEASE = '52:54:00:4d:00:0a';
const HONEST_NET = '52:54:00:4d:00:0b';

/** tcpdump on every interface of a namespace: the destinations of the IPMI (UDP 623) datagrams it saw. */
async function captureIpmi(rig: NetnsRig, ns: string): Promise<{ destinations: () => string[] }> {
  const child = rig.spawn(ns, ['tcpdump', '-i', 'any', '-nn', '-l', '-q', 'udp port 623']);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  for (let i = 0; !/listening on/.test(err); i++) {
    assert.ok(i < 100 && child.exitCode === null, `tcpdump did not start: ${err}`);
    await sleep(100);
  }
  // "IP 10.99.0.1.40000 > 10.99.0.57.623: UDP, length 32" → 10.99.0.57 (requests only, not answers)
  return {
    destinations: () =>
      [...out.matchAll(/ > (\d+\.\d+\.\d+\.\d+)\.623:/g)]
        .map((m) => m[1]!)
        .filter((v, i, a) => a.indexOf(v) === i),
  };
}

test(
  'IPMI goes only to a BMC recon can tie to the peer: hostile BMC addresses refused by name, nothing sent; honest ones powered off',
  {
    skip: needs({ root: true, tools: ['ipmi_sim', 'ipmitool', 'udhcpc', 'busybox', 'tcpdump', 'curl'] }),
    timeout: 240_000,
  },
  async () => {
    await withRig('bmct', async ({ rig, dir, defer }) => {
      await rig.addBridge('br1', '10.98.0.1/24');
      const bmcA = await rig.addPeer(BMC_A_MAC);
      const bmcNet = await rig.addPeer('52:54:00:bb:00:0b', 'br1');
      for (const ip of [BMC_B, MASTER_BMC])
        assert.equal((await rig.exec(bmcNet.ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])).code, 0);
      const peers = await rig.addPeer('52:54:00:4d:00:ff');
      assert.equal((await rig.exec(peers.ns, ['ip', 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0'])).code, 0);

      const pwFile = join(dir, 'bmc.pw');
      await writeFile(pwFile, `${PASSWORD}\n`);
      await chmod(pwFile, 0o600);
      const dataDir = join(dir, 'data');
      const config: ReconConfigInput = {
        interface: 'br0',
        dataDir,
        tftpRoot: join(dir, 'tftp'),
        controlSocket: join(dir, 'control.sock'),
        ipv4: { address: RIG_V4.master, prefix: 24, range: ['10.99.0.50', '10.99.0.90'] },
        ipv6: { enabled: false },
        http: { roots: {}, trustAnySource: true }, // the simulated peers upload from one address
        guard: { enabled: false },
        power: {
          peerAckSeconds: 2,
          bmcNetworks: ['10.98.0.0/24'],
          masterBmc: { addresses: [MASTER_BMC] },
          ipmi: {
            username: 'admin',
            passwordFile: pwFile,
            timeoutSeconds: 5,
            retries: 0,
            softOffGraceSeconds: 3,
          },
        },
      };
      const master = await startMaster({ dir, netns: rig.masterNs, config: () => config });
      defer(() => master.cleanup());

      // BMC A takes an address from recon, as a BMC set to DHCP does, and answers IPMI on it
      const lease = await udhcpc(rig, bmcA.ns, []);
      assert.equal(lease.code, 0, lease.stderr);
      const bmcAIp = lease.bound?.ip ?? '';
      assert.match(bmcAIp, /^10\.99\.0\.\d+$/);
      const simA = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: true,
        address: bmcAIp,
        netns: bmcA.ns,
      });
      defer(() => simA.stop());
      const simB = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: true,
        address: BMC_B,
        netns: bmcNet.ns,
      });
      defer(() => simB.stop());
      const simMasterBmc = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: true,
        address: MASTER_BMC,
        netns: bmcNet.ns,
      });
      defer(() => simMasterBmc.stop());
      const simOnMaster = await startIpmiSim({
        password: PASSWORD,
        softOffWorks: true,
        address: RIG_V4.master,
        netns: rig.masterNs,
      });
      defer(() => simOnMaster.stop());

      // the simulated peers upload their inventories, then never poll for a command
      const upload = async (mac: string, bmc: { ipv4?: string; mac?: string }) => {
        const inv = sampleInventory();
        inv.bmc = { present: true, ipv6: [], ...bmc };
        const file = join(dir, `inv-${mac.slice(-2)}.json`);
        await writeFile(file, JSON.stringify(inv));
        const r = await rig.exec(peers.ns, [
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
          `http://${RIG_V4.master}/api/v1/nodes/${mac}/inventory`,
        ]);
        assert.match(r.stdout, /\n200$/, `${mac}: ${r.stdout}${r.stderr}`);
      };
      for (let i = 0; ; i++) {
        const r = await rig.exec(peers.ns, [
          'curl',
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          `http://${RIG_V4.master}/api/v1/hello`,
        ]);
        if (r.stdout === '200') break;
        assert.ok(i < 100, 'the master HTTP service did not come up');
        await sleep(100);
      }
      await upload(HOSTILE_MASTER, { ipv4: RIG_V4.master });
      await upload(HOSTILE_OTHER, { ipv4: bmcAIp, mac: 'de:ad:be:ef:00:01' });
      await upload(HOSTILE_MASTER_BMC, { ipv4: MASTER_BMC, mac: '52:54:00:bb:00:ff' });
      await upload(HONEST_LEASE, { ipv4: bmcAIp, mac: BMC_A_MAC });
      await upload(HONEST_NET, { ipv4: BMC_B });

      const tcpdump = await captureIpmi(rig, rig.masterNs);
      const consoleArgv = [...reconArgv(), 'console', '--headless', '--socket', master.socket];
      const consoleProc = spawn(consoleArgv[0]!, consoleArgv.slice(1), {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      defer(() => consoleProc.kill('SIGKILL'));
      let consoleOut = '';
      consoleProc.stdout.setEncoding('utf8').on('data', (d: string) => (consoleOut += d));

      // the hostile ones: refused by name, nothing sent
      const hostile = await recon(
        [
          'power',
          'peers',
          '--mac',
          HOSTILE_MASTER,
          '--mac',
          HOSTILE_OTHER,
          '--mac',
          HOSTILE_MASTER_BMC,
          '--yes',
          '--socket',
          master.socket,
        ],
        { timeoutMs: 120_000 },
      );
      const why = {
        [HOSTILE_MASTER]: `BMC ${RIG_V4.master} not tied to ${HOSTILE_MASTER}: it is an address of the master itself`,
        [HOSTILE_OTHER]: `BMC ${bmcAIp} not tied to ${HOSTILE_OTHER}: recon leased it to ${BMC_A_MAC}, not to the reported BMC MAC de:ad:be:ef:00:01`,
        [HOSTILE_MASTER_BMC]: `BMC ${MASTER_BMC} not tied to ${HOSTILE_MASTER_BMC}: it is the master's own BMC`,
      };
      assert.equal(hostile.code, 1, hostile.stdout + hostile.stderr);
      assert.match(hostile.stderr, /0 of 3 peer\(s\) shutting down or off/);
      for (const [mac, line] of Object.entries(why)) {
        assert.ok(hostile.stderr.includes(`${mac}: bmc refused FAILED — ${line}`), hostile.stderr);
        assert.ok(hostile.stderr.includes(`${mac}: ${line}: power it off by hand`), hostile.stderr);
      }
      const status = await recon(['status', '--socket', master.socket]);
      for (const [mac, line] of Object.entries(why))
        assert.ok(status.stdout.includes(`power unknown ${mac}: ${line}`), status.stdout);
      for (let i = 0; !consoleOut.includes(why[HOSTILE_MASTER_BMC]) && i < 600; i++) await sleep(100);
      consoleProc.kill('SIGTERM');
      for (const line of Object.values(why))
        assert.ok(consoleOut.includes(`power-down bmc refused FAILED: ${line}`), consoleOut);
      const events = await readFile(join(dataDir, 'events.jsonl'), 'utf8');
      assert.equal(events.match(/"step":"bmc refused"/g)?.length, 3);

      await sleep(500); // anything sent would have reached tcpdump by now
      assert.deepEqual(tcpdump.destinations(), [], 'not one IPMI datagram left the master');
      for (const sim of [simA, simOnMaster, simMasterBmc]) {
        assert.deepEqual(await sim.reads(), [], `${sim.address}: no session`);
        assert.deepEqual(await sim.events(), [], `${sim.address}: nothing switched`);
        assert.equal(await sim.power(), '1');
      }

      // the honest ones: powered off through IPMI as before
      const honest = await recon(
        ['power', 'peers', '--mac', HONEST_LEASE, '--mac', HONEST_NET, '--yes', '--socket', master.socket],
        { timeoutMs: 120_000 },
      );
      assert.equal(honest.code, 0, honest.stdout + honest.stderr);
      assert.match(honest.stdout, /2 of 2 peer\(s\) shutting down or off \(2 through IPMI\)/);
      assert.ok(
        honest.stderr.includes(
          `${HONEST_LEASE}: bmc tied — BMC ${bmcAIp} leased by recon to the reported BMC MAC ${BMC_A_MAC}`,
        ),
        honest.stderr,
      );
      assert.ok(
        honest.stderr.includes(
          `${HONEST_NET}: bmc tied — BMC ${BMC_B} inside power.bmcNetworks 10.98.0.0/24`,
        ),
      );
      for (const sim of [simA, simB]) {
        assert.equal(await sim.power(), '0', sim.address);
        assert.ok((await sim.events()).includes('SET shutdown 1'), sim.address);
      }
      await sleep(500);
      assert.deepEqual(
        tcpdump.destinations().sort(),
        [BMC_B, bmcAIp].sort(),
        'tcpdump sees IPMI when it is sent',
      );
      assert.equal(await simMasterBmc.power(), '1');
      assert.equal(await simOnMaster.power(), '1');
    });
  },
);

// Acceptance: a hostile namespace against `recon master`. 20,000 DISCOVERs with random MACs (perfdhcp)
// make no node, no nodes/<mac>/ directory and leave state.json, events.jsonl and the master's memory
// nearly where they were; a flood with a PXE vendor class fills the registry only up to its bound and
// the event log only within the new-node budget.
// `GET /menu.ipxe?mac=<a node's MAC>` from an address that is not that node's creates nothing and
// moves no stage (a powered-off node stays powered-off). A real PXE client (udhcpc) makes the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { RIG_V4, withRig, type NetnsRig } from '../helpers/netns.js';
import { startMaster, type RunningMaster } from '../helpers/master.js';
import { rigConfig } from '../net/dhcp6-rig.js';
import { ControlClient } from '../../src/master/control/client.js';
import type { ReconState } from '../../src/model/reducer.js';

const skip = needs({ root: true, tools: ['ip', 'udhcpc', 'perfdhcp', 'curl'] });
const NODE_MAC = '52:54:00:f1:00:01';
const PXE_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';
const MAX_NODES = 300;

async function state(m: RunningMaster): Promise<ReconState> {
  const c = await ControlClient.connect(m.socket);
  try {
    return (await c.getState()).state;
  } finally {
    c.close();
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => ({ size: 0 }))).size;
}

interface Figures {
  nodes: number;
  hosts: number;
  nodeDirs: number;
  stateJson: number;
  eventsJsonl: number;
  rssKiB: number;
}

async function figures(m: RunningMaster): Promise<Figures> {
  const data = join(m.dir, 'data');
  const s = await state(m);
  const status = await readFile(`/proc/${m.proc.pid}/status`, 'utf8');
  return {
    nodes: Object.keys(s.nodes).length,
    hosts: Object.keys(s.hosts ?? {}).length,
    nodeDirs: (await readdir(join(data, 'nodes')).catch(() => [])).length,
    stateJson: await sizeOf(join(data, 'state.json')),
    eventsJsonl: await sizeOf(join(data, 'events.jsonl')),
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

const show = (what: string, a: Figures, b: Figures) =>
  console.log(
    `# ${what}: nodes ${a.nodes} → ${b.nodes}, hosts ${a.hosts} → ${b.hosts}, nodes/ dirs ${a.nodeDirs} → ${b.nodeDirs}, ` +
      `state.json ${a.stateJson} → ${b.stateJson} B, events.jsonl ${a.eventsJsonl} → ${b.eventsJsonl} B ` +
      `(+${b.eventsJsonl - a.eventsJsonl}), RSS ${(a.rssKiB / 1024).toFixed(0)} → ${(b.rssKiB / 1024).toFixed(0)} MiB`,
  );

/** perfdhcp as a relay at 10.99.0.2: `count` DISCOVERs at 5000/s (no REQUEST) from `count` random MACs, unicast to recon. */
async function discoverFlood(
  rig: NetnsRig,
  ns: string,
  count: number,
  extra: string[] = [],
): Promise<string> {
  const r = await rig.exec(
    ns,
    [
      'perfdhcp',
      '-4',
      '-l',
      'eth0',
      '-i',
      '-r',
      '5000',
      '-R',
      `${count}`,
      // perfdhcp -i stops on -n without a report; -p at 5000/s sends `count` all the same
      '-p',
      `${count / 5000}`,
      '-W',
      '2000000',
      ...extra,
      RIG_V4.master,
    ],
    { timeoutMs: 120_000 },
  );
  const sent = /sent packets: (\d+)/.exec(r.stdout)?.[1];
  const got = /received packets: (\d+)/.exec(r.stdout)?.[1];
  assert.ok(sent, `perfdhcp gave no report: ${r.stdout}${r.stderr}`);
  return `${sent} DISCOVERs sent, ${got} OFFERs received`;
}

async function settle(m: RunningMaster): Promise<void> {
  // a snapshot every second: wait for two so state.json is the state after the flood
  await new Promise((r) => setTimeout(r, 2500));
  await state(m);
}

void test(
  'recon master: a DISCOVER flood makes no nodes; a PXE flood stops at the bound; menu.ipxe for another MAC changes nothing',
  { skip, timeout: 300_000 },
  async () => {
    await withRig('df', async ({ rig, dir, defer }) => {
      const master = await startMaster({
        dir,
        netns: rig.masterNs,
        config: (d) =>
          rigConfig(d, {
            ipv6: { enabled: false },
            state: { snapshotEverySeconds: 1, maxNodes: MAX_NODES },
          }),
      });
      defer(() => master.cleanup());
      const m = master;
      const http = `http://${RIG_V4.master}`;

      // a real PXE client makes its node; it takes its address and reports itself powered off
      const node = await rig.addPeer(NODE_MAC);
      const lease = await rig.exec(node.ns, [
        'udhcpc',
        '-i',
        'eth0',
        '-f',
        '-n',
        '-q',
        '-t',
        '3',
        '-T',
        '2',
        '-s',
        '/bin/true',
        '-V',
        PXE_VENDOR_CLASS,
      ]);
      assert.equal(lease.code, 0, lease.stderr);
      const ip = (await state(m)).nodes[NODE_MAC]?.lease4?.ip;
      assert.ok(ip, 'the PXE client is a node with a lease');
      await rig.exec(node.ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      const off = await rig.exec(node.ns, [
        'curl',
        '-sf',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '--data',
        '{"stage":"powered-off"}',
        `${http}/api/v1/nodes/${NODE_MAC}/events`,
      ]);
      assert.equal(off.code, 0, off.stderr);
      assert.equal((await state(m)).nodes[NODE_MAC]?.stage, 'powered-off');

      // the hostile namespace
      const evil = await rig.addPeer();
      await rig.exec(evil.ns, ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
      const seqBefore = (await state(m)).seq;
      for (const mac of [NODE_MAC, '52:54:00:66:66:66']) {
        const menu = await rig.exec(evil.ns, [
          'curl',
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          `${http}/menu.ipxe?mac=${mac}`,
        ]);
        assert.equal(menu.stdout, '200', 'a generic menu');
      }
      // the node's own menu request moves it no more than anyone's: powered-off stays
      await rig.exec(node.ns, ['curl', '-s', '-o', '/dev/null', `${http}/menu.ipxe?mac=${NODE_MAC}`]);
      await new Promise((r) => setTimeout(r, 500));
      const afterMenu = await state(m);
      assert.deepEqual(Object.keys(afterMenu.nodes), [NODE_MAC], 'menu.ipxe made no node');
      assert.equal(afterMenu.nodes[NODE_MAC]?.stage, 'powered-off', 'menu.ipxe moved no stage');
      const menuTransfers = Object.values(afterMenu.transfers).filter((t) => t.file === 'menu.ipxe');
      assert.deepEqual(
        menuTransfers.map((t) => t.mac ?? null).sort(),
        [NODE_MAC, null, null].sort(),
        'only the request from the node’s own address is recorded against it',
      );
      console.log(
        `# menu.ipxe ×3: ${afterMenu.seq - seqBefore} events, no node, stage still ${afterMenu.nodes[NODE_MAC]?.stage}`,
      );

      await settle(m);
      const before = await figures(m);
      console.log(`# plain flood: ${await discoverFlood(rig, evil.ns, 20_000)}`);
      await settle(m);
      const afterPlain = await figures(m);
      show('20,000 DISCOVERs, random MACs', before, afterPlain);
      assert.equal(afterPlain.nodes, 1, 'no node for a client that does not boot over the network');
      assert.equal(afterPlain.hosts, 0, 'DISCOVERs alone take no lease');
      assert.ok(afterPlain.nodeDirs <= 1, 'no nodes/<mac>/ directories');
      assert.ok(afterPlain.eventsJsonl - before.eventsJsonl < 64 * 1024, 'the event log barely grows');
      assert.ok(afterPlain.stateJson - before.stateJson < 32 * 1024, 'state.json barely grows');

      console.log(
        `# PXE flood: ${await discoverFlood(rig, evil.ns, 20_000, ['-o', `60,${Buffer.from(PXE_VENDOR_CLASS).toString('hex')}`])}`,
      );
      await settle(m);
      const afterPxe = await figures(m);
      show(`20,000 PXE DISCOVERs, random MACs, maxNodes ${MAX_NODES}`, afterPlain, afterPxe);
      assert.equal(afterPxe.nodes, MAX_NODES, 'the registry stops at its bound');
      const s = await state(m);
      assert.equal(s.nodes[NODE_MAC]?.stage, 'powered-off', 'a node that booted is not the one dropped');
      assert.ok(afterPxe.nodeDirs <= 1, 'boot clients that never ran recon get no directory');
      assert.ok(afterPxe.stateJson < 2 * 1024 * 1024, 'state.json stays bounded');
      // new boot clients are recorded within a budget (a burst of 500, then 50/s): ~700 of 20,000 here
      assert.ok(
        afterPxe.eventsJsonl - afterPlain.eventsJsonl < 1024 * 1024,
        'the event log grows within the budget',
      );
    });
  },
);

// Acceptance: the rogue-DHCP guard inside `recon master`, with dnsmasq serving on the same segment.
// A real client (busybox udhcpc, as a PXE ROM) sends one DISCOVER while tcpdump in its namespace
// counts the OFFERs that reach it: next to dnsmasq recon stays silent and names dnsmasq (control
// socket, `recon status`); with --force-dhcp both answer and recon warns; a server that appears while
// recon serves is found by the re-probe and recon stops offering, and resumes once it is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { RIG_V4, withRig, type NetnsRig } from '../helpers/netns.js';
import { recon, startMaster, type RunningMaster } from '../helpers/master.js';
import { ROGUE_IP, ROGUE_MAC, rogueDhcp } from '../helpers/rogue-dhcp.js';
import { rigConfig } from '../net/dhcp6-rig.js';
import { ControlClient } from '../../src/master/control/client.js';
import type { ReconState } from '../../src/model/reducer.js';
import type { StatusSummary } from '../../src/cli/status-format.js';

const skip = needs({ root: true, tools: ['dnsmasq', 'ip', 'udhcpc', 'tcpdump'] });
const CLIENT_MAC = '52:54:00:c1:00:01';
const PXE_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';

async function masterIn(rig: NetnsRig, dir: string, args: string[] = []): Promise<RunningMaster> {
  await mkdir(dir, { recursive: true });
  return startMaster({
    dir,
    netns: rig.masterNs,
    args,
    config: (d) =>
      rigConfig(d, {
        ipv6: { enabled: false },
        guard: { enabled: true, probeTries: 3, probeSeconds: 1.5, reprobeSeconds: 5 },
      }),
  });
}

async function state(m: RunningMaster): Promise<ReconState> {
  const c = await ControlClient.connect(m.socket);
  try {
    return (await c.getState()).state;
  } finally {
    c.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The dhcp4 service state once the guard has spoken (the master reports it before its socket answers). */
const dhcp4 = (s: ReconState) => s.services.dhcp4;

/**
 * One DISCOVER from udhcpc (a PXE ROM's vendor class; one try, no retries) and the server ids of the
 * OFFERs that reached the client, as tcpdump in the client's namespace saw them.
 */
async function offersToOneDiscover(rig: NetnsRig, ns: string): Promise<string[]> {
  const dump = rig.spawn(ns, ['tcpdump', '-l', '-n', '-v', '-i', 'eth0', 'udp and dst port 68']);
  let out = '';
  dump.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tcpdump did not start')), 10_000);
    dump.stderr!.on('data', (c: Buffer) => {
      if (/listening on/.test(c.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await rig.exec(
    ns,
    [
      'udhcpc',
      '-i',
      'eth0',
      '-f',
      '-n',
      '-q',
      '-t',
      '1',
      '-T',
      '3',
      '-s',
      '/bin/true',
      '-V',
      PXE_VENDOR_CLASS,
    ],
    { timeoutMs: 15_000 },
  );
  // a second server's OFFER may come after the client took the first one
  await new Promise((r) => setTimeout(r, 1500));
  const exited = new Promise((r) => dump.once('exit', r));
  dump.kill('SIGINT');
  await exited;
  // tcpdump -v prints one header line per packet, then indented option lines
  const packets = out.split(/\n(?=\S)/);
  return packets
    .filter((p) => /DHCP-Message \(53\), length 1: Offer/.test(p))
    .map((p) => /Server-ID \(54\), length 4: ([\d.]+)/.exec(p)?.[1] ?? '?');
}

void test(
  'recon master next to dnsmasq: no OFFER from recon, the other server named; --force-dhcp serves and warns',
  { skip, timeout: 180_000 },
  async () => {
    await withRig('gm', async ({ rig, dir, defer }) => {
      let master: RunningMaster | undefined;
      defer(() => master?.cleanup());
      const rogue = await rogueDhcp(rig, dir);
      await rogue.start();
      const client = await rig.addPeer(CLIENT_MAC);

      master = await masterIn(rig, join(dir, 'm1'));
      const blocked = await until('dhcp4 blocked', async () => {
        const s = dhcp4(await state(master!));
        return s?.state === 'blocked' ? s : undefined;
      });
      assert.match(
        blocked.detail ?? '',
        new RegExp(`${ROGUE_IP} \\(${ROGUE_MAC}\\) offering 10\\.99\\.0\\.1[56]\\d`),
      );
      const s = await state(master);
      assert.deepEqual(
        s.rogue.map((r) => [r.serverId, r.serverMac]),
        [[ROGUE_IP, ROGUE_MAC]],
      );
      assert.match(s.rogue[0]!.offeredIp ?? '', /^10\.99\.0\.1[56]\d$/);

      const status = await recon(['status', '--socket', master.socket, '--json']);
      assert.equal(status.code, 0, status.stderr);
      const summary = JSON.parse(status.stdout) as StatusSummary;
      assert.equal(summary.services.dhcp4?.state, 'blocked');
      assert.deepEqual(
        summary.rogueDhcp.map((r) => [r.serverId, r.serverMac]),
        [[ROGUE_IP, ROGUE_MAC]],
      );
      const text = await recon(['status', '--socket', master.socket]);
      assert.match(
        text.stdout,
        new RegExp(`ALERT another DHCP server on the segment: ${ROGUE_IP} \\(${ROGUE_MAC}\\)`),
      );

      const offers = await offersToOneDiscover(rig, client.ns);
      console.log(`# blocked: OFFERs to one DISCOVER from ${offers.join(', ')}`);
      assert.deepEqual(offers, [ROGUE_IP], 'exactly one OFFER, and it is dnsmasq’s');
      assert.equal((await state(master)).nodes[CLIENT_MAC]?.lease4, undefined);
      await master.cleanup();

      // --force-dhcp: recon serves beside dnsmasq, says so in the service detail and the log
      master = await masterIn(rig, join(dir, 'm2'), ['--force-dhcp']);
      const forced = await until('dhcp4 up', async () => {
        const st = dhcp4(await state(master));
        return st?.state === 'up' ? st : undefined;
      });
      assert.match(forced.detail ?? '', new RegExp(`forced next to ${ROGUE_IP} \\(${ROGUE_MAC}\\)`));
      assert.equal((await state(master)).rogue[0]?.serverId, ROGUE_IP, 'the console still shows the alert');
      const log = await readFile(join(dir, 'm2', 'data', 'recon.log'), 'utf8');
      assert.match(log, /"level":40.*DHCPv4 forced next to another DHCP server/);
      const both = await offersToOneDiscover(rig, client.ns);
      console.log(`# forced: OFFERs to one DISCOVER from ${both.join(', ')}`);
      assert.deepEqual([...both].sort(), [RIG_V4.master, ROGUE_IP].sort());
    });
  },
);

void test(
  'recon master serving; dnsmasq appears: the re-probe finds it and recon stops offering; it goes: recon offers again',
  { skip, timeout: 180_000 },
  async () => {
    await withRig('gr', async ({ rig, dir, defer }) => {
      const rogue = await rogueDhcp(rig, dir);
      const client = await rig.addPeer(CLIENT_MAC);
      const master = await masterIn(rig, join(dir, 'm'));
      defer(() => master.cleanup());
      await until('dhcp4 up', async () =>
        (await state(master)).services.dhcp4?.state === 'up' ? true : undefined,
      );
      assert.deepEqual(await offersToOneDiscover(rig, client.ns), [RIG_V4.master]);

      const dnsmasq = await rogue.start();
      const t0 = Date.now();
      const blocked = await until('dhcp4 blocked by a re-probe', async () => {
        const s = dhcp4(await state(master));
        return s?.state === 'blocked' ? s : undefined;
      });
      console.log(`# re-probe blocked DHCPv4 ${Date.now() - t0} ms after dnsmasq started (reprobeSeconds 5)`);
      assert.match(blocked.detail ?? '', new RegExp(`${ROGUE_IP} \\(${ROGUE_MAC}\\)`));
      assert.equal((await state(master)).rogue[0]?.serverId, ROGUE_IP);
      const offers = await offersToOneDiscover(rig, client.ns);
      console.log(`# after the re-probe: OFFERs from ${offers.join(', ')}`);
      assert.deepEqual(offers, [ROGUE_IP]);

      const gone = new Promise((r) => dnsmasq.once('exit', r));
      dnsmasq.kill('SIGTERM');
      await gone;
      await until('dhcp4 up again', async () =>
        (await state(master)).services.dhcp4?.state === 'up' ? true : undefined,
      );
      assert.deepEqual((await state(master)).rogue, []);
      assert.deepEqual(await offersToOneDiscover(rig, client.ns), [RIG_V4.master]);
    });
  },
);

// The rogue-DHCP guard alone against a real dnsmasq on the same bridge (a unit test; the acceptance
// test with `recon master` is test/master/guard-master.test.ts): its verdict blocks DHCPv4 and
// names the server (id, MAC, offered address); with --proxy-dhcp it lets DHCP start; with no other
// server it starts; a server appearing later is detected by the re-probe, and cleared when it goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { withRig, type NetnsRig } from '../helpers/netns.js';
import { ROGUE_MAC, rogueDhcp } from '../helpers/rogue-dhcp.js';
import { startServiceIn, type ServiceProc } from '../helpers/service-proc.js';
import { rigConfig } from './dhcp6-rig.js';
import type { ReconEvent } from '../../src/model/events.js';

const skip = needs({ root: true, tools: ['dnsmasq', 'ip'] });

const guardConfig = (dir: string) =>
  rigConfig(dir, { guard: { enabled: true, probeTries: 3, probeSeconds: 1.5, reprobeSeconds: 5 } });

function startGuardIn(rig: NetnsRig, dir: string, flags: string[] = []): Promise<ServiceProc> {
  return startServiceIn(rig, rig.masterNs, {
    module: 'src/net/guard/guard.ts',
    exportName: 'startGuard',
    config: guardConfig(dir),
    dir,
    flags,
  });
}

const isRogue = (ev: ReconEvent) => ev.type === 'rogue.detected';
const guardUp = (ev: ReconEvent) =>
  ev.type === 'service' && ev.data.service === 'guard' && ev.data.state === 'up';

void test(
  'guard: dnsmasq on the segment → DHCPv4 blocked, server named; --proxy-dhcp lets it start',
  { skip, timeout: 90_000 },
  async () => {
    await withRig('gd', async ({ rig, dir, defer }) => {
      let guard: ServiceProc | undefined;
      defer(() => guard?.stop());
      const rogue = await rogueDhcp(rig, dir);
      await rogue.start();
      const t0 = Date.now();
      guard = await startGuardIn(rig, dir);
      console.log(`# first probe took ${Date.now() - t0} ms (probeSeconds 1.5)`);
      const ev = await guard.waitFor(isRogue, 'rogue.detected');
      assert.ok(ev.type === 'rogue.detected');
      assert.equal(ev.data.serverId, '10.99.0.2');
      assert.equal(ev.data.serverMac, ROGUE_MAC);
      assert.match(ev.data.offeredIp ?? '', /^10\.99\.0\.1(5\d|60)$/);
      const b = await guard.waitFor(guardUp, 'guard verdict');
      assert.ok(b.type === 'service');
      assert.match(
        b.data.detail ?? '',
        /^another DHCP server answers on this segment: 10\.99\.0\.2 \(52:54:00:aa:bb:cc\) offering 10\.99\.0\.1\d\d/,
      );
      assert.equal(guard.events.filter(isRogue).length, 1, 'one event per server, not per OFFER');
      await guard.stop();

      // the same segment with --proxy-dhcp: the server is still recorded, DHCP is not blocked
      await rm(join(dir, 'data'), { recursive: true, force: true });
      guard = await startGuardIn(rig, dir, ['--proxy-dhcp']);
      await guard.waitFor(isRogue, 'rogue.detected');
      const up = await guard.waitFor(guardUp, 'guard up');
      assert.ok(up.type === 'service');
      assert.match(up.data.detail ?? '', /^proxyDHCP next to 10\.99\.0\.2/);
    });
  },
);

void test(
  'guard: no other server → DHCP may start; one appearing later is detected, then cleared',
  { skip, timeout: 90_000 },
  async () => {
    await withRig('gq', async ({ rig, dir, defer }) => {
      const rogue = await rogueDhcp(rig, dir);
      const guard = await startGuardIn(rig, dir);
      defer(() => guard.stop());
      const up = await guard.waitFor(guardUp, 'guard up');
      assert.ok(up.type === 'service');
      assert.equal(up.data.detail, 'no other DHCP server answered');
      assert.ok(!guard.events.some(isRogue));

      const dnsmasq = await rogue.start();
      const ev = await guard.waitFor(isRogue, 'rogue.detected by a re-probe', 20_000);
      assert.ok(ev.type === 'rogue.detected' && ev.data.serverId === '10.99.0.2');
      dnsmasq.kill('SIGTERM');
      await guard.waitFor(
        (e) => e.type === 'rogue.cleared' && e.data.serverId === '10.99.0.2',
        'rogue.cleared',
        20_000,
      );
    });
  },
);

// DHCPv6 against the real dhclient -6 in a network namespace: address from the ULA range and the
// option 59 boot URL, the lease recorded durably and restored after a server restart, release,
// iPXE gets the menu URL, rapid commit, and a second segment in the master namespace never answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../helpers/needs.js';
import { withRig } from '../helpers/netns.js';
import { startServiceIn, type ServiceProc } from '../helpers/service-proc.js';
import { dhclient6, rigConfig, waitLinkLocal } from './dhcp6-rig.js';
import type { ReconEvent } from '../../src/model/events.js';

const MAC = '52:54:00:12:34:56';
const skip = needs({ root: true, tools: ['dhclient', 'ip'] });

function inRange(ip: string | undefined): boolean {
  const m = /^fd99::([0-9a-f]+)$/.exec(ip ?? '');
  return !!m && parseInt(m[1]!, 16) >= 0x1000 && parseInt(m[1]!, 16) <= 0x1fff;
}

const granted = (ip?: string) => (ev: ReconEvent) =>
  ev.type === 'lease.granted' &&
  ev.data.family === 6 &&
  ev.data.mac === MAC &&
  (ip === undefined || ev.data.ip === ip);

void test(
  'dhclient -6: lease + boot URL, durable, same address after a restart, release',
  { skip, timeout: 120_000 },
  async () => {
    await withRig('d6', async ({ rig, dir, defer }) => {
      let server: ServiceProc | undefined;
      defer(() => server?.stop());
      const peer = await rig.addPeer(MAC);
      const config = rigConfig(dir);
      const start = () =>
        startServiceIn(rig, rig.masterNs, {
          module: 'src/net/dhcp6/service.ts',
          exportName: 'startDhcp6',
          config,
          dir,
        });
      server = await start();
      await waitLinkLocal(rig, peer.ns, 'eth0');
      const client = await dhclient6(rig, peer.ns, dir, 'uefi', { arch: 7 });

      const t0 = Date.now();
      const r = await client.run(['-1']);
      assert.equal(r.code, 0, r.stderr);
      const bound = await client.last('BOUND6');
      assert.ok(bound, 'the hook saw BOUND6');
      const ip = bound.new_ip6_address!;
      assert.ok(inRange(ip), `address ${ip} is inside fd99::1000-fd99::1fff`);
      assert.equal(bound.new_dhcp6_bootfile_url, 'tftp://[fd99::1]/ipxe.efi');
      assert.equal(bound.new_dhcp6_name_servers, 'fd99::1');
      const lease = await server.waitFor(granted(ip), 'lease.granted');
      assert.ok(
        lease.type === 'lease.granted' &&
          lease.data.duid?.startsWith('00010001') &&
          lease.data.iaid !== undefined,
      );
      assert.ok(
        server.events.some(
          (e) =>
            e.type === 'dhcp.discover' &&
            e.data.family === 6 &&
            e.data.firmware === 'uefi' &&
            e.data.arch === 7,
        ),
      );
      console.log(`# dhclient -6 bound ${ip} in ${Date.now() - t0} ms`);

      // Restart: the binding comes back from the store, and a fresh client (no lease file hint) gets the same address.
      await server.stop();
      server = await start();
      const up = await server.waitFor(
        (e) => e.type === 'service' && e.data.service === 'dhcp6' && e.data.state === 'up',
        'up',
      );
      assert.ok(
        up.type === 'service' && /1 leases restored/.test(up.data.detail ?? ''),
        JSON.stringify(up.data),
      );
      await client.run(['-x']);
      const fresh = await dhclient6(rig, peer.ns, dir, 'fresh', { arch: 7 });
      assert.equal((await fresh.run(['-1'])).code, 0);
      assert.equal((await fresh.last('BOUND6'))?.new_ip6_address, ip, 'same address after the restart');

      // Release: the lease is recorded as released.
      const rel = await fresh.run(['-r']);
      assert.equal(rel.code, 0, rel.stderr);
      await server.waitFor(
        (e) => e.type === 'lease.released' && e.data.family === 6 && e.data.ip === ip,
        'lease.released',
      );
    });
  },
);

void test(
  'dhclient -6 as iPXE with rapid commit: menu URL in one round trip',
  { skip, timeout: 60_000 },
  async () => {
    await withRig('d6i', async ({ rig, dir, defer }) => {
      const peer = await rig.addPeer(MAC);
      const server = await startServiceIn(rig, rig.masterNs, {
        module: 'src/net/dhcp6/service.ts',
        exportName: 'startDhcp6',
        config: rigConfig(dir, { ports: { http: 8080 } }),
        dir,
      });
      defer(() => server.stop());
      await waitLinkLocal(rig, peer.ns, 'eth0');
      const client = await dhclient6(rig, peer.ns, dir, 'ipxe', { userClass: 'iPXE', rapidCommit: true });
      assert.equal((await client.run(['-1'])).code, 0);
      const bound = await client.last('BOUND6');
      assert.equal(bound?.new_dhcp6_bootfile_url, 'http://[fd99::1]:8080/menu.ipxe');
      assert.ok(inRange(bound?.new_ip6_address));
      await server.waitFor(granted(bound?.new_ip6_address), 'lease.granted');
      // rapid commit: a lease without any offer before it
      assert.ok(!server.events.some((e) => e.type === 'dhcp.offer'), 'no ADVERTISE step');
      assert.ok(server.events.some((e) => e.type === 'dhcp.discover' && e.data.firmware === 'ipxe'));
      await client.run(['-r']);
    });
  },
);

void test(
  'a client on another interface of the master namespace gets no answer',
  { skip, timeout: 60_000 },
  async () => {
    await withRig('d6x', async ({ rig, dir, defer }) => {
      await rig.addPeer(MAC);
      // a second segment: veth x0 in the master namespace, its other end eth0 in an unbridged namespace
      const other = await rig.addNamespace('o');
      const ipc = async (...a: string[]) =>
        assert.equal((await rig.exec(rig.masterNs, ['ip', ...a])).code, 0);
      await ipc('link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', other);
      await ipc('addr', 'add', 'fd98::1/64', 'dev', 'x0', 'nodad');
      await ipc('link', 'set', 'x0', 'up');
      assert.equal((await rig.exec(other, ['ip', 'link', 'set', 'eth0', 'up'])).code, 0);
      const server = await startServiceIn(rig, rig.masterNs, {
        module: 'src/net/dhcp6/service.ts',
        exportName: 'startDhcp6',
        config: rigConfig(dir),
        dir,
      });
      defer(() => server.stop());
      await waitLinkLocal(rig, other, 'eth0');
      const client = await dhclient6(rig, other, dir, 'other', { arch: 7 });
      // dhclient -1 retries SOLICIT until killed; 8 s is several retransmissions (1 s, 2 s, 4 s)
      await client.run(['-1'], 8_000);
      assert.equal(await client.last('BOUND6'), undefined, 'no lease on the second segment');
      assert.ok(!server.events.some((e) => e.type === 'dhcp.discover'), 'the server never saw the SOLICITs');
      assert.ok(server.alive());
    });
  },
);

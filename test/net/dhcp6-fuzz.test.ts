// Fuzz: 100 000 random and mutated DHCPv6 packets at the running server (in its namespace, over the
// bridge); it must still be alive afterwards and dhclient -6 must still get an address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { needs } from '../helpers/needs.js';
import { withRig } from '../helpers/netns.js';
import { startServiceIn } from '../helpers/service-proc.js';
import { dhclient6, rigConfig, waitLinkLocal } from './dhcp6-rig.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COUNT = 100_000;
const skip = needs({ root: true, tools: ['dhclient', 'ip'] });

void test(
  `fuzz: ${COUNT} random/mutated packets, the server survives and still leases`,
  { skip, timeout: 300_000 },
  async () => {
    await withRig('d6f', async ({ rig, dir, defer }) => {
      const fuzzer = await rig.addPeer('52:54:00:66:66:01');
      const peer = await rig.addPeer('52:54:00:12:34:57');
      // a large range so fuzzed rapid-commit SOLICITs cannot use up the pool the real client needs afterwards
      const config = rigConfig(dir, { ipv6: { address: 'fd99::1', range: ['::1:0', '::ffff:ffff'] } });
      const server = await startServiceIn(rig, rig.masterNs, {
        module: 'src/net/dhcp6/service.ts',
        exportName: 'startDhcp6',
        config,
        dir,
      });
      defer(() => server.stop());
      await waitLinkLocal(rig, fuzzer.ns, 'eth0');
      const t0 = Date.now();
      const r = await rig.exec(
        fuzzer.ns,
        [
          process.execPath,
          '--import',
          'tsx',
          join(ROOT, 'test/net/dhcp6-fuzz-sender.ts'),
          join(ROOT, 'test/fixtures/dhcp6/dhclient-dnsmasq.json'),
          'eth0',
          String(COUNT),
          '7',
        ],
        { timeoutMs: 240_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const { sent } = JSON.parse(r.stdout) as { sent: number; failed: number };
      assert.ok(sent >= COUNT * 0.99, `sent ${sent} of ${COUNT}`);
      const answered = server.events.filter((e) => e.type === 'dhcp.discover').length;
      console.log(
        `# fuzz: ${sent} packets in ${Date.now() - t0} ms; ${answered} reached the handler as SOLICITs so far`,
      );
      assert.ok(
        answered > 100,
        'mutated SOLICITs got past the decoder (the fuzz exercises the server, not only the codec)',
      );
      assert.ok(server.alive(), `server died: ${server.stderr()}`);

      await waitLinkLocal(rig, peer.ns, 'eth0');
      const client = await dhclient6(rig, peer.ns, dir, 'after', { arch: 7 });
      const got = await client.run(['-1'], 60_000);
      assert.equal(got.code, 0, got.stderr);
      const bound = await client.last('BOUND6');
      assert.match(bound?.new_ip6_address ?? '', /^fd99::/);
      assert.equal(bound?.new_dhcp6_bootfile_url, 'tftp://[fd99::1]/ipxe.efi');
      assert.ok(server.alive());
      assert.doesNotMatch(server.stderr(), /"level":(50|60)/, 'no error or fatal log lines');
      await client.run(['-x']);
    });
  },
);

// Relayed DHCPv6: perfdhcp acting as a relay agent (RELAY-FORW around each client message). The
// codec round-trips its packets; the running server answers every exchange with RELAY-REPL to the
// relay, and records the relay's link address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { decodeDhcp6, encodeDhcp6, isRelay, MessageType } from '../../src/net/dhcp6/codec.js';
import { unwrapRelays } from '../../src/net/dhcp6/client-info.js';
import { findOption } from '../../src/net/dhcp6/options.js';
import { needs } from '../helpers/needs.js';
import { withRig } from '../helpers/netns.js';
import { startServiceIn } from '../helpers/service-proc.js';
import { rigConfig, waitLinkLocal } from './dhcp6-rig.js';

const fx = JSON.parse(
  await readFile(new URL('../fixtures/dhcp6/perfdhcp-relay.json', import.meta.url), 'utf8'),
) as {
  relayForw: string;
  relayRepl: string;
};

void test('perfdhcp RELAY-FORW and the RELAY-REPL answering it round-trip; the inner messages unwrap', () => {
  for (const hex of [fx.relayForw, fx.relayRepl]) {
    const buf = Buffer.from(hex, 'hex');
    assert.deepEqual(encodeDhcp6(decodeDhcp6(buf)), buf);
  }
  const forw = decodeDhcp6(Buffer.from(fx.relayForw, 'hex'));
  assert.ok(isRelay(forw) && forw.type === MessageType.RELAY_FORW);
  assert.equal(forw.linkAddress, 'fd99::2');
  const u = unwrapRelays(forw)!;
  assert.equal(u.message.type, MessageType.SOLICIT);
  const repl = decodeDhcp6(Buffer.from(fx.relayRepl, 'hex'));
  assert.ok(isRelay(repl) && repl.type === MessageType.RELAY_REPL);
  assert.deepEqual(
    [repl.linkAddress, repl.peerAddress, repl.hopCount],
    [forw.linkAddress, forw.peerAddress, forw.hopCount],
  );
  const inner = findOption(repl.options, 'relayMessage')!.message;
  assert.equal(inner.type, MessageType.ADVERTISE);
  assert.ok(!isRelay(inner) && !isRelay(u.message) && inner.transactionId === u.message.transactionId);
  assert.equal(unwrapRelays(repl), undefined, 'a RELAY-REPL is never taken as a request');
});

const skip = needs({ root: true, tools: ['perfdhcp', 'ip'] });

void test(
  'perfdhcp -6 as a relay: every SOLICIT and REQUEST answered through RELAY-REPL',
  { skip, timeout: 60_000 },
  async () => {
    await withRig('d6r', async ({ rig, dir, defer }) => {
      const relay = await rig.addPeer('52:54:00:aa:bb:01');
      assert.equal(
        (await rig.exec(relay.ns, ['ip', 'addr', 'add', 'fd99::2/64', 'dev', 'eth0', 'nodad'])).code,
        0,
      );
      const server = await startServiceIn(rig, rig.masterNs, {
        module: 'src/net/dhcp6/service.ts',
        exportName: 'startDhcp6',
        config: rigConfig(dir),
        dir,
      });
      defer(() => server.stop());
      await waitLinkLocal(rig, relay.ns, 'eth0');
      // 20 exchanges/s for 3 s, 50 simulated clients; exit code 0 means no drops. The clients say they
      // are UEFI x64 network boot clients (option 61, arch 7): only boot clients' SOLICITs are recorded.
      const r = await rig.exec(
        relay.ns,
        ['perfdhcp', '-6', '-l', 'eth0', '-A', '1', '-r', '20', '-p', '3', '-R', '50', '-o', '61,0007'],
        {
          timeoutMs: 30_000,
        },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const received = [...r.stdout.matchAll(/received packets: (\d+)/g)].map((m) => Number(m[1]));
      assert.equal(received.length, 2);
      assert.ok(
        received.every((n) => n >= 40),
        `answers per exchange type: ${received.join(', ')}`,
      );
      const discover = server.events.find((e) => e.type === 'dhcp.discover');
      assert.ok(discover?.type === 'dhcp.discover' && discover.data.relay === 'fd99::2');
      assert.ok(server.events.filter((e) => e.type === 'lease.granted').length >= 40);
    });
  },
);

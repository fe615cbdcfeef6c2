// Router advertisements: the codec against an RA captured from radvd, and the service in a namespace
// rig seen by a real client (rdisc6 from ndisc6) and by the peer kernel (on-link route, no SLAAC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  decodeRouterAdvertisement,
  encodeRouterAdvertisement,
  RaDecodeError,
} from '../../src/net/ra/codec.js';
import {
  nextUnsolicited,
  RA_TIMING,
  recordUnicastAnswer,
  solicitedAt,
  unicastAnswerAt,
} from '../../src/net/ra/schedule.js';
import { routerAdvertisement } from '../../src/net/ra/service.js';
import { needs } from '../helpers/needs.js';
import { withRig } from '../helpers/netns.js';
import { startServiceIn } from '../helpers/service-proc.js';
import { rigConfig, waitLinkLocal } from './dhcp6-rig.js';

const fixture = JSON.parse(
  await readFile(new URL('../fixtures/ra/radvd-managed.json', import.meta.url), 'utf8'),
) as {
  hex: string;
};

void test('decodes the RA radvd sends for a managed, non-autonomous /64', () => {
  const ra = decodeRouterAdvertisement(Buffer.from(fixture.hex, 'hex'));
  assert.deepEqual(ra, {
    curHopLimit: 64,
    managed: true,
    other: true,
    routerLifetimeSeconds: 0,
    reachableMs: 0,
    retransMs: 0,
    sourceMac: '02:00:00:00:00:01',
    prefixes: [
      {
        prefix: 'fd99::',
        length: 64,
        onLink: true,
        autonomous: false,
        validSeconds: 3600,
        preferredSeconds: 1800,
      },
    ],
    dns: { lifetimeSeconds: 90, servers: ['fd99::1'] },
  });
});

void test("recon's RA says what radvd's says (same fields, re-encodes to itself)", () => {
  const mine = routerAdvertisement('fd99::1', '02:00:00:00:00:01');
  const wire = encodeRouterAdvertisement(mine);
  const back = decodeRouterAdvertisement(wire);
  const radvd = decodeRouterAdvertisement(Buffer.from(fixture.hex, 'hex'));
  assert.deepEqual(back, radvd);
  assert.deepEqual(encodeRouterAdvertisement(back).subarray(0, 16), wire.subarray(0, 16));
  assert.equal(wire.length, fixture.hex.length / 2, 'same size as radvd (same options)');
});

const badRa: [string, string][] = [
  ['too short', '8600000040c0'],
  ['not an RA', '85000000' + '00'.repeat(12)],
  ['option of length 0', '8600000040c00000' + '00'.repeat(8) + '0300'],
  ['option past the end', '8600000040c00000' + '00'.repeat(8) + '0304' + '00'.repeat(10)],
  ['prefix option of 16 bytes', '8600000040c00000' + '00'.repeat(8) + '0302' + '00'.repeat(14)],
  ['RDNSS without servers', '8600000040c00000' + '00'.repeat(8) + '1901' + '00'.repeat(6)],
];
for (const [name, hex] of badRa) {
  void test(`malformed RA: ${name} → RaDecodeError`, () => {
    assert.throws(() => decodeRouterAdvertisement(Buffer.from(hex, 'hex')), RaDecodeError);
  });
}

void test('schedule: initial burst, then random 10-30 s; unicast answers spaced per host; multicast ≥ 3 s apart', () => {
  const t = RA_TIMING;
  assert.equal(
    nextUnsolicited(1000, 1, t, () => 0.99),
    1000 + t.initialIntervalMs,
  );
  assert.equal(
    nextUnsolicited(1000, 3, t, () => 0),
    1000 + t.minIntervalMs,
  );
  assert.equal(
    nextUnsolicited(1000, 9, t, () => 1),
    1000 + t.maxIntervalMs,
  );
  assert.equal(solicitedAt(5000, undefined, t), 5000);
  assert.equal(solicitedAt(5000, 1000, t), 5000);
  assert.equal(solicitedAt(5000, 4000, t), 7000);
  const seen = new Map<string, number>();
  assert.equal(unicastAnswerAt('fe80::1', 1000, seen, t), 1000, 'a new host: at once');
  recordUnicastAnswer('fe80::1', 1000, seen, t);
  assert.equal(unicastAnswerAt('fe80::1', 1010, seen, t), 1000 + t.perHostGapMs, 'again soon: after the gap');
  assert.equal(unicastAnswerAt('fe80::2', 1001, seen, t), 1001, 'other hosts are not held up');
  assert.equal(unicastAnswerAt('fe80::1', 1000 + t.perHostGapMs + 5, seen, t), 1000 + t.perHostGapMs + 5);
  assert.equal(unicastAnswerAt('::', 5000, seen, t), undefined, 'unspecified source: multicast answer');
});

const skip = needs({ root: true, tools: ['rdisc6', 'ip'] });

void test(
  'rdisc6 in a peer sees M, O, the /64 (A off) and the DNS server; the peer kernel takes no SLAAC address',
  { skip, timeout: 60_000 },
  async () => {
    await withRig('ra', async ({ rig, dir, defer }) => {
      const peer = await rig.addPeer('52:54:00:12:34:70');
      const server = await startServiceIn(rig, rig.masterNs, {
        module: 'src/net/ra/service.ts',
        exportName: 'startRouterAdvertisements',
        config: rigConfig(dir),
        dir,
      });
      defer(() => server.stop());
      const up = await server.waitFor(
        (e) => e.type === 'service' && e.data.service === 'ra',
        'ra service event',
        15_000,
      );
      assert.ok(up.type === 'service' && up.data.state === 'up', JSON.stringify(up.data));
      assert.match(up.data.detail ?? '', /M=1 O=1 prefix fd99::\/64 A=0/);
      await waitLinkLocal(rig, peer.ns, 'eth0');
      // a first solicitation from the same host just before (as the peer's kernel sends one when the link
      // comes up): the next one, within the per-host gap, must still get its answer at once, not 3 s later
      const first = await rig.exec(peer.ns, ['rdisc6', '-1', '-n', '-q', '-w', '2000', '-r', '1', 'eth0'], {
        timeoutMs: 15_000,
      });
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const t0 = Date.now();
      const r = await rig.exec(peer.ns, ['rdisc6', '-1', '-n', '-w', '2000', '-r', '3', 'eth0'], {
        timeoutMs: 15_000,
      });
      const ms = Date.now() - t0;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const out = r.stdout.replace(/ +/g, ' ');
      assert.match(out, /Stateful address conf\. : Yes/);
      assert.match(out, /Stateful other conf\. : Yes/);
      assert.match(out, /Router lifetime : 0 /);
      assert.match(out, /Prefix : fd99::\/64/);
      assert.match(out, /On-link : Yes/);
      assert.match(out, /Autonomous address conf\.: No/);
      assert.match(out, /Recursive DNS server : fd99::1/);
      assert.match(out, /from fe80::/);
      console.log(`# rdisc6 answered in ${ms} ms`);
      assert.ok(ms < 1000, `a solicitation is answered at once, by unicast (${ms} ms)`);

      // the peer kernel (accept_ra=1) installs the on-link prefix route (with the RA's lifetime) and forms no address from it
      const route = await rig.exec(peer.ns, ['ip', '-6', 'route', 'show', 'fd99::/64']);
      assert.match(route.stdout, /fd99::\/64 dev eth0 .*expires/);
      const addrs = await rig.exec(peer.ns, ['ip', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
      assert.doesNotMatch(addrs.stdout, /fd99:/);
      assert.ok(server.alive());
    });
  },
);

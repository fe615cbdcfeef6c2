// Which BMC the master may drive for a peer: table tests of the pure decision (bmc-target.ts) and of the
// address blocks it reads (cidr.ts). A peer only names a BMC; the master drives it only when the address
// is tied to the peer by recon's own lease to the reported BMC MAC or by a configured BMC network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bmcFacts,
  decideBmcTarget,
  decidePowerOnTarget,
  type BmcFacts,
  type ReportedBmc,
} from '../../src/master/power/bmc-target.js';
import {
  canonicalAddress,
  cidrContains,
  cidrWithin,
  ipv4Ends,
  networkOf,
  parseCidr,
  specialKind,
  type Cidr,
} from '../../src/shared/cidr.js';
import { parseConfig } from '../../src/model/config/load.js';
import { reduceAll } from '../../src/model/reducer.js';
import type { ReconEvent } from '../../src/model/events.js';

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  if ('error' in c) throw new Error(c.error);
  return c;
};

void test('address blocks: parse, contain, nest, ends, special kinds', () => {
  assert.deepEqual(parseCidr('10.0.0.1/24'), {
    error: '10.0.0.1/24: host bits are set (did you mean 10.0.0.0/24?)',
  });
  assert.deepEqual(parseCidr('10.0.0.0'), {
    error: '10.0.0.0 is not an address block like 10.0.0.0/24 or fd00::/64',
  });
  assert.deepEqual(parseCidr('10.0.0.0/33'), { error: '10.0.0.0/33: the prefix is longer than 32' });
  assert.deepEqual(parseCidr('bmc.example/24'), {
    error: 'bmc.example/24 is not an address block like 10.0.0.0/24 or fd00::/64',
  });
  const rows: [string, string, boolean][] = [
    ['10.0.0.0/24', '10.0.0.7', true],
    ['10.0.0.0/24', '10.0.1.7', false],
    ['10.0.0.0/24', '::ffff:10.0.0.7', true],
    ['10.0.0.0/24', 'fd00::7', false],
    ['fd00:1::/64', 'fd00:1::7', true],
    ['fd00:1::/64', 'fd00:2::7', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', 'fd00::1', false],
    ['10.0.0.5/32', '10.0.0.5', true],
    ['10.0.0.0/24', 'not-an-ip', false],
  ];
  for (const [block, ip, want] of rows) assert.equal(cidrContains(cidr(block), ip), want, `${block} ∋ ${ip}`);
  assert.equal(cidrWithin(cidr('127.0.0.2/32'), cidr('127.0.0.0/8')), true);
  assert.equal(cidrWithin(cidr('0.0.0.0/0'), cidr('127.0.0.0/8')), false);
  assert.deepEqual(ipv4Ends(cidr('10.0.0.0/24')), ['10.0.0.0', '10.0.0.255']);
  assert.equal(ipv4Ends(cidr('10.0.0.4/31')), undefined);
  assert.equal(networkOf('192.168.219.1', 24).text, '192.168.219.0/24');
  assert.equal(canonicalAddress('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalAddress('FD00:0:0::0001'), 'fd00::1');
  assert.equal(canonicalAddress('10.0.0.1; rm -rf /'), undefined);
  const kinds: [string, string | undefined][] = [
    ['127.0.0.2', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', undefined],
  ];
  for (const [ip, kind] of kinds) assert.equal(specialKind(ip)?.kind, kind, ip);
});

const PEER = '52:54:00:00:00:01';
const OTHER = '52:54:00:00:00:02';
const BMC_MAC = '0c:c4:7a:00:00:01';
const MASTER_BMC_MAC = '0c:c4:7a:00:00:ff';

const FACTS: BmcFacts = {
  leases: [
    { mac: BMC_MAC, ip: '192.168.219.60' },
    { mac: OTHER, ip: '192.168.219.61' },
    { mac: '0c:c4:7a:00:00:02', ip: '192.168.219.62' },
  ],
  bmcClaims: [
    { node: PEER, bmcMac: BMC_MAC },
    { node: OTHER, bmcMac: '0c:c4:7a:00:00:02' },
  ],
  networks: [cidr('10.20.0.0/24'), cidr('fd10::/64'), cidr('127.0.0.2/32')],
  configured: ['198.51.100.7', '127.0.0.3'],
  masterSubnets: [cidr('192.168.219.0/24')],
  masterAddresses: ['192.168.219.1', 'fd52:ec0e:d1a8::1', '127.0.0.1', '::1'],
  masterBmc: { addresses: ['10.20.0.250'], macs: [MASTER_BMC_MAC] },
};

void test('decideBmcTarget: what ties a BMC to its peer and what is refused, by name', () => {
  const ok = (tie: string, address: string) => ({ kind: 'target', address, tie });
  const refused = (address: string, why: string) => ({
    kind: 'refused',
    reason: `BMC ${address} not tied to ${PEER}: ${why}`,
  });
  const rows: [string, ReportedBmc | undefined, unknown, BmcFacts?][] = [
    ['no BMC reported', undefined, { kind: 'none' }],
    ['an empty BMC', { mac: BMC_MAC }, { kind: 'none' }],
    [
      'the lease recon gave the reported BMC MAC',
      { ipv4: '192.168.219.60', mac: BMC_MAC },
      ok(`leased by recon to the reported BMC MAC ${BMC_MAC}`, '192.168.219.60'),
    ],
    [
      'the same, MAC in capitals and dashes',
      { ipv4: '192.168.219.60', mac: '0C-C4-7A-00-00-01' },
      ok(`leased by recon to the reported BMC MAC ${BMC_MAC}`, '192.168.219.60'),
    ],
    [
      'inside power.bmcNetworks',
      { ipv4: '10.20.0.9' },
      ok('inside power.bmcNetworks 10.20.0.0/24', '10.20.0.9'),
    ],
    [
      'IPv6 inside power.bmcNetworks',
      { ipv6: 'fd10::9' },
      ok('inside power.bmcNetworks fd10::/64', 'fd10::9'),
    ],
    [
      'IPv4 refused, IPv6 tied: the IPv6 one is used',
      { ipv4: '203.0.113.5', ipv6: 'fd10::9' },
      ok('inside power.bmcNetworks fd10::/64', 'fd10::9'),
    ],
    [
      'a loopback address inside a loopback block of power.bmcNetworks',
      { ipv4: '127.0.0.2' },
      ok('inside power.bmcNetworks 127.0.0.2/32', '127.0.0.2'),
    ],
    [
      'another host, outside every tie',
      { ipv4: '203.0.113.5', mac: BMC_MAC },
      refused(
        '203.0.113.5',
        'not leased by recon to the reported BMC MAC, not in the config (bmcs) and outside power.bmcNetworks',
      ),
    ],
    [
      'named in the config (bmcs)',
      { ipv4: '198.51.100.7' },
      ok('named in the config (bmcs)', '198.51.100.7'),
    ],
    [
      'a loopback address the config names',
      { ipv4: '127.0.0.3' },
      ok('named in the config (bmcs)', '127.0.0.3'),
    ],
    [
      "the master's own BMC, even when the config names it",
      { ipv4: '10.20.0.250' },
      refused('10.20.0.250', "it is the master's own BMC"),
      { ...FACTS, configured: ['10.20.0.250'] },
    ],
    [
      'the master itself',
      { ipv4: '192.168.219.1' },
      refused('192.168.219.1', 'it is an address of the master itself'),
    ],
    [
      'the master itself, IPv4-mapped',
      { ipv6: '::ffff:192.168.219.1' },
      refused('::ffff:192.168.219.1', 'it is an address of the master itself'),
    ],
    [
      "the master's IPv6 address",
      { ipv6: 'fd52:ec0e:d1a8:0::1' },
      refused('fd52:ec0e:d1a8:0::1', 'it is an address of the master itself'),
    ],
    [
      "the master's own BMC, even inside power.bmcNetworks",
      { ipv4: '10.20.0.250' },
      refused('10.20.0.250', "it is the master's own BMC"),
    ],
    [
      "the master's own BMC MAC, even with a lease",
      { ipv4: '192.168.219.60', mac: MASTER_BMC_MAC },
      refused('192.168.219.60', `the reported BMC MAC ${MASTER_BMC_MAC} is the master's own BMC`),
    ],
    [
      'another BMC leased by recon, claimed with a made-up MAC',
      { ipv4: '192.168.219.62', mac: BMC_MAC },
      refused(
        '192.168.219.62',
        `recon leased it to 0c:c4:7a:00:00:02, not to the reported BMC MAC ${BMC_MAC}`,
      ),
    ],
    [
      "another peer's own address, no BMC MAC",
      { ipv4: '192.168.219.61' },
      refused('192.168.219.61', `recon leased it to ${OTHER} and the inventory names no BMC MAC`),
    ],
    [
      "another node's BMC MAC and lease: both claim it, so neither is tied",
      { ipv4: '192.168.219.62', mac: '0c:c4:7a:00:00:02' },
      refused('192.168.219.62', `the BMC MAC 0c:c4:7a:00:00:02 is also reported by ${OTHER}`),
    ],
    [
      'a lease alone without the reported MAC ties nothing',
      { ipv4: '192.168.219.60' },
      refused('192.168.219.60', `recon leased it to ${BMC_MAC} and the inventory names no BMC MAC`),
    ],
    [
      'loopback outside a loopback block',
      { ipv4: '127.0.0.1' },
      refused('127.0.0.1', 'it is an address of the master itself'),
    ],
    [
      'loopback not listed',
      { ipv4: '127.0.0.9' },
      refused('127.0.0.9', 'it is a loopback address and no loopback block in power.bmcNetworks holds it'),
    ],
    [
      'link-local',
      { ipv6: 'fe80::1' },
      refused('fe80::1', 'it is a link-local address and no link-local block in power.bmcNetworks holds it'),
    ],
    ['multicast', { ipv4: '224.0.0.1' }, refused('224.0.0.1', 'it is a multicast address')],
    ['broadcast', { ipv4: '255.255.255.255' }, refused('255.255.255.255', 'it is a broadcast address')],
    ['unspecified', { ipv4: '0.0.0.0' }, refused('0.0.0.0', 'it is a unspecified address')],
    [
      "the master subnet's broadcast",
      { ipv4: '192.168.219.255' },
      refused('192.168.219.255', 'it is the network or broadcast address of 192.168.219.0/24'),
    ],
    [
      "a BMC network's broadcast",
      { ipv4: '10.20.0.255' },
      refused('10.20.0.255', 'it is the network or broadcast address of 10.20.0.0/24'),
    ],
    [
      'not an address at all (an option for ipmitool)',
      { ipv4: '-o /etc/shadow' },
      { kind: 'refused', reason: `BMC "-o /etc/shadow" not tied to ${PEER}: it is not an IP address` },
    ],
    [
      'a host name',
      { ipv4: 'bmc.example.org' },
      { kind: 'refused', reason: `BMC "bmc.example.org" not tied to ${PEER}: it is not an IP address` },
    ],
    [
      'both addresses refused: both named',
      { ipv4: '203.0.113.5', ipv6: 'fd99::5' },
      {
        kind: 'refused',
        reason:
          `BMC 203.0.113.5 not tied to ${PEER}: not leased by recon to the reported BMC MAC, not in the config (bmcs) and outside power.bmcNetworks; ` +
          `BMC fd99::5 not tied to ${PEER}: not leased by recon to the reported BMC MAC, not in the config (bmcs) and outside power.bmcNetworks`,
      },
    ],
    [
      'no BMC networks configured: only the lease ties',
      { ipv4: '10.20.0.9' },
      refused(
        '10.20.0.9',
        'not leased by recon to the reported BMC MAC, not in the config (bmcs) and outside power.bmcNetworks',
      ),
      { ...FACTS, networks: [] },
    ],
    [
      'an overlong string is shown bounded',
      { ipv4: 'x'.repeat(5000) },
      { kind: 'refused', reason: `BMC "${'x'.repeat(48)}" not tied to ${PEER}: it is not an IP address` },
    ],
  ];
  for (const [name, reported, want, facts] of rows)
    assert.deepEqual(decideBmcTarget(PEER, reported, facts ?? FACTS), want, name);
});

void test('bmcFacts: current leases only, every BMC claim, the config and the host addresses', () => {
  const at = '2026-01-02T03:00:00.000Z';
  const now = Date.parse(at);
  let seq = 0;
  const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
  const later = new Date(now + 60_000).toISOString();
  const earlier = new Date(now - 1).toISOString();
  const state = reduceAll([
    ev('lease.granted', { mac: BMC_MAC, family: 4, ip: '192.168.219.60', expiresAt: later }),
    ev('lease.granted', { mac: OTHER, family: 4, ip: '192.168.219.61', expiresAt: earlier }),
    ev('lease.granted', { mac: OTHER, family: 6, ip: 'fd52:ec0e:d1a8::1000', expiresAt: later }),
    ev('inventory.stored', {
      mac: PEER,
      sha256: 'x',
      bytes: 1,
      summary: { bmc: { ipv4: '1.2.3.4', mac: BMC_MAC } },
    }),
  ]);
  const config = parseConfig({
    bmcs: [{ address: '198.51.100.7' }],
    power: {
      bmcNetworks: ['10.20.0.0/24'],
      masterBmc: { addresses: ['10.20.0.250'], macs: [MASTER_BMC_MAC] },
    },
  });
  const f = bmcFacts(state, config, ['127.0.0.1', 'fe80::1'], now);
  assert.deepEqual(f.leases, [
    { mac: BMC_MAC, ip: '192.168.219.60' },
    { mac: OTHER, ip: 'fd52:ec0e:d1a8::1000' },
  ]);
  assert.deepEqual(f.bmcClaims, [{ node: PEER, bmcMac: BMC_MAC }]);
  assert.deepEqual(
    f.networks.map((n) => n.text),
    ['10.20.0.0/24'],
  );
  assert.deepEqual(
    f.masterSubnets.map((n) => n.text),
    ['192.168.219.0/24'],
  );
  assert.deepEqual(f.masterAddresses, ['192.168.219.1', '127.0.0.1', 'fe80::1', 'fd52:ec0e:d1a8::1']);
  assert.deepEqual(f.masterBmc, { addresses: ['10.20.0.250'], macs: [MASTER_BMC_MAC] });
  assert.deepEqual(f.configured, ['198.51.100.7']);
  // an expired lease ties nothing any more
  assert.equal(decideBmcTarget(PEER, { ipv4: '192.168.219.61', mac: OTHER }, f).kind, 'refused');
  assert.equal(decideBmcTarget(PEER, { ipv4: '192.168.219.60', mac: BMC_MAC }, f).kind, 'target');
});

void test('config: power.bmcNetworks must be address blocks, power.masterBmc addresses and MACs', () => {
  assert.throws(
    () => parseConfig({ power: { bmcNetworks: ['10.0.0.1/24'] } }),
    /power\.bmcNetworks\.0: 10\.0\.0\.1\/24: host bits are set \(did you mean 10\.0\.0\.0\/24\?\)/,
  );
  assert.throws(
    () => parseConfig({ power: { masterBmc: { addresses: ['bmc.local'] } } }),
    /power\.masterBmc\.addresses\.0: expected an IPv4 or IPv6 address/,
  );
  assert.deepEqual(parseConfig({}).power.bmcNetworks, []);
  assert.deepEqual(parseConfig({ power: { masterBmc: { macs: ['0C-C4-7A-00-00-FF'] } } }).power.masterBmc, {
    addresses: [],
    macs: [MASTER_BMC_MAC],
  });
});

void test('decidePowerOnTarget: a BMC found on its own lease, named in the config or in a BMC network; never the master', () => {
  const ok = (address: string, tie: string) => ({ ok: true, address, tie });
  const no = (why: string) => ({ ok: false, why });
  const rows: [string, string, string | undefined, unknown][] = [
    [
      'found on its lease from recon',
      '192.168.219.60',
      BMC_MAC,
      ok('192.168.219.60', `found on its lease from recon (MAC ${BMC_MAC})`),
    ],
    [
      'the lease is now another MAC',
      '192.168.219.61',
      BMC_MAC,
      no(`BMC 192.168.219.61 refused: recon leased it to ${OTHER}, not to a BMC it found`),
    ],
    ['named in the config', '198.51.100.7', undefined, ok('198.51.100.7', 'named in the config (bmcs)')],
    ['in a BMC network', '10.20.0.9', undefined, ok('10.20.0.9', 'inside power.bmcNetworks 10.20.0.0/24')],
    [
      'the master',
      '192.168.219.1',
      undefined,
      no('BMC 192.168.219.1 refused: it is an address of the master itself'),
    ],
    ["the master's BMC", '10.20.0.250', undefined, no("BMC 10.20.0.250 refused: it is the master's own BMC")],
    [
      "the master's BMC MAC on a lease",
      '192.168.219.60',
      MASTER_BMC_MAC,
      no(`BMC 192.168.219.60 refused: the BMC MAC ${MASTER_BMC_MAC} is the master's own BMC`),
    ],
    [
      'nowhere recon knows',
      '203.0.113.9',
      undefined,
      no(
        'BMC 203.0.113.9 refused: not found on a lease from recon, not in the config (bmcs) and outside power.bmcNetworks',
      ),
    ],
    ['not an address', '-H x', undefined, no('BMC "-H x": it is not an IP address')],
  ];
  for (const [name, address, mac, want] of rows)
    assert.deepEqual(decidePowerOnTarget(address, mac, FACTS), want, name);
});

// Pure DNS parts: the strict query decoder (over queries captured from dig), the zone built from
// leases, the answer rules, and the encoded replies (read back with dns2's parser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import dns2 from 'dns2';
import { parseConfig } from '../../src/model/config/load.js';
import type { NodeRecord } from '../../src/model/reducer.js';
import { decodeQuery, DnsDecodeError, QTYPE, RCODE } from '../../src/net/dns/query.js';
import { answer, buildZone, reverseName4, reverseName6 } from '../../src/net/dns/zone.js';
import { encodeAnswer, encodeBareError } from '../../src/net/dns/response.js';

const fixture = (name: string) =>
  Buffer.from(readFileSync(new URL(`../fixtures/dns/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');

const config = parseConfig({
  ipv4: {
    address: '10.99.0.1',
    prefix: 24,
    range: ['10.99.0.100', '10.99.0.200'],
    reservations: [{ mac: '52:54:00:00:00:03', hostname: 'rack3' }],
  },
  ipv6: { address: 'fd99::1' },
  domain: 'recon.internal',
  names: ['bang', 'master'],
});

function node(mac: string, extra: Partial<NodeRecord> = {}): NodeRecord {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    mac,
    stage: 'leased',
    stageAt: at,
    stages: [],
    power: 'on',
    firstSeen: at,
    lastSeen: at,
    ...extra,
  };
}
const lease = (ip: string, hostname?: string) => ({ ip, expiresAt: '2030-01-01T00:00:00.000Z', hostname });

const nodes: Record<string, NodeRecord> = {
  '52:54:00:00:00:01': node('52:54:00:00:00:01', {
    lease4: lease('10.99.0.101'),
    lease6: lease('fd99::1001'),
  }),
  '52:54:00:00:00:02': node('52:54:00:00:00:02', { lease4: lease('10.99.0.102', 'web1') }),
  '52:54:00:00:00:03': node('52:54:00:00:00:03', { lease4: lease('10.99.0.103', 'ignored') }),
  // asks for the master's name: must not get it
  '52:54:00:00:00:04': node('52:54:00:00:00:04', { lease4: lease('10.99.0.104', 'bang') }),
  // asks for a name already taken by an earlier MAC
  '52:54:00:00:00:05': node('52:54:00:00:00:05', { lease4: lease('10.99.0.105', 'web1') }),
  // no lease: no name
  '52:54:00:00:00:06': node('52:54:00:00:00:06', { stage: 'released' }),
};
const zone = buildZone(config, nodes, 42);

void test('decodes queries captured from dig', () => {
  const a = decodeQuery(fixture('dig-a-bang'));
  assert.equal(a.name, 'bang');
  assert.equal(a.type, QTYPE.A);
  assert.equal(a.class, 1);
  assert.equal(a.rd, true);
  assert.equal(a.ednsUdpSize, 1232);
  const aaaa = decodeQuery(fixture('dig-aaaa-fqdn-noedns'));
  assert.deepEqual([aaaa.name, aaaa.type, aaaa.ednsUdpSize], ['BaNg.recon.internal', QTYPE.AAAA, undefined]);
  assert.equal(decodeQuery(fixture('dig-ptr-v4')).name, '1.0.99.10.in-addr.arpa');
  assert.equal(decodeQuery(fixture('dig-ptr-v6')).name, reverseName6('fd99::1'));
  assert.equal(decodeQuery(fixture('dig-soa-zone')).type, QTYPE.SOA);
  assert.equal(decodeQuery(fixture('dig-a-outside')).name, 'example.com');
});

void test('rejects malformed packets with a typed error and the right reply kind', () => {
  const good = fixture('dig-aaaa-fqdn-noedns');
  const patch = (at: number, bytes: number[]) => {
    const b = Buffer.from(good);
    bytes.forEach((v, i) => (b[at + i] = v));
    return b;
  };
  const cases: [string, Buffer, 'drop' | 'formerr' | 'notimp'][] = [
    ['empty', Buffer.alloc(0), 'drop'],
    ['short header', good.subarray(0, 11), 'drop'],
    ['a response', patch(2, [0x81, 0x00]), 'drop'],
    ['opcode 2 (status)', patch(2, [0x10, 0x00]), 'notimp'],
    ['two questions', patch(4, [0, 2]), 'formerr'],
    ['no question', patch(4, [0, 0]), 'formerr'],
    ['claims 65535 of everything', patch(4, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'formerr'],
    ['truncated question', good.subarray(0, good.length - 2), 'formerr'],
    ['trailing garbage', Buffer.concat([good, Buffer.from([0])]), 'formerr'],
    ['label runs past the end', patch(12, [60]), 'formerr'],
    ['forward compression pointer', patch(12, [0xc0, 0x20]), 'formerr'],
    ['self pointer', patch(12, [0xc0, 12]), 'formerr'],
    ['reserved label type', patch(12, [0x40]), 'formerr'],
    ['dot inside a label', patch(13, [0x2e]), 'formerr'],
    ['additional record that is not OPT', patch(10, [0, 1]), 'formerr'],
  ];
  for (const [what, buf, reply] of cases) {
    assert.throws(
      () => decodeQuery(buf),
      (e: unknown) => e instanceof DnsDecodeError && e.reply === reply,
      what,
    );
  }
});

void test('zone: master names, node names, PTRs', () => {
  const ask = (name: string, type: number) => answer(zone, name, type, 1);
  const addrs = (name: string, type: number) =>
    ask(name, type).answers.map((r) => ('address' in r ? r.address : 'domain' in r ? r.domain : '?'));
  assert.deepEqual(addrs('bang', QTYPE.A), ['10.99.0.1']);
  assert.deepEqual(addrs('MASTER.recon.internal', QTYPE.AAAA), ['fd99::1']);
  assert.deepEqual(addrs('node-525400000001.recon.internal', QTYPE.A), ['10.99.0.101']);
  assert.deepEqual(addrs('node-525400000001', QTYPE.AAAA), ['fd99::1001']);
  assert.deepEqual(addrs('web1.recon.internal', QTYPE.A), ['10.99.0.102']);
  assert.deepEqual(addrs('rack3.recon.internal', QTYPE.A), ['10.99.0.103'], 'the reservation name wins');
  assert.equal(ask('ignored.recon.internal', QTYPE.A).rcode, RCODE.NXDOMAIN);
  assert.deepEqual(addrs('bang', QTYPE.A), ['10.99.0.1'], 'a peer cannot take the master name');
  assert.deepEqual(addrs('node-525400000004', QTYPE.A), ['10.99.0.104']);
  assert.deepEqual(addrs('node-525400000005', QTYPE.A), ['10.99.0.105'], 'a duplicate host name falls back');
  assert.equal(ask('node-525400000006.recon.internal', QTYPE.A).rcode, RCODE.NXDOMAIN);
  assert.deepEqual(addrs(reverseName4('10.99.0.1'), QTYPE.PTR), ['bang.recon.internal']);
  assert.deepEqual(addrs(reverseName4('10.99.0.101'), QTYPE.PTR), ['node-525400000001.recon.internal']);
  assert.deepEqual(addrs(reverseName4('10.99.0.102'), QTYPE.PTR), ['web1.recon.internal']);
  assert.deepEqual(addrs(reverseName6('fd99::1001'), QTYPE.PTR), ['node-525400000001.recon.internal']);
  assert.deepEqual(addrs(reverseName6('fd99::1'), QTYPE.PTR), ['bang.recon.internal']);
});

void test('zone: NXDOMAIN, NODATA, REFUSED, SOA/NS', () => {
  const nx = answer(zone, 'nope.recon.internal', QTYPE.A, 1);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.authoritative, true);
  assert.deepEqual(
    nx.authorities.map((r) => [r.name, r.type]),
    [['recon.internal', QTYPE.SOA]],
  );
  const nxRev = answer(zone, reverseName4('10.99.0.77'), QTYPE.PTR, 1);
  assert.equal(nxRev.rcode, RCODE.NXDOMAIN);
  assert.equal(nxRev.authorities[0]?.name, '0.99.10.in-addr.arpa');
  const nodata = answer(zone, 'web1.recon.internal', 16 /* TXT */, 1);
  assert.deepEqual([nodata.rcode, nodata.answers.length, nodata.authorities.length], [RCODE.NOERROR, 0, 1]);
  // an empty non-terminal in the ip6.arpa tree is NODATA, not NXDOMAIN
  const ent = reverseName6('fd99::1').split('.').slice(8).join('.');
  assert.equal(answer(zone, ent, QTYPE.PTR, 1).rcode, RCODE.NOERROR);
  for (const [name, type, cls] of [
    ['example.com', QTYPE.A, 1],
    ['unknownbare', QTYPE.A, 1],
    ['1.1.168.192.in-addr.arpa', QTYPE.PTR, 1],
    ['', QTYPE.NS, 1],
    ['bang.recon.internal', QTYPE.A, 3 /* CHAOS */],
  ] as const) {
    const r = answer(zone, name, type, cls);
    assert.deepEqual([r.rcode, r.authoritative, r.answers.length], [RCODE.REFUSED, false, 0], name);
  }
  const soa = answer(zone, 'recon.internal', QTYPE.SOA, 1).answers[0];
  assert.ok(soa && soa.type === QTYPE.SOA);
  assert.deepEqual(
    [soa.primary, soa.admin, soa.serial],
    ['bang.recon.internal', 'hostmaster.recon.internal', 42],
  );
  const ns = answer(zone, 'recon.internal', QTYPE.NS, 1);
  assert.deepEqual(
    ns.additionals.map((r) => r.type),
    [QTYPE.A, QTYPE.AAAA],
    'NS answers carry the address of bang as glue',
  );
  assert.equal(answer(zone, 'recon.internal', 252 /* AXFR */, 1).rcode, RCODE.REFUSED);
});

void test('zone without IPv6 has no AAAA and no ip6.arpa', () => {
  const v4only = buildZone({ ...config, ipv6: { ...config.ipv6, enabled: false } }, nodes, 1);
  assert.equal(v4only.apexes.length, 2);
  assert.equal(answer(v4only, 'bang', QTYPE.AAAA, 1).answers.length, 0);
  assert.equal(answer(v4only, reverseName6('fd99::1001'), QTYPE.PTR, 1).rcode, RCODE.REFUSED);
});

void test('encoded replies read back correctly (dns2 parser) and echo the question', () => {
  const q = decodeQuery(fixture('dig-aaaa-fqdn-noedns'));
  const a = answer(zone, q.name, q.type, q.class);
  const p = dns2.Packet.parse(encodeAnswer(q, a, 'udp'));
  assert.equal(p.header.id, q.id);
  assert.deepEqual([p.header.qr, p.header.aa, p.header.rd, p.header.rcode], [1, 1, 1, 0]);
  assert.equal(p.questions[0]?.name, 'BaNg.recon.internal');
  assert.deepEqual(
    p.answers.map((r) => [r.name, r.type, r.address]),
    [['BaNg.recon.internal', QTYPE.AAAA, 'fd99::1']],
  );
  assert.equal(p.additionals.length, 0, 'no OPT when the query had none');
  const e = decodeQuery(fixture('dig-a-bang'));
  const pe = dns2.Packet.parse(encodeAnswer(e, answer(zone, e.name, e.type, e.class), 'udp'));
  assert.equal(pe.additionals[0]?.type, QTYPE.OPT, 'OPT echoed for EDNS queries');
  const err = dns2.Packet.parse(encodeBareError(0x1234, RCODE.FORMERR));
  assert.deepEqual(
    [err.header.id, err.header.qr, err.header.rcode, err.questions.length],
    [0x1234, 1, RCODE.FORMERR, 0],
  );
});

void test('a UDP reply larger than 512 bytes without EDNS is truncated with TC', () => {
  const q = decodeQuery(fixture('dig-aaaa-fqdn-noedns'));
  // 40 copies of one AAAA record: ~1.1 kB, over the 512-byte limit of a query without EDNS
  const a = answer(zone, q.name, q.type, q.class);
  const padded = { ...a, answers: Array.from({ length: 40 }, () => a.answers[0]!) };
  const udp = dns2.Packet.parse(encodeAnswer({ ...q }, padded, 'udp'));
  assert.deepEqual([udp.header.tc, udp.answers.length, udp.questions.length], [1, 0, 1]);
  const tcp = dns2.Packet.parse(encodeAnswer({ ...q }, padded, 'tcp'));
  assert.deepEqual([tcp.header.tc, tcp.answers.length], [0, 40]);
});

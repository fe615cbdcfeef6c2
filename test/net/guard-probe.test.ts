// The guard's pure parts over a captured exchange (recon's probe DISCOVER and dnsmasq's OFFER): the
// UDP datagram out of an IPv4 packet, which replies count as another server's OFFER, the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decode, FLAG_BROADCAST } from '../../src/net/dhcp4/codec.js';
import { MessageType, Opt } from '../../src/net/dhcp4/options.js';
import { udpDatagram } from '../../src/net/guard/packet-socket.js';
import { guardDownVerdict } from '../../src/net/guard/guard.js';
import {
  buildDiscover,
  decideDhcp,
  diffRogues,
  isGuardProbeMac,
  randomGuardMac,
  readOffer,
} from '../../src/net/guard/probe.js';
import type { RogueServer } from '../../src/model/events.js';

const fx = JSON.parse(
  readFileSync(new URL('../fixtures/guard/probe-dnsmasq.json', import.meta.url), 'utf8'),
) as {
  discover: { srcMac: string; ip: string };
  offer: { srcMac: string; ip: string };
};
const discoverIp = Buffer.from(fx.discover.ip, 'hex');
const offerIp = Buffer.from(fx.offer.ip, 'hex');
const offerUdp = udpDatagram(offerIp, 68)!;
const probe = decode(udpDatagram(discoverIp, 67)!.payload);
const probeMac = [...probe.chaddr.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');

void test('udpDatagram: the OFFER to port 68 comes out of its IPv4 packet; wrong port, fragments, junk → undefined', () => {
  assert.equal(offerUdp.srcIp, '10.99.0.2');
  assert.equal(decode(offerUdp.payload).options.get(Opt.messageType)?.[0], MessageType.OFFER);
  assert.equal(udpDatagram(offerIp, 67), undefined);
  const frag = Buffer.from(offerIp);
  frag[7] = 1; // fragment offset 8
  assert.equal(udpDatagram(frag, 68), undefined);
  assert.equal(udpDatagram(offerIp.subarray(0, 27), 68), undefined);
  const tcp = Buffer.from(offerIp);
  tcp[9] = 6;
  assert.equal(udpDatagram(tcp, 68), undefined);
  const longUdp = Buffer.from(offerIp);
  longUdp.writeUInt16BE(4000, 20 + 4);
  assert.equal(udpDatagram(longUdp, 68), undefined);
});

void test('the captured probe is a broadcast DISCOVER from a guard MAC; buildDiscover makes the same shape', () => {
  assert.ok(isGuardProbeMac(probeMac));
  assert.equal(probe.flags & FLAG_BROADCAST, FLAG_BROADCAST);
  assert.equal(probe.options.get(Opt.messageType)?.[0], MessageType.DISCOVER);
  const mine = decode(buildDiscover(probeMac, probe.xid));
  assert.deepEqual({ ...mine, options: [...mine.options] }, { ...probe, options: [...probe.options] });
  const m = randomGuardMac();
  assert.ok(isGuardProbeMac(m) && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m));
  assert.ok(!isGuardProbeMac('52:54:00:12:34:56'));
});

void test('readOffer: the dnsmasq OFFER counts only for our xid and MAC, and not when the server is our own', () => {
  const xids = new Set([probe.xid]);
  assert.deepEqual(readOffer(offerUdp.payload, offerUdp.srcIp, xids, probeMac, new Set(['10.99.0.1'])), {
    serverId: '10.99.0.2',
    offeredIp: decode(offerUdp.payload).yiaddr,
  });
  assert.equal(readOffer(offerUdp.payload, offerUdp.srcIp, new Set([1]), probeMac, new Set()), undefined);
  assert.equal(readOffer(offerUdp.payload, offerUdp.srcIp, xids, '02:7e:c0:00:00:00', new Set()), undefined);
  assert.equal(
    readOffer(offerUdp.payload, offerUdp.srcIp, xids, probeMac, new Set(['10.99.0.2'])),
    undefined,
  );
  assert.equal(
    readOffer(udpDatagram(discoverIp, 67)!.payload, '10.99.0.1', xids, probeMac, new Set()),
    undefined,
    'a request is no offer',
  );
  assert.equal(readOffer(Buffer.from('garbage'), '10.99.0.9', xids, probeMac, new Set()), undefined);
});

const r1: RogueServer = {
  serverId: '10.99.0.2',
  serverMac: '52:54:00:aa:bb:cc',
  offeredIp: '10.99.0.150',
  seenAt: 't',
};
const r2: RogueServer = { serverId: '10.99.0.3', offeredIp: '10.99.0.40', seenAt: 't' };
const flags = (proxyDhcp: boolean, forceDhcp: boolean) => ({ proxyDhcp, forceDhcp });

void test('decideDhcp: serve when alone; blocked next to another server unless proxyDHCP or forced; the reason names them', () => {
  assert.deepEqual(decideDhcp([], flags(false, false)), {
    serve: true,
    mode: 'full',
    reason: 'no other DHCP server answered',
  });
  assert.deepEqual(decideDhcp([r1, r2], flags(false, false)), {
    serve: false,
    mode: 'full',
    reason:
      'another DHCP server answers on this segment: 10.99.0.2 (52:54:00:aa:bb:cc) offering 10.99.0.150; 10.99.0.3 offering 10.99.0.40',
  });
  assert.deepEqual(decideDhcp([r1], flags(true, false)), {
    serve: true,
    mode: 'proxy',
    reason: 'proxyDHCP next to 10.99.0.2 (52:54:00:aa:bb:cc) offering 10.99.0.150',
  });
  assert.equal(decideDhcp([r1], flags(false, true)).serve, true);
});

void test('decideDhcp: a probe that could not run blocks DHCPv4 unless proxy or force', () => {
  assert.deepEqual(decideDhcp([], flags(false, false), 'EPERM'), {
    serve: false,
    mode: 'full',
    reason: 'could not probe for other DHCP servers (EPERM)',
  });
  assert.equal(decideDhcp([], flags(false, true), 'EPERM').serve, true);
  assert.equal(decideDhcp([], flags(true, false), 'EPERM').mode, 'proxy');
});

void test('diffRogues: appeared and gone by server id', () => {
  assert.deepEqual(diffRogues([], [r1]), { appeared: [r1], gone: [] });
  assert.deepEqual(diffRogues([r1], [r1, r2]), { appeared: [r2], gone: [] });
  assert.deepEqual(diffRogues([r1, r2], [r2]), { appeared: [], gone: [r1] });
});

void test('guardDownVerdict: a guard that did not start blocks offers unless proxyDHCP or forced', () => {
  assert.deepEqual(guardDownVerdict(flags(false, false))(), {
    serve: false,
    mode: 'full',
    reason: 'could not probe for other DHCP servers (the rogue-DHCP guard did not start)',
  });
  assert.equal(guardDownVerdict(flags(false, true))().serve, true);
  assert.equal(guardDownVerdict(flags(true, false))().mode, 'proxy');
});

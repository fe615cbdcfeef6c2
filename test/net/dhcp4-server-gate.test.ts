// The DHCPv4 server's decisions around the node registry and the guard, driven packet by packet with
// a fake store: who is recorded (and so becomes a node), the new-node budget, the guard's probes, and
// what still works while the guard blocks offers (renewals of leases recon granted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import { applyEvent, initialState } from '../../src/model/reducer.js';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { bootRequest, decode, encode } from '../../src/net/dhcp4/codec.js';
import { MessageType, Opt, messageTypeName } from '../../src/net/dhcp4/options.js';
import { Dhcp4Server } from '../../src/net/dhcp4/server.js';
import { randomGuardMac } from '../../src/net/guard/probe.js';

const RESERVED = '52:54:00:00:0e:01';
const PXE = 'PXEClient:Arch:00000:UNDI:002001';

function rig(opts: { mayOffer?: () => boolean } = {}) {
  const config = parseConfig(
    {
      interface: 'br0',
      dataDir: '/nonexistent',
      ipv4: {
        address: '10.99.0.1',
        prefix: 16,
        range: ['10.99.0.100', '10.99.255.250'],
        reservations: [{ mac: RESERVED, ip: '10.99.0.50' }],
      },
    },
    'test',
  );
  const state = initialState();
  const events: NewEvent[] = [];
  let seq = 0;
  const store = {
    state,
    emit(e: NewEvent): Promise<ReconEvent> {
      events.push(e);
      const ev = { seq: ++seq, at: new Date().toISOString(), ...e } as ReconEvent;
      applyEvent(state, ev);
      return Promise.resolve(ev);
    },
  };
  const replies: { type?: string; yiaddr: string; mac: string }[] = [];
  const server = new Dhcp4Server({
    config,
    store,
    log: pino({ level: 'silent' }),
    send: (buf) => {
      const p = decode(buf);
      replies.push({
        type: messageTypeName(p.options.get(Opt.messageType)?.[0]),
        yiaddr: p.yiaddr,
        mac: [...p.chaddr.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':'),
      });
    },
    now: () => 1_000_000,
    ...opts,
  });
  const send = (mac: string, type: number, extra: [number, Buffer][] = []): Promise<void> =>
    server.handle(
      encode(
        bootRequest({
          mac,
          xid: 1,
          options: new Map([[Opt.messageType, Buffer.from([type])], ...extra]),
        }),
      ),
      { address: '0.0.0.0', port: 68 },
    );
  return { server, state, events, replies, send };
}

const vendor = (v: string): [number, Buffer] => [Opt.vendorClass, Buffer.from(v)];
const mac = (i: number) =>
  `52:54:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

void test('who is recorded: a plain client gets its OFFER and leaves no event; a PXE client or a reserved MAC becomes a node', async () => {
  const r = rig();
  await r.send(mac(1), MessageType.DISCOVER, [vendor('udhcp 1.36.1')]);
  assert.deepEqual(
    r.replies.map((x) => x.type),
    ['OFFER'],
  );
  assert.equal(r.events.length, 0);
  await r.send(mac(2), MessageType.DISCOVER, [vendor(PXE)]);
  assert.deepEqual(
    r.events.map((e) => e.type),
    ['dhcp.discover', 'dhcp.offer'],
  );
  await r.send(RESERVED, MessageType.DISCOVER);
  assert.deepEqual(Object.keys(r.state.nodes).sort(), [mac(2), RESERVED].sort());
  assert.equal(r.replies.at(-1)?.yiaddr, '10.99.0.50');
  // the plain client takes its address: a lease on record as a host, still no node
  const offered = r.replies[0]!.yiaddr;
  await r.send(mac(1), MessageType.REQUEST, [
    [Opt.serverId, Buffer.from([10, 99, 0, 1])],
    [Opt.requestedIp, Buffer.from(offered.split('.').map(Number))],
  ]);
  assert.equal(r.replies.at(-1)?.type, 'ACK');
  assert.equal(r.state.nodes[mac(1)], undefined);
  assert.equal(r.state.hosts?.[mac(1)]?.lease4?.ip, offered);
});

void test('the guard’s own probe gets no answer and leaves no trace', async () => {
  const r = rig();
  await r.send(randomGuardMac(), MessageType.DISCOVER);
  assert.equal(r.replies.length, 0);
  assert.equal(r.events.length, 0);
});

void test('new boot clients are recorded within the budget (a burst of 500); every one still gets its OFFER', async () => {
  const r = rig();
  for (let i = 0; i < 600; i++) await r.send(mac(1000 + i), MessageType.DISCOVER, [vendor(PXE)]);
  assert.equal(r.replies.filter((x) => x.type === 'OFFER').length, 600);
  assert.equal(r.events.filter((e) => e.type === 'dhcp.discover').length, 500);
  assert.equal(Object.keys(r.state.nodes).length, 500);
  // a known node is recorded whatever the budget says
  await r.send(mac(1000), MessageType.DISCOVER, [vendor('udhcp 1.36.1')]);
  assert.equal(r.events.filter((e) => e.type === 'dhcp.discover').length, 501);
});

void test('while the guard blocks: no OFFER to anyone, but a lease recon granted is still renewed', async () => {
  let offering = true;
  const r = rig({ mayOffer: () => offering });
  await r.send(mac(5), MessageType.DISCOVER, [vendor(PXE)]);
  const ip = r.replies[0]!.yiaddr;
  const ipBytes = Buffer.from(ip.split('.').map(Number));
  await r.send(mac(5), MessageType.REQUEST, [
    [Opt.serverId, Buffer.from([10, 99, 0, 1])],
    [Opt.requestedIp, ipBytes],
  ]);
  assert.equal(r.replies.at(-1)?.type, 'ACK');
  offering = false;
  const before = r.replies.length;
  await r.send(mac(6), MessageType.DISCOVER, [vendor(PXE)]);
  await r.send(mac(5), MessageType.DISCOVER, [vendor(PXE)]);
  assert.equal(r.replies.length, before, 'no OFFER while blocked');
  // INIT-REBOOT / RENEWING (no server id): confirmed for the lease recon has on record
  await r.send(mac(5), MessageType.REQUEST, [[Opt.requestedIp, ipBytes]]);
  assert.deepEqual(r.replies.at(-1), { type: 'ACK', yiaddr: ip, mac: mac(5) });
  offering = true;
  await r.send(mac(6), MessageType.DISCOVER, [vendor(PXE)]);
  assert.equal(r.replies.at(-1)?.type, 'OFFER', 'offers resume with the verdict');
});

// Which events make a node, which only touch one, how the registry stays bounded, and that no download
// moves a node's stage backwards. Table tests over the one reducer the master and consoles share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, initialState, showsBootClient, type ReconState } from '../../src/model/reducer.js';
import type { EventPayloads, NewEvent, ReconEvent, Stage } from '../../src/model/events.js';
import { STAGE_ORDER } from '../../src/model/events.js';
import { menuNode } from '../../src/net/http/boot-routes.js';
import { addressesOf } from '../../src/net/http/source.js';

let seq = 0;
function ev(e: NewEvent, at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ++seq)).toISOString()): ReconEvent {
  return { seq, at, ...e } as ReconEvent;
}
const apply = (s: ReconState, ...events: NewEvent[]) => {
  for (const e of events) applyEvent(s, ev(e));
  return s;
};
const mac = (i: number) =>
  `52:54:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const MAC = mac(1);
const discover = (m: string, extra: Partial<EventPayloads['dhcp.discover']> = {}): NewEvent => ({
  type: 'dhcp.discover',
  data: { mac: m, family: 4, firmware: 'unknown', ...extra },
});
const pxe = (m: string) =>
  discover(m, { firmware: 'bios', arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });

void test('showsBootClient: PXE/HTTPClient vendor class, iPXE, a client architecture or a reservation', () => {
  const table: [Partial<EventPayloads['dhcp.discover']>, boolean][] = [
    [{}, false],
    [{ vendorClass: 'udhcp 1.36.1' }, false],
    [{ vendorClass: 'MSFT 5.0' }, false],
    [{ userClass: 'something' }, false],
    [{ vendorClass: 'PXEClient:Arch:00007:UNDI:003016' }, true],
    [{ vendorClass: 'HTTPClient:Arch:00016:UNDI:003001' }, true],
    [{ userClass: 'iPXE' }, true],
    [{ userClass: 'x,iPXE' }, true],
    [{ firmware: 'ipxe' }, true],
    [{ firmware: 'uefi', arch: 7 }, true],
    [{ reserved: true }, true],
  ];
  for (const [extra, want] of table)
    assert.equal(
      showsBootClient(discover(MAC, extra).data as EventPayloads['dhcp.discover']),
      want,
      JSON.stringify(extra),
    );
});

void test('only a boot client, a reservation or the peer API makes a node; other events never do', () => {
  const makes: [string, NewEvent, boolean][] = [
    ['plain DISCOVER', discover(MAC, { vendorClass: 'udhcp 1.36.1' }), false],
    ['PXE DISCOVER', pxe(MAC), true],
    ['reserved DISCOVER', discover(MAC, { reserved: true }), true],
    ['offer', { type: 'dhcp.offer', data: { mac: MAC, family: 4, ip: '10.0.0.5' } }, false],
    ['nak', { type: 'dhcp.nak', data: { mac: MAC, reason: 'x' } }, false],
    ['exhausted', { type: 'dhcp.exhausted', data: { mac: MAC, family: 4 } }, false],
    [
      'lease',
      { type: 'lease.granted', data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x' } },
      false,
    ],
    [
      'menu download naming the MAC',
      {
        type: 'transfer.start',
        data: { id: 'm', proto: 'http', ip: '10.0.0.9', mac: MAC, file: 'menu.ipxe', kind: 'menu' },
      },
      false,
    ],
    ['command', { type: 'command.queued', data: { mac: MAC, command: 'shutdown', by: 'x' } }, false],
    ['power', { type: 'power.state', data: { mac: MAC, state: 'off', via: 'ipmi' } }, false],
    ['power step', { type: 'power.step', data: { mac: MAC, step: 'x', ok: true } }, false],
    ['peer stage', { type: 'node.stage', data: { mac: MAC, stage: 'booted' } }, true],
    ['inventory', { type: 'inventory.stored', data: { mac: MAC, sha256: 'a', bytes: 1, summary: {} } }, true],
    ['raw', { type: 'raw.stored', data: { mac: MAC, sha256: 'a', bytes: 1 } }, true],
  ];
  for (const [what, e, want] of makes) {
    const s = apply(initialState(), e);
    assert.equal(s.nodes[MAC] !== undefined, want, what);
  }
});

void test('a lease for a client that is no node is kept as a host, moves into the node when it PXE boots, and goes with the lease', () => {
  const s = apply(initialState(), {
    type: 'lease.granted',
    data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x', hostname: 'bmc1' },
  });
  assert.deepEqual(Object.keys(s.nodes), []);
  assert.equal(s.hosts?.[MAC]?.lease4?.ip, '10.0.0.5');
  apply(s, { type: 'lease.expired', data: { mac: MAC, family: 4, ip: '10.0.0.5' } });
  assert.equal(s.hosts?.[MAC], undefined, 'a host without a lease is forgotten');
  apply(
    s,
    { type: 'lease.granted', data: { mac: MAC, family: 4, ip: '10.0.0.6', expiresAt: 'x' } },
    pxe(MAC),
  );
  assert.equal(s.nodes[MAC]?.lease4?.ip, '10.0.0.6');
  assert.equal(s.nodes[MAC]?.ip4, '10.0.0.6');
  assert.equal(s.hosts?.[MAC], undefined);
  // a known node's plain DISCOVER (its booted OS) still updates it
  apply(s, discover(MAC, { vendorClass: 'udhcp 1.36.1' }));
  assert.equal(s.nodes[MAC]?.vendorClass, 'udhcp 1.36.1');
});

void test('the registry is bounded: never-booted nodes seen longest ago go first, then booted ones, never inventoried ones', () => {
  const s = initialState();
  apply(s, {
    type: 'master.started',
    data: { version: 't', pid: 1, names: ['m'], ipv4: '10.0.0.1', dataDir: '/d', maxNodes: 4 },
  });
  apply(s, pxe(mac(1)), pxe(mac(2)), pxe(mac(3)), pxe(mac(4)));
  apply(s, { type: 'inventory.stored', data: { mac: mac(1), sha256: 'a', bytes: 1, summary: {} } });
  apply(s, { type: 'node.stage', data: { mac: mac(2), stage: 'booted' } });
  apply(s, { type: 'lease.granted', data: { mac: mac(3), family: 4, ip: '10.0.0.7', expiresAt: 'x' } });
  apply(s, pxe(mac(4))); // seen again: now the never-booted node seen longest ago is 3
  apply(s, pxe(mac(5)));
  assert.deepEqual(Object.keys(s.nodes).sort(), [mac(1), mac(2), mac(4), mac(5)]);
  assert.equal(s.hosts?.[mac(3)]?.lease4?.ip, '10.0.0.7', 'a dropped node keeps its lease on record');
  apply(s, pxe(mac(6)));
  assert.deepEqual(Object.keys(s.nodes).sort(), [mac(1), mac(2), mac(5), mac(6)]);
  apply(s, { type: 'node.stage', data: { mac: mac(5), stage: 'booted' } });
  apply(s, { type: 'node.stage', data: { mac: mac(6), stage: 'booted' } });
  apply(s, pxe(mac(7)));
  assert.deepEqual(
    Object.keys(s.nodes).sort(),
    [mac(1), mac(5), mac(6), mac(7)],
    'then the booted node seen longest ago',
  );
  for (const i of [5, 6, 7])
    apply(s, { type: 'inventory.stored', data: { mac: mac(i), sha256: 'a', bytes: 1, summary: {} } });
  apply(s, pxe(mac(8)));
  assert.equal(s.nodes[mac(8)], undefined, 'only inventoried nodes: the new one is not recorded');
  assert.equal(Object.keys(s.nodes).length, 4);
});

void test('the default bound holds under 20,000 PXE DISCOVERs with random MACs', () => {
  const s = initialState();
  for (let i = 0; i < 20_000; i++) applyEvent(s, ev(pxe(mac(i + 100))));
  assert.equal(Object.keys(s.nodes).length, 5000);
  assert.ok(s.nodes[mac(20_099)] && !s.nodes[mac(100)], 'the newest stay, the oldest went');
});

const downloads: [string, Stage][] = [
  ['bootloader', 'tftp'],
  ['menu', 'menu'],
  ['kernel', 'kernel'],
  ['initrd', 'initrd'],
  ['image', 'image'],
];

void test('no download moves a node backwards, nor out of powering-off or powered-off', () => {
  for (const from of STAGE_ORDER) {
    for (const [kind, to] of downloads) {
      const s = apply(initialState(), pxe(MAC));
      s.nodes[MAC]!.stage = from;
      apply(s, {
        type: 'transfer.start',
        data: { id: 'd', proto: 'http', ip: '10.0.0.5', mac: MAC, file: 'f', kind: kind as 'menu' },
      });
      const forward = STAGE_ORDER.indexOf(to) >= STAGE_ORDER.indexOf(from);
      const want = forward || from === 'released' ? to : from;
      assert.equal(s.nodes[MAC]!.stage, want, `${from} + ${kind}`);
    }
  }
});

void test('a new boot comes from DHCP only: a DISCOVER or a lease after power-off starts over', () => {
  for (const e of [
    pxe(MAC),
    { type: 'lease.granted', data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x' } } as NewEvent,
  ]) {
    const s = apply(initialState(), pxe(MAC), {
      type: 'power.state',
      data: { mac: MAC, state: 'off', via: 'ipmi' },
    });
    assert.equal(s.nodes[MAC]!.stage, 'powered-off');
    apply(s, e);
    assert.notEqual(s.nodes[MAC]!.stage, 'powered-off', e.type);
    assert.equal(s.nodes[MAC]!.power, 'on');
  }
  // a lease renewal while booted changes no stage
  const s = apply(initialState(), pxe(MAC), { type: 'node.stage', data: { mac: MAC, stage: 'collecting' } });
  apply(s, { type: 'lease.granted', data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x' } });
  assert.equal(s.nodes[MAC]!.stage, 'collecting');
  assert.ok(s.nodes[MAC]!.bootedAt, 'booted is remembered');
});

void test('menuNode: a named MAC counts only from its leased address; else the address holder, else none', () => {
  const s = apply(
    initialState(),
    pxe(mac(1)),
    { type: 'lease.granted', data: { mac: mac(1), family: 4, ip: '10.0.0.5', expiresAt: 'x' } },
    pxe(mac(2)),
    { type: 'lease.granted', data: { mac: mac(2), family: 4, ip: '10.0.0.6', expiresAt: 'x' } },
  );
  assert.equal(menuNode(s, mac(1), '10.0.0.5', false), mac(1));
  assert.equal(menuNode(s, mac(1), '::ffff:10.0.0.5', false), mac(1));
  assert.equal(menuNode(s, mac(1), '10.0.0.6', false), mac(2), 'another node asking: recorded as itself');
  assert.equal(menuNode(s, mac(1), '10.0.0.99', false), undefined);
  assert.equal(menuNode(s, mac(9), '10.0.0.99', false), undefined, 'an unknown MAC from anywhere: nobody');
  assert.equal(menuNode(s, 'junk', '10.0.0.5', false), mac(1));
  assert.equal(menuNode(s, mac(9), '10.0.0.99', true), mac(9), 'trustAnySource: the operator allowed it');
});

void test('a host’s lease counts for the peer API: a node dropped while it booted can still report, and becomes a node again', () => {
  const s = apply(initialState(), {
    type: 'lease.granted',
    data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x' },
  });
  assert.deepEqual(addressesOf(s, MAC), ['10.0.0.5']);
  assert.deepEqual(addressesOf(s, mac(9)), []);
  apply(s, { type: 'node.stage', data: { mac: MAC, stage: 'booted', ip: '10.0.0.5' } });
  assert.equal(s.nodes[MAC]?.lease4?.ip, '10.0.0.5');
  assert.equal(s.hosts?.[MAC], undefined);
});

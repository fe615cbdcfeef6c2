import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, countByStage, initialState, reduceAll } from '../../src/model/reducer.js';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';

const MAC = '52:54:00:12:34:56';
let seq = 0;
function ev(e: NewEvent, at = `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`): ReconEvent {
  return { seq: ++seq, at, ...e } as ReconEvent;
}

test('a node walks the stages from DISCOVER to powered off', () => {
  const events = [
    ev({
      type: 'dhcp.discover',
      data: { mac: MAC, family: 4, firmware: 'bios', arch: 0, vendorClass: 'PXEClient' },
    }),
    ev({
      type: 'lease.granted',
      data: {
        mac: MAC,
        family: 4,
        ip: '10.99.0.100',
        expiresAt: '2026-01-01T00:10:00Z',
        bootFile: 'undionly.kpxe',
      },
    }),
    ev({
      type: 'transfer.start',
      data: {
        id: 't1',
        proto: 'tftp',
        ip: '10.99.0.100',
        mac: MAC,
        file: 'undionly.kpxe',
        kind: 'bootloader',
      },
    }),
    ev({ type: 'transfer.done', data: { id: 't1', bytes: 70000, ms: 40 } }),
    ev({
      type: 'transfer.start',
      data: { id: 'h1', proto: 'http', ip: '10.99.0.100', mac: MAC, file: '/menu.ipxe', kind: 'menu' },
    }),
    ev({
      type: 'transfer.start',
      data: {
        id: 'h2',
        proto: 'http',
        ip: '10.99.0.100',
        mac: MAC,
        file: 'linux',
        kind: 'kernel',
        size: 100,
      },
    }),
    ev({ type: 'transfer.progress', data: { id: 'h2', bytes: 50 } }),
    ev({ type: 'node.stage', data: { mac: MAC, stage: 'collecting' } }),
    ev({
      type: 'inventory.stored',
      data: { mac: MAC, sha256: 'ab', bytes: 10, summary: { vendor: 'QEMU' } },
    }),
    ev({ type: 'command.queued', data: { mac: MAC, command: 'shutdown', by: 'console' } }),
    ev({ type: 'command.delivered', data: { mac: MAC, command: 'shutdown' } }),
    ev({ type: 'node.stage', data: { mac: MAC, stage: 'powering-off' } }),
    ev({ type: 'power.state', data: { mac: MAC, state: 'off', via: 'agent' } }),
  ];
  const s = reduceAll(events);
  const n = s.nodes[MAC]!;
  assert.equal(n.ip4, '10.99.0.100');
  assert.equal(n.firmware, 'bios');
  assert.equal(n.stage, 'powered-off');
  assert.equal(n.power, 'off');
  assert.equal(n.inventory?.summary.vendor, 'QEMU');
  assert.equal(n.pendingCommand, undefined);
  assert.deepEqual(
    n.stages.map((x) => x.stage),
    [
      'discovered',
      'leased',
      'tftp',
      'menu',
      'kernel',
      'collecting',
      'uploaded',
      'powering-off',
      'powered-off',
    ],
  );
  assert.equal(s.transfers.h2?.bytes, 50);
  assert.equal(s.transfers.t1?.state, 'done');
  assert.equal(s.seq, events.at(-1)!.seq);
});

test('late boot-stage events do not move a node backwards; a new DISCOVER after power-off starts over', () => {
  const s = initialState();
  applyEvent(s, ev({ type: 'node.stage', data: { mac: MAC, stage: 'collecting' } }));
  applyEvent(
    s,
    ev({
      type: 'transfer.start',
      data: { id: 'x', proto: 'http', ip: '1.2.3.4', mac: MAC, file: 'linux', kind: 'kernel' },
    }),
  );
  assert.equal(s.nodes[MAC]!.stage, 'collecting');
  applyEvent(s, ev({ type: 'power.state', data: { mac: MAC, state: 'off' } }));
  applyEvent(s, ev({ type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'uefi', arch: 7 } }));
  assert.equal(s.nodes[MAC]!.stage, 'discovered');
  assert.equal(s.nodes[MAC]!.power, 'on');
});

test('leases: release clears, decline quarantines, v6 lease kept apart', () => {
  const s = reduceAll([
    ev({ type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'bios', vendorClass: 'PXEClient' } }),
    ev({ type: 'lease.granted', data: { mac: MAC, family: 4, ip: '10.0.0.5', expiresAt: 'x' } }),
    ev({
      type: 'lease.granted',
      data: { mac: MAC, family: 6, ip: 'fd99::1000', expiresAt: 'y', duid: '0003', iaid: 1 },
    }),
    ev({ type: 'lease.released', data: { mac: MAC, family: 4, ip: '10.0.0.5' } }),
  ]);
  assert.equal(s.nodes[MAC]!.lease4, undefined);
  assert.equal(s.nodes[MAC]!.lease6?.ip, 'fd99::1000');
  applyEvent(s, ev({ type: 'lease.declined', data: { mac: MAC, ip: '10.0.0.6', quarantinedUntil: 'z' } }));
  assert.equal(s.declined['10.0.0.6'], 'z');
});

test('services, rogue servers and action results land in state', () => {
  const s = reduceAll([
    ev({
      type: 'service',
      data: { service: 'dhcp4', state: 'blocked', detail: 'another DHCP server: 10.99.0.2' },
    }),
    ev({ type: 'rogue.detected', data: { serverId: '10.99.0.2', offeredIp: '10.99.0.150', seenAt: 'now' } }),
    ev({
      type: 'rogue.detected',
      data: { serverId: '10.99.0.2', offeredIp: '10.99.0.151', seenAt: 'later' },
    }),
    ev({ type: 'action.result', data: { action: 'poweroff', ok: false, message: 'not available yet' } }),
  ]);
  assert.equal(s.services.dhcp4?.state, 'blocked');
  assert.equal(s.rogue.length, 1);
  assert.equal(s.rogue[0]?.offeredIp, '10.99.0.151');
  assert.equal(s.lastAction?.message, 'not available yet');
  applyEvent(s, ev({ type: 'rogue.cleared', data: { serverId: '10.99.0.2' } }));
  assert.equal(s.rogue.length, 0);
});

test('finished transfers are bounded; counts by stage', () => {
  const s = initialState();
  for (let i = 0; i < 300; i++) {
    applyEvent(
      s,
      ev({
        type: 'transfer.start',
        data: { id: `t${i}`, proto: 'tftp', ip: '1.1.1.1', file: 'f', kind: 'other' },
      }),
    );
    applyEvent(s, ev({ type: 'transfer.done', data: { id: `t${i}`, bytes: 1, ms: 1 } }));
  }
  assert.ok(Object.keys(s.transfers).length <= 200);
  applyEvent(
    s,
    ev({ type: 'dhcp.discover', data: { mac: '52:54:00:00:00:01', family: 4, firmware: 'bios' } }),
  );
  applyEvent(
    s,
    ev({ type: 'dhcp.discover', data: { mac: '52:54:00:00:00:02', family: 4, firmware: 'bios' } }),
  );
  assert.deepEqual(countByStage(s), { discovered: 2 });
});

test('iPXE chainloaded on a BIOS/UEFI ROM keeps the ROM firmware and marks the chainload', () => {
  const s = initialState();
  applyEvent(s, ev({ type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'uefi', arch: 7 } }));
  applyEvent(s, ev({ type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'ipxe', arch: 7 } }));
  assert.equal(s.nodes[MAC]!.firmware, 'uefi');
  assert.equal(s.nodes[MAC]!.chainloaded, true);
  const t = initialState();
  applyEvent(t, ev({ type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'ipxe', arch: 0 } }));
  assert.equal(t.nodes[MAC]!.firmware, 'ipxe'); // an iPXE NIC ROM is the firmware itself
  assert.equal(t.nodes[MAC]!.chainloaded, undefined);
});

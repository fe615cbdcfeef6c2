// The per-stage timings of one node's boot chain, computed from a recorded event sequence: the first
// DISCOVER starts the clock, iPXE's first DISCOVER after a TFTP boot loader ends that loader's start, repeated leases and menus count once, the last boot loader / kernel / initrd
// transfer counts, and other nodes' events are ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { chainTimings } from '../../src/lab/vm/timings.js';

const MAC = '52:54:00:9e:00:01';
const OTHER = '52:54:00:9e:00:02';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Events at the given offsets (ms) from T0, numbered in order. */
function recorded(list: [number, NewEvent][]): ReconEvent[] {
  return list.map(([ms, e], i) => ({ ...e, seq: i + 1, at: new Date(T0 + ms).toISOString() }) as ReconEvent);
}

const lease = (mac: string): NewEvent => ({
  type: 'lease.granted',
  data: { mac, family: 4, ip: '10.99.0.100', expiresAt: '2026-01-01T01:00:00.000Z' },
});
const transfer = (id: string, mac: string, kind: 'bootloader' | 'menu' | 'kernel' | 'initrd'): NewEvent => ({
  type: 'transfer.start',
  data: { id, proto: kind === 'bootloader' ? 'tftp' : 'http', ip: '10.99.0.100', mac, file: kind, kind },
});
const done = (id: string): NewEvent => ({ type: 'transfer.done', data: { id, bytes: 1, ms: 1 } });
const stage = (mac: string, s: 'booted' | 'uploaded'): NewEvent => ({
  type: 'node.stage',
  data: { mac, stage: s },
});

void test('an EDK2 PXE chain: every stage measured from the first DISCOVER', () => {
  const events = recorded([
    [0, { type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'uefi' } }],
    [500, { type: 'dhcp.discover', data: { mac: OTHER, family: 4, firmware: 'bios' } }],
    [3000, lease(MAC)],
    [3100, transfer('t1', MAC, 'bootloader')],
    [3200, done('t1')],
    [4000, { type: 'dhcp.discover', data: { mac: MAC, family: 4, firmware: 'ipxe' } }],
    [9000, lease(MAC)],
    [9500, lease(OTHER)],
    [10000, transfer('m1', MAC, 'menu')],
    [10100, done('m1')],
    [10200, transfer('k1', MAC, 'kernel')],
    [10300, transfer('i1', MAC, 'initrd')],
    [11000, done('k1')],
    [12000, done('i1')],
    [20000, stage(MAC, 'booted')],
    [20500, stage(OTHER, 'booted')],
    [23000, { type: 'inventory.stored', data: { mac: MAC, sha256: 'x', bytes: 1, summary: {} } } as NewEvent],
    [24000, stage(MAC, 'uploaded')],
  ]);
  const t = chainTimings(events, MAC);
  assert.deepEqual(
    [t.dhcpMs, t.tftpMs, t.ipxeMs, t.menuMs, t.kernelInitrdMs, t.bootedMs, t.collectMs, t.uploadMs],
    [3000, 3200, 4000, 10100, 12000, 20000, 23000, 24000],
  );
  assert.deepEqual(
    t.steps.map((s) => `${s.step}=${s.ms}`),
    [
      'dhcp=3000',
      'tftp=200',
      'ipxe=800',
      'menu=6100',
      'kernel+initrd=1900',
      'booted=8000',
      'collect=3000',
      'upload=1000',
    ],
  );
});

void test('an iPXE ROM chain has no TFTP step; a node without a DISCOVER has no timings', () => {
  const events = recorded([
    [0, { type: 'dhcp.discover', data: { mac: OTHER, family: 4, firmware: 'ipxe' } }],
    [2000, lease(OTHER)],
    [2100, transfer('m', OTHER, 'menu')],
    [2200, done('m')],
  ]);
  const t = chainTimings(events, OTHER);
  assert.equal(t.tftpMs, undefined);
  assert.equal(t.ipxeMs, undefined, 'the ROM is iPXE from the start: no boot loader start step');
  assert.deepEqual(t.steps, [
    { step: 'dhcp', ms: 2000 },
    { step: 'menu', ms: 200 },
  ]);
  assert.deepEqual(chainTimings(events, MAC), { mac: MAC, steps: [] });
});

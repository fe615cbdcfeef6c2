// The firmware a node booted with survives what comes after it: iPXE chainloaded on top of the ROM, then
// a DHCPv6 SOLICIT from the booted live system (firmware unknown) keep "BIOS + iPXE"; a real new boot
// from the ROM replaces it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReconEvent } from '../../src/model/events.js';
import { reduceAll } from '../../src/model/reducer.js';

const mac = '02:1a:b0:00:00:00';
let seq = 0;
const discover = (family: 4 | 6, firmware: string, at = '2026-03-01T09:00:00.000Z') =>
  ({ seq: ++seq, at, type: 'dhcp.discover', data: { mac, family, firmware, arch: 0 } }) as ReconEvent;

test('firmware: the ROM, iPXE on top, then an unknown SOLICIT from the booted system', () => {
  const table: [ReconEvent[], string | undefined, boolean | undefined][] = [
    [[discover(4, 'bios')], 'bios', undefined],
    [[discover(4, 'bios'), discover(4, 'ipxe')], 'bios', true],
    [[discover(4, 'bios'), discover(4, 'ipxe'), discover(6, 'unknown')], 'bios', true],
    // no class, no architecture: not a boot client, no node
    [[discover(6, 'unknown')], undefined, undefined],
    [[discover(6, 'unknown'), discover(4, 'uefi')], 'uefi', undefined],
  ];
  for (const [events, firmware, chainloaded] of table) {
    const n = reduceAll(events).nodes[mac];
    assert.equal(
      n?.firmware,
      firmware,
      events.map((e) => (e.data as { firmware: string }).firmware).join(' → '),
    );
    assert.equal(n?.chainloaded, chainloaded);
  }
});

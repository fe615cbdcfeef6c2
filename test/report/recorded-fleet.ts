// A small recorded fleet for the report tests: three nodes, two with an inventory (one powered off, one
// with a serial that tries to be a formula and HTML), one that only sent a DISCOVER.
import { reduceAll } from '../../src/model/reducer.js';
import type { ReconEvent } from '../../src/model/events.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

export function recordedState() {
  const at = '2026-01-02T03:00:00.000Z';
  const summary = summarizeInventory(sampleInventory());
  let seq = 0;
  const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
  const events: ReconEvent[] = [
    ev('master.started', {
      version: '0.1.0',
      pid: 1,
      names: ['bang'],
      ipv4: '10.99.0.1',
      dataDir: '/export/nodes',
    }),
    ev('lease.granted', {
      mac: '52:54:00:00:00:0b',
      family: 4,
      ip: '10.99.0.11',
      expiresAt: at,
      hostname: 'node-11',
    }),
    ev('inventory.stored', {
      mac: '52:54:00:00:00:0b',
      sha256: 'aa',
      bytes: 10,
      summary: { ...summary, bmc: { ipv4: '10.99.1.11' } },
    }),
    ev('power.state', { mac: '52:54:00:00:00:0b', state: 'off', via: 'agent' }),
    ev('lease.granted', { mac: '52:54:00:00:00:02', family: 4, ip: '10.99.0.2', expiresAt: at }),
    ev('inventory.stored', {
      mac: '52:54:00:00:00:02',
      sha256: 'bb',
      bytes: 10,
      summary: { ...summary, serial: '=cmd|"<b>x</b>"' },
    }),
    ev('dhcp.discover', { mac: '52:54:00:00:00:03', family: 4, firmware: 'uefi' }),
  ];
  return reduceAll(events);
}

export const META = { generatedAt: '2026-01-02T04:00:00.000Z', version: '0.1.0' };

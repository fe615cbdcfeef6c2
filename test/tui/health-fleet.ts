// A small fleet with health verdicts for the console, report and status tests: six Dells, one with a failing
// disk, one whose BIOS drifts from its siblings', one stored before verdicts existed.
import type { ReconEvent } from '../../src/model/events.js';
import { summarizeInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

export const at = '2026-03-01T09:00:00.000Z';
export const mac = (i: number) => `52:54:00:00:00:0${i}`;

/** The sample Dell with 12 pending sectors on its disk. */
export function failingDisk(): Inventory {
  const inv = sampleInventory();
  inv.disks[0]!.smart = { ...inv.disks[0]!.smart!, pendingSectors: 12 };
  return inv;
}

/** The sample Dell with a BIOS none of its siblings has. */
export function otherBios(): Inventory {
  const inv = sampleInventory();
  inv.firmware.version = '2.19.0';
  return inv;
}

/**
 * Six Dells: 1, 3 and 4 healthy, 2 with a failing disk, 5 with another BIOS than the other four that know
 * theirs (drift), 6 stored before verdicts existed (its summary has neither).
 */
export function fleetEvents(): ReconEvent[] {
  let seq = 0;
  const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
  const invs: [number, Inventory][] = [
    [1, sampleInventory()],
    [2, failingDisk()],
    [3, sampleInventory()],
    [4, sampleInventory()],
    [5, otherBios()],
    [6, sampleInventory()],
  ];
  return invs.flatMap(([i, inv]) => {
    // the sample's failed smartctl run is a problem of its own: not the subject here
    const summary = { ...summarizeInventory(inv), toolsFailed: undefined };
    if (i === 6) {
      delete summary.health;
      delete summary.drift;
    }
    return [
      ev('lease.granted', { mac: mac(i), family: 4, ip: `10.0.0.${i}`, expiresAt: at }),
      ev('inventory.stored', { mac: mac(i), sha256: String(i), bytes: 2048, summary }),
    ];
  });
}

export const PENDING = 'disk sda: pending sectors (unreadable, awaiting reallocation): 12';
export const DRIFT = 'node: BIOS: 2.19.0, while 4 of 5 machines of this model have 2.18.1';

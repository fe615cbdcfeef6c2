// Reduces a full inventory to the few facts the console shows per node (InventorySummary), with the node's
// health verdict: the master summarizes every inventory it accepts, so the verdict is its own, never a peer's.
import type { Inventory } from './schema.js';
import {
  assessNode,
  driftFacts,
  summarizeHealth,
  type DriftFacts,
  type HealthSummary,
} from '../health/index.js';

/** What the console needs from an inventory without loading the whole document. */
export interface InventorySummary {
  vendor?: string;
  product?: string;
  serial?: string;
  uuid?: string;
  cpus?: string;
  cpuCount?: number;
  cores?: number;
  memoryBytes?: number;
  dimms?: number;
  disks?: { name: string; model?: string; sizeBytes?: number; health?: string }[];
  nics?: {
    name: string;
    mac: string;
    speedMbps?: number;
    link?: boolean;
    switchName?: string;
    switchPort?: string;
  }[];
  bmc?: { ipv4?: string; ipv6?: string; mac?: string; firmware?: string };
  bootMode?: 'uefi' | 'bios';
  toolsFailed?: string[];
  /** the node's own verdict and its reasons (bounded); absent in summaries stored before verdicts existed */
  health?: HealthSummary;
  /** what fleet drift compares (model and the values of its aspects); absent likewise */
  drift?: DriftFacts;
}

export function summarizeInventory(inv: Inventory): InventorySummary {
  const s: InventorySummary = {};
  const set = <K extends keyof InventorySummary>(k: K, v: InventorySummary[K] | undefined): void => {
    if (v !== undefined) s[k] = v;
  };
  set('vendor', inv.system.vendor);
  set('product', inv.system.product);
  set('serial', inv.system.serial);
  set('uuid', inv.system.uuid);
  set('cpus', inv.cpu.model);
  set('cpuCount', inv.cpu.sockets);
  set('cores', inv.cpu.cores);
  set('memoryBytes', inv.memory.installedBytes ?? inv.memory.totalBytes);
  if (inv.memory.dimms.length > 0) s.dimms = inv.memory.dimms.length;
  s.disks = inv.disks.map((d) => {
    const out: NonNullable<InventorySummary['disks']>[number] = { name: d.name };
    if (d.model !== undefined) out.model = d.model;
    if (d.sizeBytes !== undefined) out.sizeBytes = d.sizeBytes;
    if (d.smart) out.health = d.smart.health;
    return out;
  });
  s.nics = inv.nics
    .filter((n) => n.kind === 'ether' || n.kind === 'bond')
    .map((n) => {
      const out: NonNullable<InventorySummary['nics']>[number] = { name: n.name, mac: n.mac };
      if (n.speedMbps !== undefined) out.speedMbps = n.speedMbps;
      if (n.link !== undefined) out.link = n.link;
      if (n.lldp?.systemName !== undefined) out.switchName = n.lldp.systemName;
      const port = n.lldp?.portId ?? n.lldp?.portDescription;
      if (port !== undefined) out.switchPort = port;
      return out;
    });
  if (inv.bmc.present) {
    const b: NonNullable<InventorySummary['bmc']> = {};
    if (inv.bmc.ipv4 !== undefined) b.ipv4 = inv.bmc.ipv4;
    if (inv.bmc.ipv6[0] !== undefined) b.ipv6 = inv.bmc.ipv6[0];
    if (inv.bmc.mac !== undefined) b.mac = inv.bmc.mac;
    if (inv.bmc.firmware !== undefined) b.firmware = inv.bmc.firmware;
    s.bmc = b;
  }
  if (inv.boot.mode !== 'unknown') s.bootMode = inv.boot.mode;
  const failed = Object.entries(inv.tools)
    .filter(([, t]) => t.status === 'failed' || t.status === 'timeout' || t.status === 'unparsable')
    .map(([id]) => id)
    .sort();
  if (failed.length > 0) s.toolsFailed = failed;
  s.health = summarizeHealth(assessNode(inv));
  s.drift = driftFacts(inv);
  return s;
}

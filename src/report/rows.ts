// The fleet report's content: one row per node, from the state (pure). JSON, CSV and HTML all render
// these rows, so the three formats always say the same thing.
import type { ReconState, NodeRecord } from '../model/reducer.js';
import { STAGE_ORDER, type Stage } from '../model/events.js';

export interface FleetRow {
  mac: string;
  hostname?: string;
  ip4?: string;
  ip6?: string;
  stage: Stage;
  power: string;
  powerDetail?: string;
  firmware?: string;
  bootMode?: string;
  vendor?: string;
  product?: string;
  serial?: string;
  uuid?: string;
  cpu?: string;
  cpuCount?: number;
  cores?: number;
  memoryBytes?: number;
  dimms?: number;
  diskCount?: number;
  diskBytes?: number;
  disks?: string;
  nicCount?: number;
  nics?: string;
  bmcIp?: string;
  bmcMac?: string;
  toolsFailed?: string;
  inventory: boolean;
  inventorySha256?: string;
  inventoryAt?: string;
  firstSeen: string;
  lastSeen: string;
}

export interface ReportMeta {
  generatedAt: string;
  version?: string;
}

export interface FleetReport {
  title: string;
  generatedAt: string;
  version?: string;
  master?: { names: string[]; ipv4: string; ipv6?: string; dataDir: string; startedAt: string };
  totals: { nodes: number; inventoried: number; poweredOff: number; byStage: Partial<Record<Stage, number>> };
  rows: FleetRow[];
}

/** `n` in the largest unit of `units` (each `step` times the one before) that keeps it ≥ 1. */
function scaled(
  n: number | undefined,
  step: number,
  units: readonly string[],
  wholeIfInteger: boolean,
): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return '';
  let v = n;
  let i = 0;
  while (v >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  const whole = v >= 100 || i === 0 || (wholeIfInteger && Number.isInteger(v));
  return `${whole ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "2 × 480 GB" style size, decimal units like disk vendors. Pure. */
export function humanBytes(n: number | undefined): string {
  return scaled(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], false);
}

/** Memory in binary units ("32 GiB"), the way DIMMs are sized; decimal would show 32 GiB as "34.4 GB". Pure. */
export function memorySize(n: number | undefined): string {
  return scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], true);
}

function rowOf(n: NodeRecord): FleetRow {
  const s = n.inventory?.summary;
  const disks = s?.disks ?? [];
  const nics = s?.nics ?? [];
  return {
    mac: n.mac,
    hostname: n.hostname,
    ip4: n.ip4,
    ip6: n.ip6,
    stage: n.stage,
    power: n.power,
    powerDetail: n.powerDetail,
    firmware: n.firmware,
    bootMode: s?.bootMode,
    vendor: s?.vendor,
    product: s?.product,
    serial: s?.serial,
    uuid: s?.uuid,
    cpu: s?.cpus,
    cpuCount: s?.cpuCount,
    cores: s?.cores,
    memoryBytes: s?.memoryBytes,
    dimms: s?.dimms,
    diskCount: s ? disks.length : undefined,
    diskBytes: s ? disks.reduce((a, d) => a + (d.sizeBytes ?? 0), 0) : undefined,
    disks: disks.length
      ? disks
          .map(
            (d) =>
              `${d.name} ${humanBytes(d.sizeBytes)}${d.model ? ` ${d.model}` : ''}${d.health ? ` (${d.health})` : ''}`,
          )
          .join('; ')
      : undefined,
    nicCount: s ? nics.length : undefined,
    nics: nics.length
      ? nics
          .map(
            (x) =>
              `${x.name} ${x.mac}${x.speedMbps ? ` ${x.speedMbps} Mb/s` : ''}${x.switchName ? ` → ${x.switchName}${x.switchPort ? ` ${x.switchPort}` : ''}` : ''}`,
          )
          .join('; ')
      : undefined,
    bmcIp: s?.bmc?.ipv4 ?? s?.bmc?.ipv6,
    bmcMac: s?.bmc?.mac,
    toolsFailed: s?.toolsFailed?.length ? s.toolsFailed.join(' ') : undefined,
    inventory: n.inventory !== undefined,
    inventorySha256: n.inventory?.sha256,
    inventoryAt: n.inventory?.at,
    firstSeen: n.firstSeen,
    lastSeen: n.lastSeen,
  };
}

/** Plain code-unit order: locale collation would put "~" (no address) before the digits. */
const codeOrder = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** Builds the report: rows sorted by IPv4 address (then MAC), the order an operator walks a rack in. Pure. */
export function buildFleetReport(state: ReconState, meta: ReportMeta): FleetReport {
  const ipKey = (ip?: string) =>
    ip
      ? ip
          .split('.')
          .map((p) => p.padStart(3, '0'))
          .join('.')
      : '~';
  const rows = Object.values(state.nodes)
    .map(rowOf)
    .sort((a, b) => codeOrder(ipKey(a.ip4), ipKey(b.ip4)) || codeOrder(a.mac, b.mac));
  const byStage: Partial<Record<Stage, number>> = {};
  for (const st of STAGE_ORDER) {
    const c = rows.filter((r) => r.stage === st).length;
    if (c) byStage[st] = c;
  }
  const m = state.master;
  return {
    title: `recon fleet report${m ? ` — ${m.names[0] ?? 'master'} ${m.ipv4}` : ''}`,
    generatedAt: meta.generatedAt,
    version: meta.version,
    master: m
      ? { names: m.names, ipv4: m.ipv4, ipv6: m.ipv6, dataDir: m.dataDir, startedAt: m.startedAt }
      : undefined,
    totals: {
      nodes: rows.length,
      inventoried: rows.filter((r) => r.inventory).length,
      poweredOff: rows.filter((r) => r.power === 'off').length,
      byStage,
    },
    rows,
  };
}

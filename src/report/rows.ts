// The fleet report's content: one row per node, fleet totals, counts by model and, for a report merged
// from several data dirs, where each node came from and which nodes were seen by more than one master.
// JSON, CSV and HTML all render these rows, so the three formats always say the same thing. Pure.
import type { NodeRecord, ReconState } from '../model/reducer.js';
import { STAGE_ORDER, type Mac, type Stage } from '../model/events.js';
import { cpuText, diskBytes, modelText, nodeProblems } from '../model/fleet.js';
import { fleetHealth, verdictCounts, type HealthSummary, type HealthVerdict } from '../model/health.js';
import { nodeFile } from '../model/data-dir.js';
import { humanBytes } from '../shared/units.js';
import { inventorySections, type DetailSection } from '../shared/inventory/sections.js';
import type { Inventory } from '../shared/inventory/index.js';

/** Bumped when a field of the JSON report changes meaning or goes away (new fields do not bump it). */
export const REPORT_SCHEMA_VERSION = 2;

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
  /** vendor and product: what the counts by model group on */
  model?: string;
  serial?: string;
  uuid?: string;
  cpu?: string;
  /** "2×16 Xeon Gold 6338" */
  cpuSummary?: string;
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
  /** the node's health verdict (with fleet drift); absent without an inventory, or one stored before verdicts */
  health?: HealthVerdict;
  /** why the verdict is not ok: "<component>: <reason>" */
  healthReasons?: string[];
  /** why the node needs a look; empty when it does not */
  problems: string[];
  inventory: boolean;
  inventorySha256?: string;
  inventoryAt?: string;
  /** relative to the report's own folder: nodes/<mac>/inventory.json and raw.tar.gz in the node's data dir */
  inventoryLink?: string;
  rawLink?: string;
  /** the data dir the row comes from (a merged report) */
  source?: string;
  firstSeen: string;
  lastSeen: string;
}

export interface ReportMeta {
  generatedAt: string;
  version?: string;
}

/** A node that more than one data dir knows: which one the report took, and why. */
export interface MergeConflict {
  mac: Mac;
  chosen: string;
  others: string[];
  reason: string;
}

export interface ReportSource {
  /** the data dir as given */
  dir: string;
  /** the data dir relative to where the report is written ('' when the report sits in it) */
  linkBase: string;
  master?: string;
  nodes: number;
}

/** What a report is made of: the (merged) state, the full inventories at hand, and the sources. */
export interface ReportInput {
  state: ReconState;
  inventories?: ReadonlyMap<Mac, Inventory>;
  /** which source each node comes from (index into `sources`); absent: the first */
  sourceOf?: ReadonlyMap<Mac, number>;
  sources?: ReportSource[];
  conflicts?: MergeConflict[];
}

export interface FleetReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  title: string;
  generatedAt: string;
  version?: string;
  master?: { names: string[]; ipv4: string; ipv6?: string; dataDir: string; startedAt: string };
  sources: ReportSource[];
  totals: {
    nodes: number;
    expected?: number;
    inventoried: number;
    poweredOff: number;
    problems: number;
    /** inventoried nodes per verdict (`unknown`: stored before verdicts existed) */
    health: Record<HealthVerdict | 'unknown', number>;
    cores: number;
    memoryBytes: number;
    diskBytes: number;
    byStage: Partial<Record<Stage, number>>;
  };
  byModel: { model: string; count: number }[];
  conflicts: MergeConflict[];
  rows: FleetRow[];
}

const join = (base: string, rel: string): string => (base ? `${base.replace(/\/+$/, '')}/${rel}` : rel);

function rowOf(
  n: NodeRecord,
  health: HealthSummary | undefined,
  source: ReportSource | undefined,
  merged: boolean,
): FleetRow {
  const s = n.inventory?.summary;
  const disks = s?.disks ?? [];
  const nics = s?.nics ?? [];
  const base = source?.linkBase ?? '';
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
    model: modelText(s) || undefined,
    serial: s?.serial,
    uuid: s?.uuid,
    cpu: s?.cpus,
    cpuSummary: cpuText(s) || undefined,
    cpuCount: s?.cpuCount,
    cores: s?.cores,
    memoryBytes: s?.memoryBytes,
    dimms: s?.dimms,
    diskCount: s ? disks.length : undefined,
    diskBytes: s ? diskBytes(s) : undefined,
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
    health: health?.verdict,
    healthReasons: health?.reasons.length ? health.reasons : undefined,
    problems: nodeProblems(n, health),
    inventory: n.inventory !== undefined,
    inventorySha256: n.inventory?.sha256,
    inventoryAt: n.inventory?.at,
    inventoryLink: n.inventory ? join(base, nodeFile(n.mac, 'inventory.json')) : undefined,
    rawLink: n.raw ? join(base, nodeFile(n.mac, 'raw.tar.gz')) : undefined,
    source: merged ? source?.dir : undefined,
    firstSeen: n.firstSeen,
    lastSeen: n.lastSeen,
  };
}

/** Plain code-unit order: locale collation would put "~" (no address) before the digits. */
const codeOrder = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
const ipKey = (ip?: string): string =>
  ip
    ? ip
        .split('.')
        .map((p) => p.padStart(3, '0'))
        .join('.')
    : '~';

/**
 * Builds the report: nodes with a problem first, then by IPv4 address (then MAC), the order an
 * operator walks a rack in. Pure.
 */
export function buildFleetReport(input: ReportInput | ReconState, meta: ReportMeta): FleetReport {
  const {
    state,
    sourceOf,
    conflicts = [],
  } = 'state' in input ? input : { state: input, sourceOf: undefined };
  const sources = 'state' in input && input.sources ? input.sources : [];
  const merged = sources.length > 1;
  const health = fleetHealth(state);
  const rows = Object.values(state.nodes)
    .map((n) => rowOf(n, health.get(n.mac), sources[sourceOf?.get(n.mac) ?? 0], merged))
    .sort(
      (a, b) =>
        Number(b.problems.length > 0) - Number(a.problems.length > 0) ||
        codeOrder(ipKey(a.ip4), ipKey(b.ip4)) ||
        codeOrder(a.mac, b.mac),
    );
  const byStage: Partial<Record<Stage, number>> = {};
  for (const st of STAGE_ORDER) {
    const c = rows.filter((r) => r.stage === st).length;
    if (c) byStage[st] = c;
  }
  const models = new Map<string, number>();
  for (const r of rows) if (r.model) models.set(r.model, (models.get(r.model) ?? 0) + 1);
  const byModel = [...models]
    .map(([model, count]) => ({ model, count }))
    .sort((a, b) => b.count - a.count || codeOrder(a.model, b.model));
  const m = state.master;
  const sum = (f: (r: FleetRow) => number | undefined) => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: merged
      ? `recon fleet report — ${sources.length} data dirs merged`
      : `recon fleet report${m ? ` — ${m.names[0] ?? 'master'} ${m.ipv4}` : ''}`,
    generatedAt: meta.generatedAt,
    version: meta.version,
    master:
      m && !merged
        ? { names: m.names, ipv4: m.ipv4, ipv6: m.ipv6, dataDir: m.dataDir, startedAt: m.startedAt }
        : undefined,
    sources,
    totals: {
      nodes: rows.length,
      expected: state.expectedNodes,
      inventoried: rows.filter((r) => r.inventory).length,
      poweredOff: rows.filter((r) => r.power === 'off').length,
      problems: rows.filter((r) => r.problems.length > 0).length,
      health: verdictCounts(state, health),
      cores: sum((r) => r.cores),
      memoryBytes: sum((r) => r.memoryBytes),
      diskBytes: sum((r) => r.diskBytes),
      byStage,
    },
    byModel,
    conflicts,
    rows,
  };
}

/** Each node's detail sections (from its inventory.json when at hand), for the HTML report. Pure. */
export function detailSections(input: ReportInput | ReconState): Map<Mac, DetailSection[]> {
  const { state, inventories } = 'state' in input ? input : { state: input, inventories: undefined };
  const out = new Map<Mac, DetailSection[]>();
  for (const n of Object.values(state.nodes))
    out.set(n.mac, inventorySections(inventories?.get(n.mac), n.inventory?.summary));
  return out;
}

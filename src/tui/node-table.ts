// The Nodes screen as data: filter, sort, column layout and one fixed-width text line per node.
// Pure; the component only slices the visible window and colours it, which keeps 1 000 nodes cheap.
import { STAGE_ORDER, type Firmware, type Mac, type Stage } from '../model/events.js';
import type { NodeRecord, ReconState, Transfer } from '../model/reducer.js';
import { cpuText, diskBytes, disksText, memoryText, modelText, nodeProblems } from '../model/fleet.js';
import { VERDICTS, type HealthSummary, type HealthVerdict } from '../model/health.js';
import { humanBytes } from '../shared/units.js';
import { clean, fit, fmtElapsed, ipSortKey, type Glyphs } from './format.js';

export type SortKey =
  | 'ip'
  | 'mac'
  | 'stage'
  | 'name'
  | 'system'
  | 'cpu'
  | 'ram'
  | 'disks'
  | 'failed'
  | 'health'
  | 'power'
  | 'bmc'
  | 'serial';

/** Each node's health as the fleet sees it (fleetHealth), by MAC. */
export type HealthByMac = ReadonlyMap<Mac, HealthSummary>;

/** The quick filters: one key each, shown in the tab bar while on. */
export type QuickFilter = 'problems' | 'waiting' | 'noInventory';
export const QUICK_FILTER_LABEL: Record<QuickFilter, string> = {
  problems: 'problems only',
  waiting: 'waiting for shutdown',
  noInventory: 'no inventory yet',
};

export type Tone = 'busy' | 'ok' | 'done' | 'warn' | 'idle';

/** A verdict's colour by tone: ok green, warn yellow, fail red (the colour of a problem). */
const VERDICT_TONE: Record<HealthVerdict, Tone> = { ok: 'ok', warn: 'busy', fail: 'warn' };

export function verdictTone(v: HealthVerdict): Tone {
  return VERDICT_TONE[v];
}

const TRANSFER_STAGES: ReadonlySet<Stage> = new Set<Stage>(['tftp', 'menu', 'kernel', 'initrd', 'image']);

export function toneOf(stage: Stage): Tone {
  if (stage === 'uploaded' || stage === 'waiting') return 'ok';
  if (stage === 'powering-off' || stage === 'powered-off') return 'done';
  if (stage === 'released') return 'warn';
  if (stage === 'discovered') return 'idle';
  return 'busy';
}

const FIRMWARE_LABEL: Record<Firmware, string> = {
  bios: 'BIOS',
  uefi: 'UEFI',
  'uefi-http': 'UHTTP',
  ipxe: 'iPXE',
  unknown: '?',
};
const POWER_LABEL: Record<NodeRecord['power'], string> = {
  on: 'on',
  off: 'off',
  'powering-off': 'down',
  unknown: '?',
};

const systemText = (n: NodeRecord): string => modelText(n.inventory?.summary);

/** The active transfer of each node (by MAC, else by the node's IPv4), newest wins. */
export function activeTransfers(state: ReconState): Map<Mac, Transfer> {
  const byIp = new Map<string, Mac>();
  for (const n of Object.values(state.nodes)) if (n.ip4) byIp.set(n.ip4, n.mac);
  const out = new Map<Mac, Transfer>();
  for (const t of Object.values(state.transfers)) {
    if (t.state !== 'active') continue;
    const mac = t.mac ?? byIp.get(t.ip);
    if (!mac) continue;
    const prev = out.get(mac);
    if (!prev || prev.startedAt <= t.startedAt) out.set(mac, t);
  }
  return out;
}

/** "kernel 45% 12s", "image 310M 2m", "collecting 3m". */
export function stageCell(n: NodeRecord, t: Transfer | undefined, now: number): string {
  const elapsed = fmtElapsed(now - Date.parse(n.stageAt));
  if (t && TRANSFER_STAGES.has(n.stage)) {
    const amount = t.size ? `${Math.floor((100 * t.bytes) / t.size)}%` : humanBytes(t.bytes);
    return `${n.stage} ${amount} ${elapsed}`;
  }
  return `${n.stage} ${elapsed}`;
}

function haystack(n: NodeRecord): string {
  const s = n.inventory?.summary;
  return [
    n.mac,
    n.ip4,
    n.ip6,
    n.hostname,
    n.stage,
    s?.vendor,
    s?.product,
    s?.serial,
    s?.cpus,
    s?.bmc?.ipv4,
    s?.bmc?.ipv6,
    s?.health?.verdict,
  ]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

const QUICK: Record<QuickFilter, (n: NodeRecord, health?: HealthByMac) => boolean> = {
  problems: (n, health) => nodeProblems(n, health?.get(n.mac)).length > 0,
  waiting: (n) => n.stage === 'waiting',
  noInventory: (n) => n.inventory === undefined,
};

/**
 * Keeps nodes matching the quick filter, if any, and every word of the filter (case-insensitive substrings).
 * `health`: the fleet's verdicts, so a node that only drifts counts as a problem too.
 */
export function filterNodes(
  nodes: NodeRecord[],
  filter: string,
  quick?: QuickFilter,
  health?: HealthByMac,
): NodeRecord[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const keep = quick ? QUICK[quick] : undefined;
  if (words.length === 0 && !keep) return nodes;
  return nodes.filter((n) => {
    if (keep && !keep(n, health)) return false;
    const h = words.length ? haystack(n) : '';
    return words.every((w) => h.includes(w));
  });
}

const failedCount = (n: NodeRecord): number => n.inventory?.summary.toolsFailed?.length ?? 0;

/** What each sort key orders by; undefined (not known yet) sorts last in either direction. */
const SORT_VALUE: Record<SortKey, (n: NodeRecord, health?: HealthByMac) => number | string | undefined> = {
  ip: (n) => (n.ip4 ? ipSortKey(n.ip4) : undefined),
  mac: () => 0,
  stage: (n) => STAGE_ORDER.indexOf(n.stage),
  name: (n) => n.hostname?.toLowerCase(),
  system: (n) => systemText(n).toLowerCase() || undefined,
  cpu: (n) => n.inventory?.summary.cores,
  ram: (n) => n.inventory?.summary.memoryBytes,
  disks: (n) => (n.inventory ? diskBytes(n.inventory.summary) : undefined),
  // most failures first
  failed: (n) => -failedCount(n),
  // fail first, then warn, then ok
  health: (n, health) => {
    const v = health?.get(n.mac)?.verdict ?? n.inventory?.summary.health?.verdict;
    return v === undefined ? undefined : VERDICTS.indexOf(v);
  },
  power: (n) => n.power,
  bmc: (n) => (n.inventory?.summary.bmc?.ipv4 ? ipSortKey(n.inventory.summary.bmc.ipv4) : undefined),
  serial: (n) => n.inventory?.summary.serial,
};

/** Sorted copy; ties (and the `mac` key) fall back to MAC order so rows never jump around. */
export function sortNodes(
  nodes: NodeRecord[],
  key: SortKey,
  reverse: boolean,
  health?: HealthByMac,
): NodeRecord[] {
  const value = SORT_VALUE[key];
  const sign = reverse ? -1 : 1;
  return nodes
    .map((n) => ({ n, v: value(n, health) }))
    .sort((a, b) => {
      if ((a.v === undefined) !== (b.v === undefined)) return a.v === undefined ? 1 : -1;
      const c = a.v === undefined || b.v === undefined || a.v === b.v ? 0 : a.v < b.v ? -1 : 1;
      return sign * c || (a.n.mac < b.n.mac ? -1 : a.n.mac > b.n.mac ? 1 : 0);
    })
    .map((x) => x.n);
}

export type ColumnId =
  | 'mac'
  | 'ip'
  | 'name'
  | 'fw'
  | 'stage'
  | 'system'
  | 'cpu'
  | 'ram'
  | 'disks'
  | 'health'
  | 'failed'
  | 'serial'
  | 'bmc'
  | 'power';

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  sort?: SortKey;
  /** the letter that sorts by this column after `o` */
  letter?: string;
}

/** Columns by importance; `system` takes whatever width is left. */
const CANDIDATES: readonly Column[] = [
  { id: 'mac', title: 'MAC', width: 17, sort: 'mac', letter: 'm' },
  { id: 'stage', title: 'STAGE', width: 17, sort: 'stage', letter: 's' },
  { id: 'ip', title: 'IP', width: 15, sort: 'ip', letter: 'i' },
  { id: 'system', title: 'SYSTEM', width: 12, sort: 'system', letter: 'y' },
  { id: 'ram', title: 'RAM', width: 7, sort: 'ram', letter: 'r' },
  { id: 'disks', title: 'DISKS', width: 10, sort: 'disks', letter: 'd' },
  { id: 'health', title: 'HEALTH', width: 6, sort: 'health', letter: 'h' },
  { id: 'cpu', title: 'CPU', width: 22, sort: 'cpu', letter: 'c' },
  { id: 'failed', title: 'FAILED', width: 12, sort: 'failed', letter: 'f' },
  { id: 'fw', title: 'FW', width: 5 },
  { id: 'power', title: 'PWR', width: 4, sort: 'power', letter: 'p' },
  { id: 'name', title: 'NAME', width: 12, sort: 'name', letter: 'n' },
  { id: 'bmc', title: 'BMC', width: 15, sort: 'bmc', letter: 'b' },
  { id: 'serial', title: 'SERIAL', width: 12, sort: 'serial', letter: 'e' },
];
const DISPLAY_ORDER: readonly ColumnId[] = [
  'mac',
  'ip',
  'name',
  'fw',
  'stage',
  'system',
  'cpu',
  'ram',
  'disks',
  'health',
  'failed',
  'serial',
  'bmc',
  'power',
];

/** The sort key a letter picks after `o`, among every column that can sort. */
export function sortKeyForLetter(letter: string): SortKey | undefined {
  return CANDIDATES.find((c) => c.letter === letter)?.sort;
}

/** "m mac  s stage  i ip ...": the letters `o` waits for. */
export function sortLettersText(): string {
  return CANDIDATES.filter((c) => c.letter)
    .map((c) => `${c.letter} ${c.sort}`)
    .join('  ');
}

/**
 * The columns that fit in `width`, in display order, separated by one space. NAME only when some
 * node has one (`withNames`): an always-empty column would only take room.
 */
export function layoutColumns(width: number, withNames = true): Column[] {
  const chosen: Column[] = [];
  let used = -1;
  for (const c of CANDIDATES) {
    if (c.id === 'name' && !withNames) continue;
    if (used + 1 + c.width > width) continue;
    chosen.push({ ...c });
    used += 1 + c.width;
  }
  const system = chosen.find((c) => c.id === 'system');
  if (system) system.width += Math.max(0, width - used);
  return DISPLAY_ORDER.map((id) => chosen.find((c) => c.id === id)).filter(
    (c): c is Column => c !== undefined,
  );
}

export function headerText(cols: Column[], sort: SortKey, reverse: boolean, g: Glyphs): string {
  return cols
    .map((c) => fit(c.sort === sort ? `${c.title}${reverse ? g.down : g.up}` : c.title, c.width, g))
    .join(' ');
}

function cell(
  n: NodeRecord,
  id: ColumnId,
  t: Transfer | undefined,
  now: number,
  g: Glyphs,
  health: HealthSummary | undefined,
): string {
  const s = n.inventory?.summary;
  switch (id) {
    case 'mac':
      return n.mac;
    case 'ip':
      return n.ip4 ?? n.ip6 ?? '';
    case 'name':
      return n.hostname ?? '';
    case 'fw':
      // BIOS+ / UEFI+: the ROM chainloaded iPXE
      return n.firmware ? FIRMWARE_LABEL[n.firmware] + (n.chainloaded ? '+' : '') : '';
    case 'stage':
      return stageCell(n, t, now);
    case 'system':
      return systemText(n);
    case 'cpu':
      return cpuText(s, g.times);
    case 'ram':
      return memoryText(s);
    case 'disks':
      return disksText(s);
    case 'health':
      // an inventory without a verdict (stored before verdicts existed) is a dash, never a blank that reads as fine
      return (health ?? s?.health)?.verdict ?? (n.inventory ? g.dash : '');
    case 'failed':
      return s?.toolsFailed?.join(',') ?? '';
    case 'serial':
      return s?.serial ?? '';
    case 'bmc':
      return s?.bmc?.ipv4 ?? s?.bmc?.ipv6 ?? '';
    case 'power':
      return POWER_LABEL[n.power];
  }
}

export function rowText(
  n: NodeRecord,
  cols: Column[],
  t: Transfer | undefined,
  now: number,
  g: Glyphs,
  ascii: boolean,
  health?: HealthSummary,
): string {
  return cols.map((c) => fit(clean(cell(n, c.id, t, now, g, health), ascii), c.width, g)).join(' ');
}

/** Where a column's cell sits in a row (characters, as rowText lays them out), if it is shown. Pure. */
export function columnSpan(cols: Column[], id: ColumnId): { from: number; to: number } | undefined {
  let from = 0;
  for (const c of cols) {
    if (c.id === id) return { from, to: from + c.width };
    from += c.width + 1;
  }
  return undefined;
}

// The Nodes screen as data: filter, sort, column layout and one fixed-width text line per node.
// Pure; the component only slices the visible window and colours it, which keeps 1 000 nodes cheap.
import { STAGE_ORDER, type Firmware, type Mac, type Stage } from '../model/events.js';
import type { NodeRecord, ReconState, Transfer } from '../model/reducer.js';
import { clean, fit, fmtBytes, fmtElapsed, ipSortKey, type Glyphs } from './format.js';

export type SortKey = 'ip' | 'mac' | 'stage' | 'name' | 'system' | 'seen';
export const SORT_KEYS: readonly SortKey[] = ['ip', 'mac', 'stage', 'name', 'system', 'seen'];

export type Tone = 'busy' | 'ok' | 'done' | 'warn' | 'idle';

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

function systemText(n: NodeRecord): string {
  const s = n.inventory?.summary;
  return s ? [s.vendor, s.product].filter(Boolean).join(' ') : '';
}

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
    const amount = t.size ? `${Math.floor((100 * t.bytes) / t.size)}%` : fmtBytes(t.bytes);
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
    s?.bmc?.ipv4,
    s?.bmc?.ipv6,
  ]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

/** Keeps nodes matching every word of the filter (case-insensitive substrings). */
export function filterNodes(nodes: NodeRecord[], filter: string): NodeRecord[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return nodes;
  return nodes.filter((n) => {
    const h = haystack(n);
    return words.every((w) => h.includes(w));
  });
}

const COMPARE: Record<SortKey, (a: NodeRecord, b: NodeRecord) => number> = {
  ip: (a, b) => ipSortKey(a.ip4) - ipSortKey(b.ip4),
  mac: () => 0,
  stage: (a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage),
  name: (a, b) => (a.hostname ?? '\uffff').localeCompare(b.hostname ?? '\uffff'),
  system: (a, b) => (systemText(a) || '\uffff').localeCompare(systemText(b) || '\uffff'),
  seen: (a, b) => b.lastSeen.localeCompare(a.lastSeen),
};

/** Sorted copy; ties (and the `mac` key) fall back to MAC order so rows never jump around. */
export function sortNodes(nodes: NodeRecord[], key: SortKey, reverse: boolean): NodeRecord[] {
  const cmp = COMPARE[key];
  const sign = reverse ? -1 : 1;
  return [...nodes].sort((a, b) => sign * (cmp(a, b) || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0)));
}

export type ColumnId = 'mac' | 'ip' | 'name' | 'fw' | 'stage' | 'system' | 'serial' | 'bmc' | 'power';

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  sort?: SortKey;
}

/** Columns by importance; `system` takes whatever width is left. */
const CANDIDATES: readonly Column[] = [
  { id: 'mac', title: 'MAC', width: 17, sort: 'mac' },
  { id: 'stage', title: 'STAGE', width: 17, sort: 'stage' },
  { id: 'ip', title: 'IP', width: 15, sort: 'ip' },
  { id: 'system', title: 'SYSTEM', width: 12, sort: 'system' },
  { id: 'fw', title: 'FW', width: 5 },
  { id: 'power', title: 'PWR', width: 4 },
  { id: 'name', title: 'NAME', width: 12, sort: 'name' },
  { id: 'bmc', title: 'BMC', width: 15 },
  { id: 'serial', title: 'SERIAL', width: 12 },
];
const DISPLAY_ORDER: readonly ColumnId[] = [
  'mac',
  'ip',
  'name',
  'fw',
  'stage',
  'system',
  'serial',
  'bmc',
  'power',
];

/** The columns that fit in `width`, in display order, separated by one space. */
export function layoutColumns(width: number): Column[] {
  const chosen: Column[] = [];
  let used = -1;
  for (const c of CANDIDATES) {
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

function cell(n: NodeRecord, id: ColumnId, t: Transfer | undefined, now: number): string {
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
): string {
  return cols.map((c) => fit(clean(cell(n, c.id, t, now), ascii), c.width, g)).join(' ');
}

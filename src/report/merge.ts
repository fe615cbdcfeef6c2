// One report from several data dirs (one master per network segment, or a stick read twice): nodes are
// merged by MAC. A node that more than one dir knows is taken from the dir with its newest inventory (or,
// with no inventory anywhere, the one that saw it last), and the conflict is named in the report. Pure.
import type { Mac } from '../model/events.js';
import { initialState, type NodeRecord } from '../model/reducer.js';
import type { Inventory } from '../shared/inventory/index.js';
import type { MergeConflict, ReportInput, ReportSource } from './rows.js';

export interface MergeSource {
  dir: string;
  linkBase: string;
  state: ReportInput['state'];
  inventories: ReadonlyMap<Mac, Inventory>;
}

/** Newest inventory first; without one, newest sighting first. Negative when `a` should win. */
function newer(a: NodeRecord, b: NodeRecord): number {
  const ai = a.inventory?.at ?? '';
  const bi = b.inventory?.at ?? '';
  if (ai !== bi) return ai > bi ? -1 : 1;
  return a.lastSeen === b.lastSeen ? 0 : a.lastSeen > b.lastSeen ? -1 : 1;
}

function conflictReason(chosen: NodeRecord, others: NodeRecord[]): string {
  if (!chosen.inventory) return 'no inventory in any data dir: the latest sighting is shown';
  const differing = others.filter((o) => o.inventory && o.inventory.sha256 !== chosen.inventory?.sha256);
  const older = others.filter((o) => !o.inventory);
  const parts = [`newest inventory (${chosen.inventory.at})`];
  if (differing.length) parts.push(`${differing.length} older, different inventory(ies) not shown`);
  else if (others.some((o) => o.inventory)) parts.push('the same inventory elsewhere');
  if (older.length) parts.push(`${older.length} without an inventory`);
  return parts.join('; ');
}

export function mergeSources(sources: readonly MergeSource[]): ReportInput {
  const state = initialState();
  const inventories = new Map<Mac, Inventory>();
  const sourceOf = new Map<Mac, number>();
  const seenIn = new Map<Mac, number[]>();
  sources.forEach((src, i) => {
    for (const mac of Object.keys(src.state.nodes)) seenIn.set(mac, [...(seenIn.get(mac) ?? []), i]);
  });
  const conflicts: MergeConflict[] = [];
  for (const [mac, where] of seenIn) {
    const ranked = [...where].sort(
      (a, b) => newer(sources[a]!.state.nodes[mac]!, sources[b]!.state.nodes[mac]!) || a - b,
    );
    const best = ranked[0]!;
    const chosen = sources[best]!.state.nodes[mac]!;
    state.nodes[mac] = chosen;
    sourceOf.set(mac, best);
    const inv = sources[best]!.inventories.get(mac);
    if (inv) inventories.set(mac, inv);
    if (ranked.length > 1)
      conflicts.push({
        mac,
        chosen: sources[best]!.dir,
        others: ranked.slice(1).map((i) => sources[i]!.dir),
        reason: conflictReason(
          chosen,
          ranked.slice(1).map((i) => sources[i]!.state.nodes[mac]!),
        ),
      });
  }
  conflicts.sort((a, b) => (a.mac < b.mac ? -1 : 1));
  const expected = sources.map((s) => s.state.expectedNodes);
  if (expected.some((e) => e !== undefined))
    state.expectedNodes = expected.reduce<number>((a, e) => a + (e ?? 0), 0);
  if (sources.length === 1 && sources[0]!.state.master) state.master = sources[0]!.state.master;
  const reportSources: ReportSource[] = sources.map((s) => ({
    dir: s.dir,
    linkBase: s.linkBase,
    master: s.state.master ? `${s.state.master.names[0] ?? 'master'} ${s.state.master.ipv4}` : undefined,
    nodes: Object.keys(s.state.nodes).length,
  }));
  return { state, inventories, sourceOf, sources: reportSources, conflicts };
}

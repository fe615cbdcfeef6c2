// The Leases, Boots, Log and node-detail screens as lines of text. Pure; each line carries the MAC
// it is about (so Enter can open that node) and a tone for colour.
import type { Mac, ReconEvent } from '../model/events.js';
import type { NodeRecord, ReconState } from '../model/reducer.js';
import { describeEvent, eventLineText, type EventLine } from './describe-event.js';
import { bar, clean, fit, fitTail, fmtElapsed, fmtTimeOf, ipSortKey, type Glyphs } from './format.js';
import { nodeProblems } from '../model/fleet.js';
import { humanBytes } from '../shared/units.js';
import { inventorySections } from '../shared/inventory/sections.js';
import type { Inventory } from '../shared/inventory/index.js';
import { toneOf, verdictTone, type Tone } from './node-table.js';
import type { HealthSummary } from '../model/health.js';
import { applyEvent, initialState } from '../model/reducer.js';

export interface Line {
  text: string;
  tone?: Tone;
  mac?: Mac;
}

export const LEASE_HEADER = ['v', 'ADDRESS', 'MAC', 'NAME', 'EXPIRES'];

/** Leases, v4 then v6, by address; `expires` is relative to now. */
export function leaseLines(
  state: ReconState,
  now: number,
  width: number,
  g: Glyphs,
  ascii: boolean,
): { header: string; lines: Line[] } {
  const rows: { fam: 4 | 6; ip: string; mac: Mac; name: string; expiresAt: string }[] = [];
  for (const n of Object.values(state.nodes)) {
    if (n.lease4)
      rows.push({
        fam: 4,
        ip: n.lease4.ip,
        mac: n.mac,
        name: n.lease4.hostname ?? n.hostname ?? '',
        expiresAt: n.lease4.expiresAt,
      });
    if (n.lease6)
      rows.push({
        fam: 6,
        ip: n.lease6.ip,
        mac: n.mac,
        name: n.hostname ?? '',
        expiresAt: n.lease6.expiresAt,
      });
  }
  rows.sort((a, b) => a.fam - b.fam || ipSortKey(a.ip) - ipSortKey(b.ip) || a.ip.localeCompare(b.ip));
  const ipW = Math.max(15, Math.min(39, width - 2 - 18 - 13 - 14));
  const nameW = Math.max(4, width - 2 - ipW - 1 - 18 - 14);
  const fmt = (c: string[]) =>
    [
      fit(c[0] ?? '', 1, g),
      fit(c[1] ?? '', ipW, g),
      fit(c[2] ?? '', 17, g),
      fit(c[3] ?? '', nameW, g),
      fit(c[4] ?? '', 13, g),
    ].join(' ');
  const lines = rows.map((r) => {
    const left = Date.parse(r.expiresAt) - now;
    const expires = left > 0 ? `in ${fmtElapsed(left)}` : 'expired';
    return {
      text: fmt([String(r.fam), r.ip, r.mac, clean(r.name, ascii), expires]),
      tone: left > 0 ? ('ok' as const) : ('warn' as const),
      mac: r.mac,
    };
  });
  return { header: fmt(LEASE_HEADER), lines };
}

/** Transfers: active ones first (newest first), then finished ones (newest first). */
export function transferLines(
  state: ReconState,
  now: number,
  width: number,
  g: Glyphs,
  ascii: boolean,
): { header: string; lines: Line[] } {
  const all = Object.values(state.transfers);
  const order = (s: string) => (s === 'active' ? 0 : 1);
  all.sort((a, b) => order(a.state) - order(b.state) || b.startedAt.localeCompare(a.startedAt));
  // seven columns, six separating spaces
  const fileW = Math.max(8, width - (4 + 6 + 17 + 15 + 10 + 8 + 6));
  const fmt = (c: string[]) =>
    [
      fit(c[0] ?? '', 4, g),
      fit(c[1] ?? '', 6, g),
      fit(c[2] ?? '', 17, g),
      fitTail(c[3] ?? '', fileW, g),
      fit(c[4] ?? '', 15, g),
      fit(c[5] ?? '', 10, g),
      fit(c[6] ?? '', 8, g),
    ].join(' ');
  const lines = all.map((t) => {
    const frac = t.size ? t.bytes / t.size : undefined;
    const amount = `${humanBytes(t.bytes)}/${t.size !== undefined ? humanBytes(t.size) : '?'}`;
    const progress = t.state === 'failed' ? 'FAILED' : frac !== undefined ? bar(frac, 10, g) : t.state;
    const time =
      t.state === 'active'
        ? fmtElapsed(now - Date.parse(t.startedAt))
        : t.ms !== undefined
          ? `${(t.ms / 1000).toFixed(1)}s`
          : '';
    const tone: Tone = t.state === 'failed' ? 'warn' : t.state === 'active' ? 'busy' : 'ok';
    return {
      text: fmt([t.proto, t.state, t.mac ?? t.ip, clean(t.file, ascii), amount, progress, time]),
      tone,
      mac: t.mac,
    };
  });
  return { header: fmt(['PROT', 'STATE', 'PEER', 'FILE', 'BYTES', 'PROGRESS', 'TIME']), lines };
}

/** The event log, newest first. */
export function logLines(log: readonly EventLine[], ascii: boolean): Line[] {
  const out: Line[] = [];
  for (let i = log.length - 1; i >= 0; i--) {
    const l = log[i]!;
    out.push({ text: clean(eventLineText(l), ascii), mac: l.mac === '-' ? undefined : l.mac });
  }
  return out;
}

/**
 * The node detail: identity, stage, problems, the inventory's sections (from inventory.json when the
 * console could read it, else from the summary), then the node's own events (newest first).
 */
export function detailLines(
  node: NodeRecord | undefined,
  mac: Mac,
  /** the node's verdict as the fleet sees it (with drift), every reason when the inventory file was at hand */
  health: HealthSummary | undefined,
  inventory: Inventory | undefined,
  events: readonly ReconEvent[],
  now: number,
  ascii: boolean,
): Line[] {
  if (!node) return [{ text: `${mac}: not known to the master`, tone: 'warn' }];
  const out: Line[] = [];
  const push = (text: string, tone?: Tone) => out.push({ text: clean(text, ascii), tone });
  push(`${node.mac}  ${node.hostname ?? ''}  IPv4 ${node.ip4 ?? '-'}  IPv6 ${node.ip6 ?? '-'}`);
  push(
    `stage ${node.stage}${node.stageDetail ? ` (${node.stageDetail})` : ''} for ${fmtElapsed(now - Date.parse(node.stageAt))}  ` +
      `firmware ${node.firmware ?? '?'}${node.chainloaded ? ' + iPXE' : ''}${node.bootChain ? `  chain ${node.bootChain}` : ''}  power ${node.power}${node.pendingCommand ? `  pending: ${node.pendingCommand}` : ''}`,
    toneOf(node.stage),
  );
  if (node.bootRefused) push(`firmware refused ${node.bootRefused.file} — ${node.bootRefused.hint}`, 'warn');
  // an inventory stored before verdicts existed has none: its HEALTH cell is a dash, no line here
  if (health) {
    push(`health ${health.verdict.toUpperCase()}`, verdictTone(health.verdict));
    for (const r of health.reasons) push(`  ${r}`, verdictTone(health.verdict));
  }
  // the other problems (failed tools, power): the verdict's reasons are listed above
  for (const p of nodeProblems(node, health && { ...health, reasons: [] })) push(`problem: ${p}`, 'warn');
  const inv = node.inventory;
  if (!inv) push('inventory: not uploaded yet');
  else {
    push(
      `inventory ${humanBytes(inv.bytes)} stored ${fmtTimeOf(inv.at)} sha256 ${inv.sha256.slice(0, 16)}` +
        (inventory ? '' : '  (summary only: inventory.json not readable here)'),
    );
    for (const sec of inventorySections(inventory, inv.summary)) {
      push(`${sec.title}`, 'ok');
      for (const l of sec.lines) push(`  ${l.text}`, l.warn ? 'warn' : undefined);
    }
  }
  push(`events (${events.length}, newest first):`);
  // describe each event against a scratch state rebuilt from the node's own history
  const scratch = initialState();
  const described = events.map((ev) => {
    applyEvent(scratch, ev);
    return describeEvent(ev, scratch);
  });
  for (let i = described.length - 1; i >= 0; i--) {
    const l = described[i]!;
    push(`  ${l.time} ${l.stage} ${l.detail}`);
  }
  return out;
}

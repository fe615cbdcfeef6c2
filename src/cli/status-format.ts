// Turns a state snapshot into the `recon status` summary (text or JSON). Pure.
import type { ReconState } from '../model/reducer.js';
import { countByStage } from '../model/reducer.js';
import { STAGE_ORDER } from '../model/events.js';
import { describeStorage } from '../model/space.js';
import { fleetHealth, healthText, verdictCounts, type HealthVerdict } from '../model/health.js';
import { modelText } from '../model/fleet.js';
import { clean } from '../tui/format.js';

/** Failing nodes the text output names one by one; the JSON has them all. */
export const STATUS_FAILING_SHOWN = 20;

export interface StatusSummary {
  version: string;
  master?: { names: string[]; ipv4: string; ipv6?: string; dataDir: string; startedAt: string; pid: number };
  services: Record<string, { state: string; detail?: string }>;
  nodes: number;
  stages: Record<string, number>;
  inventories: number;
  rogueDhcp: { serverId: string; serverMac?: string; offeredIp?: string }[];
  /** nodes per boot chain handed out (ipxe, shim-grub) */
  bootChains: Record<string, number>;
  /** nodes whose firmware refused its boot file, with the likely fix */
  bootRefused: { mac: string; file: string; hint: string }[];
  /** the data partition as last measured (bytes); `full` when raw archives are refused */
  storage?: { full: boolean; freeBytes: number; totalBytes: number; reserveBytes: number; detail?: string };
  /** nodes whose power state is unknown after a power action, and why (a refused BMC, a failed IPMI call) */
  powerUnknown: { mac: string; detail: string }[];
  /** inventoried nodes per health verdict; `unknown`: inventories stored before verdicts existed */
  health: Record<HealthVerdict | 'unknown', number>;
  /** the nodes whose verdict is fail, with their reasons, by MAC */
  failing: { mac: string; ip?: string; model?: string; reasons: string[] }[];
}

export function summarize(state: ReconState, version: string): StatusSummary {
  const counts = countByStage(state);
  const stages: Record<string, number> = {};
  for (const s of STAGE_ORDER) if (counts[s]) stages[s] = counts[s];
  const services: StatusSummary['services'] = {};
  for (const [k, v] of Object.entries(state.services))
    services[k] = v.detail ? { state: v.state, detail: v.detail } : { state: v.state };
  const m = state.master;
  const health = fleetHealth(state);
  return {
    version,
    master: m && {
      names: m.names,
      ipv4: m.ipv4,
      ipv6: m.ipv6,
      dataDir: m.dataDir,
      startedAt: m.startedAt,
      pid: m.pid,
    },
    services,
    nodes: Object.keys(state.nodes).length,
    stages,
    inventories: Object.values(state.nodes).filter((n) => n.inventory).length,
    rogueDhcp: state.rogue.map((r) => ({
      serverId: r.serverId,
      serverMac: r.serverMac,
      offeredIp: r.offeredIp,
    })),
    bootChains: Object.values(state.nodes).reduce<Record<string, number>>((acc, n) => {
      if (n.bootChain) acc[n.bootChain] = (acc[n.bootChain] ?? 0) + 1;
      return acc;
    }, {}),
    bootRefused: Object.values(state.nodes)
      .flatMap((n) =>
        n.bootRefused ? [{ mac: n.mac, file: n.bootRefused.file, hint: n.bootRefused.hint }] : [],
      )
      .sort((a, b) => a.mac.localeCompare(b.mac)),
    storage: state.storage && {
      full: state.storage.full,
      freeBytes: state.storage.freeBytes,
      totalBytes: state.storage.totalBytes,
      reserveBytes: state.storage.reserveBytes,
      detail: state.storage.detail,
    },
    powerUnknown: Object.values(state.nodes)
      .filter((n) => n.power === 'unknown')
      .map((n) => ({ mac: n.mac, detail: n.powerDetail ?? 'no detail' }))
      .sort((a, b) => a.mac.localeCompare(b.mac)),
    health: verdictCounts(state, health),
    failing: Object.values(state.nodes)
      .flatMap((n) => {
        const h = health.get(n.mac);
        if (h?.verdict !== 'fail') return [];
        const model = modelText(n.inventory?.summary) || undefined;
        return [{ mac: n.mac, ip: n.ip4 ?? n.ip6, model, reasons: h.reasons }];
      })
      .sort((a, b) => a.mac.localeCompare(b.mac)),
  };
}

export function formatStatus(s: StatusSummary): string {
  const lines: string[] = [];
  const m = s.master;
  lines.push(
    m
      ? `recon master ${s.version} — ${m.names[0] ?? 'master'} ${m.ipv4}${m.ipv6 ? ` ${m.ipv6}` : ''}, up since ${m.startedAt}`
      : `recon master ${s.version}`,
  );
  if (m)
    lines.push(`data: ${m.dataDir}${s.storage && !s.storage.full ? ` — ${describeStorage(s.storage)}` : ''}`);
  if (s.storage?.full) lines.push(`ALERT ${describeStorage(s.storage)}`);
  const svc = Object.entries(s.services)
    .map(([k, v]) => `${k} ${v.state}${v.detail && v.state !== 'up' ? ` (${v.detail})` : ''}`)
    .join(', ');
  lines.push(`services: ${svc || 'none reported'}`);
  for (const r of s.rogueDhcp)
    lines.push(
      `ALERT another DHCP server on the segment: ${r.serverId}${r.serverMac ? ` (${r.serverMac})` : ''}${r.offeredIp ? ` offered ${r.offeredIp}` : ''}`,
    );
  for (const r of s.bootRefused) lines.push(`ALERT ${r.mac}: firmware refused ${r.file} — ${r.hint}`);
  const chains = Object.entries(s.bootChains)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (chains) lines.push(`boot chains: ${chains}`);
  const st = Object.entries(s.stages)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`nodes: ${s.nodes}${st ? ` (${st})` : ''}; inventories: ${s.inventories}`);
  const h = s.health;
  if (s.inventories > 0)
    lines.push(
      `health: ${h.ok} ok, ${h.warn} warn, ${h.fail} fail${h.unknown ? `, ${h.unknown} not judged` : ''}`,
    );
  for (const f of s.failing.slice(0, STATUS_FAILING_SHOWN))
    lines.push(
      `${[f.mac, f.ip, f.model].filter(Boolean).join(' ')} ${healthText({ verdict: 'fail', reasons: f.reasons })}`,
    );
  if (s.failing.length > STATUS_FAILING_SHOWN)
    lines.push(`and ${s.failing.length - STATUS_FAILING_SHOWN} more failing nodes (--json lists them all)`);
  for (const p of s.powerUnknown) lines.push(`power unknown ${p.mac}: ${p.detail}`);
  // models, reasons and details are a peer's words: no control sequence of theirs reaches the terminal
  return lines.map((l) => clean(l, false)).join('\n') + '\n';
}

// One event as the operator reads it: time, stage, MAC, IP, detail. Used by the Log screen and by
// the headless line printer, so both say the same thing about the same event. Pure.
import type { ReconEvent } from '../model/events.js';
import type { ReconState } from '../model/reducer.js';
import { describeStorage } from '../model/space.js';
import { healthText, nodeHealth } from '../model/health.js';
import { humanBytes } from '../shared/units.js';
import { fmtTimeOf } from './format.js';

export interface EventLine {
  seq: number;
  time: string;
  /** the node's stage after the event, or the event's kind for master-wide events */
  stage: string;
  mac: string;
  ip: string;
  detail: string;
}

function detailOf(ev: ReconEvent, state: ReconState): string {
  switch (ev.type) {
    case 'master.started':
      return `master ${ev.data.version} started (pid ${ev.data.pid}) ${ev.data.names[0] ?? ''} ${ev.data.ipv4}`.trim();
    case 'master.stopping':
      return `master stopping: ${ev.data.reason}`;
    case 'service':
      return `${ev.data.service} ${ev.data.state}${ev.data.detail ? ` (${ev.data.detail})` : ''}`;
    case 'dhcp.discover':
      return `DHCPv${ev.data.family} discover, ${ev.data.firmware}${ev.data.arch !== undefined ? ` arch ${ev.data.arch}` : ''}`;
    case 'dhcp.offer':
      return `DHCPv${ev.data.family} offer ${ev.data.ip}${ev.data.bootFile ? ` boot ${ev.data.bootFile}` : ''}${ev.data.chain ? ` (${ev.data.chain})` : ''}`;
    case 'boot.refused':
      return `firmware refused ${ev.data.file} — ${ev.data.hint}`;
    case 'dhcp.nak':
      return `DHCP NAK${ev.data.ip ? ` ${ev.data.ip}` : ''}: ${ev.data.reason}`;
    case 'dhcp.exhausted':
      return `DHCPv${ev.data.family} pool exhausted`;
    case 'lease.granted':
      return `lease v${ev.data.family} ${ev.data.ip} until ${fmtTimeOf(ev.data.expiresAt)}${ev.data.hostname ? ` (${ev.data.hostname})` : ''}`;
    case 'lease.released':
      return `lease v${ev.data.family} ${ev.data.ip} released`;
    case 'lease.expired':
      return `lease v${ev.data.family} ${ev.data.ip} expired`;
    case 'lease.declined':
      return `address ${ev.data.ip} declined, quarantined until ${fmtTimeOf(ev.data.quarantinedUntil)}`;
    case 'rogue.detected':
      return `ROGUE DHCP server ${ev.data.serverId}${ev.data.serverMac ? ` (${ev.data.serverMac})` : ''}${ev.data.offeredIp ? ` offered ${ev.data.offeredIp}` : ''}`;
    case 'rogue.cleared':
      return `rogue DHCP server ${ev.data.serverId} gone`;
    case 'transfer.start':
      return `${ev.data.proto} ${ev.data.file} start${ev.data.size !== undefined ? ` ${humanBytes(ev.data.size)}` : ''}`;
    case 'transfer.progress':
    case 'transfer.done':
    case 'transfer.failed': {
      const t = state.transfers[ev.data.id];
      const what = t ? `${t.proto} ${t.file}` : `transfer ${ev.data.id}`;
      if (ev.type === 'transfer.progress') return `${what} ${humanBytes(ev.data.bytes)}`;
      if (ev.type === 'transfer.done')
        return `${what} done ${humanBytes(ev.data.bytes)} in ${(ev.data.ms / 1000).toFixed(1)}s`;
      return `${what} FAILED after ${humanBytes(ev.data.bytes)}: ${ev.data.reason}`;
    }
    case 'node.stage':
      return `stage ${ev.data.stage}${ev.data.detail ? `: ${ev.data.detail}` : ''}`;
    case 'inventory.stored': {
      const s = ev.data.summary;
      const sys = [s.vendor, s.product, s.serial].filter(Boolean).join(' ');
      const node = state.nodes[ev.data.mac];
      const health = node && nodeHealth(state, node);
      return `inventory stored ${humanBytes(ev.data.bytes)}${sys ? ` ${sys}` : ''}${health ? ` ${healthText(health)}` : ''}`;
    }
    case 'raw.stored':
      return `raw tool output stored ${humanBytes(ev.data.bytes)}`;
    case 'command.queued':
      return `command ${ev.data.command} queued by ${ev.data.by}`;
    case 'command.delivered':
      return `command ${ev.data.command} delivered`;
    case 'power.state':
      return `power ${ev.data.state}${ev.data.via ? ` via ${ev.data.via}` : ''}${ev.data.detail ? ` (${ev.data.detail})` : ''}`;
    case 'power.step':
      return `power-down ${ev.data.step} ${ev.data.ok ? 'ok' : 'FAILED'}${ev.data.detail ? `: ${ev.data.detail}` : ''}`;
    case 'bmc.discovered': {
      const d = ev.data;
      const what = [d.vendor, d.model].filter(Boolean).join(' ');
      const speaks = [d.redfish && 'Redfish', d.ipmi && 'IPMI'].filter(Boolean).join(' + ');
      return `BMC ${d.address}${what ? ` ${what}` : ''} found (${speaks || 'no answer'}; driver ${d.driver}${d.mac ? `; MAC ${d.mac}` : ''})`;
    }
    case 'bmc.power':
      return `BMC ${ev.data.address} power ${ev.data.state}${ev.data.detail ? ` (${ev.data.detail})` : ''}`;
    case 'bmc.action':
      return `BMC ${ev.data.address} ${ev.data.action} ${ev.data.ok ? 'ok' : 'FAILED'}: ${ev.data.message}${ev.data.by ? ` (by ${ev.data.by})` : ''}`;
    case 'action.result':
      return `action ${ev.data.action} ${ev.data.ok ? 'ok' : 'refused'}: ${ev.data.message}${ev.data.by ? ` (by ${ev.data.by})` : ''}`;
    case 'fleet.expected':
      return `${ev.data.count > 0 ? `expecting ${ev.data.count} nodes` : 'no expected node count'} (by ${ev.data.by})`;
    case 'storage':
      return describeStorage(ev.data);
  }
}

function macOf(ev: ReconEvent, state: ReconState): string | undefined {
  const d = ev.data as { mac?: string; id?: string };
  if (ev.type === 'bmc.power' || ev.type === 'bmc.action')
    return ev.type === 'bmc.action' && ev.data.node ? ev.data.node : state.bmcs?.[ev.data.address]?.node;
  if (ev.type === 'bmc.discovered') return state.bmcs?.[ev.data.address]?.node;
  if (d.mac) return d.mac;
  if (ev.type.startsWith('transfer.') && d.id) return state.transfers[d.id]?.mac;
  return undefined;
}

/** Describes an event; `state` is the state right after the event was applied. */
export function describeEvent(ev: ReconEvent, state: ReconState): EventLine {
  const mac = macOf(ev, state);
  const node = mac ? state.nodes[mac] : undefined;
  const d = ev.data as { ip?: string; id?: string };
  const ip = node?.ip4 ?? node?.ip6 ?? d.ip ?? (d.id ? state.transfers[d.id]?.ip : undefined);
  return {
    seq: ev.seq,
    time: fmtTimeOf(ev.at),
    stage: node?.stage ?? ev.type,
    mac: mac ?? '-',
    ip: ip ?? '-',
    detail: detailOf(ev, state),
  };
}

/** The plain line: `time stage mac ip detail`. */
export function eventLineText(l: EventLine): string {
  return `${l.time} ${l.stage} ${l.mac} ${l.ip} ${l.detail}`;
}

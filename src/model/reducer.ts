// The node registry as a fold over events. `applyEvent` is the single place where an event changes
// state; the master and every console run the same function, so they can never disagree.
// It mutates the state it is given (one owner per state object; copying a 1 000-node map on every
// DHCP packet would cost more than the packet) and returns the touched node, if any.
import type {
  Firmware,
  InventorySummary,
  Mac,
  PeerCommand,
  PowerState,
  ReconEvent,
  RogueServer,
  ServiceName,
  ServiceState,
  Stage,
  EventPayloads,
} from './events.js';
import { STAGE_ORDER } from './events.js';

export interface StageEntry {
  stage: Stage;
  at: string;
  detail?: string;
}

export interface NodeRecord {
  mac: Mac;
  ip4?: string;
  ip6?: string;
  hostname?: string;
  /** the firmware that started this boot (BIOS/UEFI), kept when iPXE chainloads on top of it */
  firmware?: Firmware;
  /** iPXE is running on top of `firmware` (the boot file was chainloaded) */
  chainloaded?: boolean;
  arch?: number;
  vendorClass?: string;
  stage: Stage;
  stageAt: string;
  stageDetail?: string;
  /** recent stage changes, oldest first (bounded) */
  stages: StageEntry[];
  lease4?: { ip: string; expiresAt: string; hostname?: string; bootFile?: string };
  lease6?: { ip: string; expiresAt: string; duid?: string; iaid?: number };
  inventory?: { sha256: string; bytes: number; at: string; summary: InventorySummary };
  raw?: { sha256: string; bytes: number; at: string };
  power: PowerState;
  powerDetail?: string;
  pendingCommand?: PeerCommand;
  firstSeen: string;
  lastSeen: string;
}

export interface Transfer {
  id: string;
  proto: 'tftp' | 'http';
  ip: string;
  mac?: Mac;
  file: string;
  kind: EventPayloads['transfer.start']['kind'];
  size?: number;
  bytes: number;
  startedAt: string;
  state: 'active' | 'done' | 'failed';
  ms?: number;
  reason?: string;
}

export interface ServiceStatus {
  state: ServiceState;
  detail?: string;
  at: string;
}

export interface ReconState {
  seq: number;
  master?: EventPayloads['master.started'] & { startedAt: string };
  stopping?: string;
  services: Partial<Record<ServiceName, ServiceStatus>>;
  nodes: Record<Mac, NodeRecord>;
  rogue: RogueServer[];
  transfers: Record<string, Transfer>;
  /** addresses out of the pool after a DECLINE, until the given time */
  declined: Record<string, string>;
  lastAction?: EventPayloads['action.result'] & { at: string };
}

export const MAX_STAGE_HISTORY = 40;
export const MAX_FINISHED_TRANSFERS = 200;

export function initialState(): ReconState {
  return { seq: 0, services: {}, nodes: {}, rogue: [], transfers: {}, declined: {} };
}

function touch(state: ReconState, mac: Mac, at: string): NodeRecord {
  let n = state.nodes[mac];
  if (!n) {
    n = {
      mac,
      stage: 'discovered',
      stageAt: at,
      stages: [{ stage: 'discovered', at }],
      power: 'on',
      firstSeen: at,
      lastSeen: at,
    };
    state.nodes[mac] = n;
  }
  n.lastSeen = at;
  return n;
}

function setStage(n: NodeRecord, stage: Stage, at: string, detail?: string): void {
  if (n.stage === stage && n.stageDetail === detail) return;
  n.stage = stage;
  n.stageAt = at;
  n.stageDetail = detail;
  n.stages.push(detail === undefined ? { stage, at } : { stage, at, detail });
  if (n.stages.length > MAX_STAGE_HISTORY) n.stages.splice(0, n.stages.length - MAX_STAGE_HISTORY);
}

/** Boot stages only move forward within one boot; a new DISCOVER after "booted" means a new boot. */
function advance(n: NodeRecord, stage: Stage, at: string, detail?: string): void {
  const from = STAGE_ORDER.indexOf(n.stage);
  const to = STAGE_ORDER.indexOf(stage);
  if (to >= from || n.stage === 'released' || n.stage === 'powered-off') setStage(n, stage, at, detail);
}

function pruneTransfers(state: ReconState): void {
  const finished = Object.values(state.transfers).filter((t) => t.state !== 'active');
  if (finished.length <= MAX_FINISHED_TRANSFERS) return;
  finished.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const t of finished.slice(0, finished.length - MAX_FINISHED_TRANSFERS)) delete state.transfers[t.id];
}

const KIND_STAGE: Partial<Record<Transfer['kind'], Stage>> = {
  bootloader: 'tftp',
  menu: 'menu',
  kernel: 'kernel',
  initrd: 'initrd',
  image: 'image',
};

/** Applies one event; returns the node it changed, if any. */
export function applyEvent(state: ReconState, ev: ReconEvent): NodeRecord | undefined {
  if (ev.seq > state.seq) state.seq = ev.seq;
  const at = ev.at;
  switch (ev.type) {
    case 'master.started':
      state.master = { ...ev.data, startedAt: at };
      state.stopping = undefined;
      // transfers and services of an earlier run are gone with it
      state.transfers = {};
      state.services = {};
      return undefined;
    case 'master.stopping':
      state.stopping = ev.data.reason;
      return undefined;
    case 'service':
      state.services[ev.data.service] = { state: ev.data.state, detail: ev.data.detail, at };
      return undefined;
    case 'dhcp.discover': {
      const n = touch(state, ev.data.mac, at);
      // a fresh DISCOVER from a node that had finished means it is booting again
      const reboot =
        STAGE_ORDER.indexOf(n.stage) >= STAGE_ORDER.indexOf('powering-off') || n.stage === 'released';
      if (reboot) {
        setStage(n, 'discovered', at);
        n.power = 'on';
        n.chainloaded = undefined;
      }
      const fromRom = n.firmware !== undefined && n.firmware !== 'ipxe' && n.firmware !== 'unknown';
      if (ev.data.firmware === 'ipxe' && fromRom && !reboot) n.chainloaded = true;
      else {
        n.firmware = ev.data.firmware;
        n.chainloaded = undefined;
      }
      if (ev.data.arch !== undefined) n.arch = ev.data.arch;
      if (ev.data.vendorClass !== undefined) n.vendorClass = ev.data.vendorClass;
      return n;
    }
    case 'dhcp.offer':
    case 'dhcp.nak':
    case 'dhcp.exhausted':
      return touch(state, ev.data.mac, at);
    case 'lease.granted': {
      const n = touch(state, ev.data.mac, at);
      if (ev.data.family === 4) {
        n.ip4 = ev.data.ip;
        n.lease4 = {
          ip: ev.data.ip,
          expiresAt: ev.data.expiresAt,
          hostname: ev.data.hostname,
          bootFile: ev.data.bootFile,
        };
      } else {
        n.ip6 = ev.data.ip;
        n.lease6 = { ip: ev.data.ip, expiresAt: ev.data.expiresAt, duid: ev.data.duid, iaid: ev.data.iaid };
      }
      if (ev.data.hostname) n.hostname = ev.data.hostname;
      if (n.power !== 'on') n.power = 'on';
      advance(n, 'leased', at);
      return n;
    }
    case 'lease.released':
    case 'lease.expired': {
      const n = touch(state, ev.data.mac, at);
      if (ev.data.family === 4 && n.lease4?.ip === ev.data.ip) n.lease4 = undefined;
      if (ev.data.family === 6 && n.lease6?.ip === ev.data.ip) n.lease6 = undefined;
      if (!n.lease4 && !n.lease6 && STAGE_ORDER.indexOf(n.stage) < STAGE_ORDER.indexOf('booted'))
        setStage(n, 'released', at, ev.type === 'lease.expired' ? 'lease expired' : undefined);
      return n;
    }
    case 'lease.declined': {
      state.declined[ev.data.ip] = ev.data.quarantinedUntil;
      const n = touch(state, ev.data.mac, at);
      if (n.lease4?.ip === ev.data.ip) n.lease4 = undefined;
      return n;
    }
    case 'rogue.detected': {
      const i = state.rogue.findIndex((r) => r.serverId === ev.data.serverId);
      if (i >= 0) state.rogue[i] = ev.data;
      else state.rogue.push(ev.data);
      return undefined;
    }
    case 'rogue.cleared':
      state.rogue = state.rogue.filter((r) => r.serverId !== ev.data.serverId);
      return undefined;
    case 'transfer.start': {
      state.transfers[ev.data.id] = { ...ev.data, bytes: 0, startedAt: at, state: 'active' };
      if (!ev.data.mac) return undefined;
      const n = touch(state, ev.data.mac, at);
      const stage = KIND_STAGE[ev.data.kind];
      if (stage) advance(n, stage, at, ev.data.file);
      return n;
    }
    case 'transfer.progress': {
      const t = state.transfers[ev.data.id];
      if (t) t.bytes = ev.data.bytes;
      return undefined;
    }
    case 'transfer.done':
    case 'transfer.failed': {
      const t = state.transfers[ev.data.id];
      if (t) {
        t.bytes = ev.data.bytes;
        t.state = ev.type === 'transfer.done' ? 'done' : 'failed';
        if (ev.type === 'transfer.done') t.ms = ev.data.ms;
        else t.reason = ev.data.reason;
      }
      pruneTransfers(state);
      return undefined;
    }
    case 'node.stage': {
      const n = touch(state, ev.data.mac, at);
      if (ev.data.ip && !n.ip4 && !ev.data.ip.includes(':')) n.ip4 = ev.data.ip;
      setStage(n, ev.data.stage, at, ev.data.detail);
      if (ev.data.stage === 'powering-off') n.power = 'powering-off';
      if (ev.data.stage === 'powered-off') n.power = 'off';
      if (ev.data.stage === 'booted' || ev.data.stage === 'collecting') n.power = 'on';
      return n;
    }
    case 'inventory.stored': {
      const n = touch(state, ev.data.mac, at);
      n.inventory = { sha256: ev.data.sha256, bytes: ev.data.bytes, at, summary: ev.data.summary };
      advance(n, 'uploaded', at);
      return n;
    }
    case 'raw.stored': {
      const n = touch(state, ev.data.mac, at);
      n.raw = { sha256: ev.data.sha256, bytes: ev.data.bytes, at };
      return n;
    }
    case 'command.queued': {
      const n = touch(state, ev.data.mac, at);
      n.pendingCommand = ev.data.command === 'none' ? undefined : ev.data.command;
      return n;
    }
    case 'command.delivered': {
      const n = touch(state, ev.data.mac, at);
      if (n.pendingCommand === ev.data.command) n.pendingCommand = undefined;
      return n;
    }
    case 'power.state': {
      const n = touch(state, ev.data.mac, at);
      n.power = ev.data.state;
      n.powerDetail = ev.data.detail;
      if (ev.data.state === 'off') setStage(n, 'powered-off', at, ev.data.via);
      else if (ev.data.state === 'powering-off') advance(n, 'powering-off', at, ev.data.via);
      return n;
    }
    case 'power.step':
      return ev.data.mac ? touch(state, ev.data.mac, at) : undefined;
    case 'action.result':
      state.lastAction = { ...ev.data, at };
      return undefined;
  }
}

/** Folds a whole event list into a fresh state (pure). */
export function reduceAll(events: Iterable<ReconEvent>, from: ReconState = initialState()): ReconState {
  for (const ev of events) applyEvent(from, ev);
  return from;
}

/** Counts of nodes per stage, for headers and `recon status`. */
export function countByStage(state: ReconState): Partial<Record<Stage, number>> {
  const out: Partial<Record<Stage, number>> = {};
  for (const n of Object.values(state.nodes)) out[n.stage] = (out[n.stage] ?? 0) + 1;
  return out;
}

// The node registry as a fold over events. `applyEvent` is the single place where an event changes
// state; the master and every console run the same function, so they can never disagree.
// A node exists once a client shows it is a boot client (a DISCOVER/SOLICIT with a PXE, HTTPClient or
// iPXE class or a client architecture, or a reserved MAC) or speaks for itself through the peer API;
// other address holders are kept as `hosts` (their leases only). The registry is bounded.
// It mutates the state it is given (one owner per state object; copying a 1 000-node map on every
// DHCP packet would cost more than the packet) and returns the touched node, if any.
import type {
  BmcFound,
  BootChain,
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
import { BMC_HOST_MACS, STAGE_ORDER } from './events.js';

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
  /** the chain the last boot offer handed it (iPXE, or shim → GRUB for Secure Boot) */
  bootChain?: BootChain;
  /** its firmware fetched this boot file and came back to DHCP without running it (until a menu is read) */
  bootRefused?: { file: string; hint: string; at: string };
  arch?: number;
  vendorClass?: string;
  stage: Stage;
  stageAt: string;
  stageDetail?: string;
  /** recent stage changes, oldest first (bounded) */
  stages: StageEntry[];
  /** when the node first ran recon (reached `booted` or later): it has a history worth keeping */
  bootedAt?: string;
  lease4?: { ip: string; expiresAt: string; hostname?: string; bootFile?: string };
  lease6?: { ip: string; expiresAt: string; duid?: string; iaid?: number };
  inventory?: { sha256: string; bytes: number; at: string; summary: InventorySummary };
  raw?: { sha256: string; bytes: number; at: string };
  power: PowerState;
  powerDetail?: string;
  pendingCommand?: PeerCommand;
  /** the address of the BMC tied to this node: recon found it, and only this node's inventory reports its MAC */
  bmc?: string;
  firstSeen: string;
  lastSeen: string;
}

/** An address holder that is not a node (a BMC, a switch, a machine that never booted over the network). */
export interface HostRecord {
  mac: Mac;
  lease4?: NodeRecord['lease4'];
  lease6?: NodeRecord['lease6'];
  lastSeen: string;
}

/** A BMC recon found (its lease answered a probe) or was given in the config. */
export interface BmcRecord extends BmcFound {
  power: 'on' | 'off' | 'unknown';
  powerAt?: string;
  powerDetail?: string;
  discoveredAt: string;
  lastAction?: { action: string; ok: boolean; message: string; at: string };
  /** the node whose inventory (and no other's) reports this BMC's MAC */
  node?: Mac;
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
  /** leases of clients that are not nodes; bounded by the address pools (absent in old snapshots) */
  hosts?: Record<Mac, HostRecord>;
  rogue: RogueServer[];
  transfers: Record<string, Transfer>;
  /** addresses out of the pool after a DECLINE, until the given time */
  declined: Record<string, string>;
  lastAction?: EventPayloads['action.result'] & { at: string };
  /** the data partition's room as last measured by the master */
  storage?: EventPayloads['storage'] & { at: string };
  /** nodes the operator expects (config `expectedNodes` or set from a console) */
  expectedNodes?: number;
  /** BMCs by address (absent in old snapshots); bounded by MAX_BMCS */
  bmcs?: Record<string, BmcRecord>;
}

export const MAX_STAGE_HISTORY = 40;
export const MAX_FINISHED_TRANSFERS = 200;
/** BMC records kept at most (the pools and the config's list bound them long before this) */
export const MAX_BMCS = 4096;
/** The registry's bound when the master did not say (config state.maxNodes has the same default). */
export const DEFAULT_MAX_NODES = 5000;

export function initialState(): ReconState {
  return { seq: 0, services: {}, nodes: {}, rogue: [], transfers: {}, declined: {} };
}

/** Whether a DISCOVER/SOLICIT shows a client that boots over the network (or one the operator reserved). */
export function showsBootClient(d: EventPayloads['dhcp.discover']): boolean {
  return (
    d.reserved === true ||
    d.firmware !== 'unknown' ||
    /^(PXEClient|HTTPClient)/.test(d.vendorClass ?? '') ||
    (d.userClass ?? '').split(',').includes('iPXE')
  );
}

/**
 * The registry's eviction order, kept beside the state (never serialized): per keep rank, the nodes in
 * the order they were last seen, so making room costs O(1) however full the registry is.
 */
type RankIndex = [Map<Mac, NodeRecord>, Map<Mac, NodeRecord>, Map<Mac, NodeRecord>];
const rankIndexes = new WeakMap<Record<Mac, NodeRecord>, RankIndex>();

function rankIndex(state: ReconState): RankIndex {
  let ix = rankIndexes.get(state.nodes);
  if (!ix) {
    ix = [new Map(), new Map(), new Map()];
    const bySeen = Object.values(state.nodes).sort((a, b) => a.lastSeen.localeCompare(b.lastSeen));
    for (const n of bySeen) ix[keepRank(n)].set(n.mac, n);
    rankIndexes.set(state.nodes, ix);
  }
  return ix;
}

/** How much a node may be dropped to make room: 0 never booted, 1 booted without an inventory, 2 never. */
function keepRank(n: NodeRecord): 0 | 1 | 2 {
  if (n.inventory || n.raw) return 2;
  return n.bootedAt !== undefined ? 1 : 0;
}

/** Moves a node to the most recently seen end of its rank's order. */
function reindex(state: ReconState, n: NodeRecord): void {
  const ix = rankIndex(state);
  for (const m of ix) m.delete(n.mac);
  ix[keepRank(n)].set(n.mac, n);
}

/** The node, with its last-seen time moved on; undefined when the MAC is no node (nothing is created). */
function seen(state: ReconState, mac: Mac, at: string): NodeRecord | undefined {
  const n = state.nodes[mac];
  if (n) {
    n.lastSeen = at;
    reindex(state, n);
  }
  return n;
}

/** The node seen longest ago with this keep rank, fixing up entries whose rank changed since. */
function oldestOfRank(state: ReconState, rank: 0 | 1): NodeRecord | undefined {
  const ix = rankIndex(state);
  for (const [mac, n] of ix[rank]) {
    ix[rank].delete(mac);
    if (state.nodes[mac] !== n) continue;
    const actual = keepRank(n);
    if (actual === rank) return n;
    ix[actual].set(mac, n);
  }
  return undefined;
}

/**
 * Makes room for one more node when the registry is full: drops the node seen longest ago among those
 * that never booted, else among those that booted without an inventory. False when nothing may go.
 * A dropped node's leases stay on record as a host, so its address is not handed out twice.
 */
function makeRoom(state: ReconState): boolean {
  const max = state.master?.maxNodes ?? DEFAULT_MAX_NODES;
  const ix = rankIndex(state);
  if (ix[0].size + ix[1].size + ix[2].size < max) return true;
  const victim = oldestOfRank(state, 0) ?? oldestOfRank(state, 1);
  if (!victim) return false;
  delete state.nodes[victim.mac];
  if (victim.lease4 || victim.lease6)
    hostsOf(state)[victim.mac] = {
      mac: victim.mac,
      lease4: victim.lease4,
      lease6: victim.lease6,
      lastSeen: victim.lastSeen,
    };
  return true;
}

function hostsOf(state: ReconState): Record<Mac, HostRecord> {
  return (state.hosts ??= {});
}

/** The node for `mac`, created if the registry has room; a host's leases move into it. */
function create(state: ReconState, mac: Mac, at: string): NodeRecord | undefined {
  const known = seen(state, mac, at);
  if (known) return known;
  if (!makeRoom(state)) return undefined;
  const host = state.hosts?.[mac];
  const n: NodeRecord = {
    mac,
    stage: 'discovered',
    stageAt: at,
    stages: [{ stage: 'discovered', at }],
    power: 'on',
    firstSeen: at,
    lastSeen: at,
  };
  if (host) {
    if (host.lease4) {
      n.lease4 = host.lease4;
      n.ip4 = host.lease4.ip;
    }
    if (host.lease6) {
      n.lease6 = host.lease6;
      n.ip6 = host.lease6.ip;
    }
    delete state.hosts![mac];
  }
  state.nodes[mac] = n;
  reindex(state, n);
  return n;
}

/** The lease holder for `mac` that is no node, created on a grant. */
function host(state: ReconState, mac: Mac, at: string): HostRecord {
  const hosts = hostsOf(state);
  const h = (hosts[mac] ??= { mac, lastSeen: at });
  h.lastSeen = at;
  return h;
}

/** A host without a lease is forgotten: hosts are bounded by the pools. */
function dropLease(state: ReconState, mac: Mac, family: 4 | 6, ip: string): void {
  const h = state.hosts?.[mac];
  if (!h) return;
  if (family === 4 && h.lease4?.ip === ip) h.lease4 = undefined;
  if (family === 6 && h.lease6?.ip === ip) h.lease6 = undefined;
  if (!h.lease4 && !h.lease6) delete state.hosts![mac];
}

const normBmcMac = (mac: string | undefined) => mac?.toLowerCase().replace(/-/g, ':');

/**
 * Ties the BMCs with this MAC to the one node whose inventory reports it, or to none when no node or
 * several do (as bmc-target.ts rules: a MAC two peers claim belongs to neither).
 */
function tieBmcMac(state: ReconState, bmcMac: string): void {
  const bmcs = Object.values(state.bmcs ?? {}).filter((b) => b.mac === bmcMac);
  const claimants = Object.values(state.nodes).filter(
    (n) => normBmcMac(n.inventory?.summary.bmc?.mac) === bmcMac,
  );
  const owner = claimants.length === 1 ? claimants[0] : undefined;
  for (const b of bmcs) {
    const was = b.node !== undefined ? state.nodes[b.node] : undefined;
    if (was && was !== owner && was.bmc === b.address) was.bmc = undefined;
    b.node = owner?.mac;
    if (owner) owner.bmc = b.address;
  }
}

function applyBmcDiscovered(state: ReconState, d: BmcFound, at: string): void {
  const bmcs = (state.bmcs ??= {});
  const known = bmcs[d.address];
  if (!known && Object.keys(bmcs).length >= MAX_BMCS) return;
  const oldMac = known?.mac;
  bmcs[d.address] = {
    ...d,
    // a re-probe (no credentials) learns no host MACs: keep what a power action learned
    hostMacs: d.hostMacs?.slice(0, BMC_HOST_MACS) ?? known?.hostMacs,
    power: known?.power ?? 'unknown',
    powerAt: known?.powerAt,
    powerDetail: known?.powerDetail,
    discoveredAt: at,
    lastAction: known?.lastAction,
    node: known?.node,
  };
  if (oldMac !== undefined && oldMac !== d.mac) tieBmcMac(state, oldMac);
  if (d.mac !== undefined) tieBmcMac(state, d.mac);
}

const BOOTED = STAGE_ORDER.indexOf('booted');

function setStage(n: NodeRecord, stage: Stage, at: string, detail?: string): void {
  if (n.stage === stage && n.stageDetail === detail) return;
  if (n.bootedAt === undefined && stage !== 'released' && STAGE_ORDER.indexOf(stage) >= BOOTED)
    n.bootedAt = at;
  n.stage = stage;
  n.stageAt = at;
  n.stageDetail = detail;
  n.stages.push(detail === undefined ? { stage, at } : { stage, at, detail });
  if (n.stages.length > MAX_STAGE_HISTORY) n.stages.splice(0, n.stages.length - MAX_STAGE_HISTORY);
}

/**
 * Boot stages only move forward within one boot. Only DHCP starts a new boot (a DISCOVER, or a lease
 * for a node that was off); a download never moves a node back, and never out of powering-off or
 * powered-off. From `released` (a lease ran out before the node booted) downloads still move it on.
 */
function advance(n: NodeRecord, stage: Stage, at: string, detail?: string): void {
  const from = STAGE_ORDER.indexOf(n.stage);
  const to = STAGE_ORDER.indexOf(stage);
  if (to >= from || n.stage === 'released') setStage(n, stage, at, detail);
}

/** A stage at or after powering-off, or released: a DHCP request from here is a new boot. */
function finished(n: NodeRecord): boolean {
  return STAGE_ORDER.indexOf(n.stage) >= STAGE_ORDER.indexOf('powering-off') || n.stage === 'released';
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
      const n = showsBootClient(ev.data) ? create(state, ev.data.mac, at) : seen(state, ev.data.mac, at);
      if (!n) return undefined;
      // a fresh DISCOVER from a node that had finished means it is booting again
      const reboot = finished(n);
      if (reboot) {
        setStage(n, 'discovered', at);
        n.power = 'on';
        n.chainloaded = undefined;
      }
      const fromRom = n.firmware !== undefined && n.firmware !== 'ipxe' && n.firmware !== 'unknown';
      if (ev.data.firmware === 'ipxe' && fromRom && !reboot) n.chainloaded = true;
      // a SOLICIT from the booted system says nothing about the firmware: it keeps what the boot said
      else if (ev.data.firmware !== 'unknown' || n.firmware === undefined) {
        n.firmware = ev.data.firmware;
        n.chainloaded = undefined;
      }
      if (ev.data.arch !== undefined) n.arch = ev.data.arch;
      if (ev.data.vendorClass !== undefined) n.vendorClass = ev.data.vendorClass;
      return n;
    }
    case 'dhcp.offer': {
      const n = seen(state, ev.data.mac, at);
      if (n && ev.data.chain) n.bootChain = ev.data.chain;
      return n;
    }
    case 'boot.refused': {
      const n = seen(state, ev.data.mac, at);
      if (n) n.bootRefused = { file: ev.data.file, hint: ev.data.hint, at };
      return n;
    }
    case 'dhcp.nak':
    case 'dhcp.exhausted':
      return seen(state, ev.data.mac, at);
    case 'lease.granted': {
      const n = seen(state, ev.data.mac, at);
      if (!n) {
        const h = host(state, ev.data.mac, at);
        const { ip, expiresAt, hostname, bootFile, duid, iaid } = ev.data;
        if (ev.data.family === 4) h.lease4 = { ip, expiresAt, hostname, bootFile };
        else h.lease6 = { ip, expiresAt, duid, iaid };
        return undefined;
      }
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
      // a lease for a node that had finished: it is on again (a REQUEST without a DISCOVER)
      if (finished(n)) setStage(n, 'leased', at);
      else advance(n, 'leased', at);
      return n;
    }
    case 'lease.released':
    case 'lease.expired': {
      const n = seen(state, ev.data.mac, at);
      if (!n) {
        dropLease(state, ev.data.mac, ev.data.family, ev.data.ip);
        return undefined;
      }
      if (ev.data.family === 4 && n.lease4?.ip === ev.data.ip) n.lease4 = undefined;
      if (ev.data.family === 6 && n.lease6?.ip === ev.data.ip) n.lease6 = undefined;
      if (!n.lease4 && !n.lease6 && STAGE_ORDER.indexOf(n.stage) < STAGE_ORDER.indexOf('booted'))
        setStage(n, 'released', at, ev.type === 'lease.expired' ? 'lease expired' : undefined);
      return n;
    }
    case 'lease.declined': {
      state.declined[ev.data.ip] = ev.data.quarantinedUntil;
      const n = seen(state, ev.data.mac, at);
      if (!n) {
        dropLease(state, ev.data.mac, 4, ev.data.ip);
        return undefined;
      }
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
      const n = ev.data.mac ? seen(state, ev.data.mac, at) : undefined;
      if (!n) return undefined;
      const stage = KIND_STAGE[ev.data.kind];
      if (stage) advance(n, stage, at, ev.data.file);
      // a boot config read: whatever was refused before, this chain runs
      if (ev.data.kind === 'menu') n.bootRefused = undefined;
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
      const n = create(state, ev.data.mac, at);
      if (!n) return undefined;
      if (ev.data.ip && !n.ip4 && !ev.data.ip.includes(':')) n.ip4 = ev.data.ip;
      setStage(n, ev.data.stage, at, ev.data.detail);
      if (ev.data.stage === 'powering-off') n.power = 'powering-off';
      if (ev.data.stage === 'powered-off') n.power = 'off';
      if (ev.data.stage === 'booted' || ev.data.stage === 'collecting') n.power = 'on';
      return n;
    }
    case 'inventory.stored': {
      const n = create(state, ev.data.mac, at);
      if (!n) return undefined;
      const oldBmcMac = normBmcMac(n.inventory?.summary.bmc?.mac);
      n.inventory = { sha256: ev.data.sha256, bytes: ev.data.bytes, at, summary: ev.data.summary };
      advance(n, 'uploaded', at);
      const bmcMac = normBmcMac(ev.data.summary.bmc?.mac);
      if (state.bmcs) {
        if (oldBmcMac !== undefined && oldBmcMac !== bmcMac) tieBmcMac(state, oldBmcMac);
        if (bmcMac !== undefined) tieBmcMac(state, bmcMac);
      }
      return n;
    }
    case 'raw.stored': {
      const n = create(state, ev.data.mac, at);
      if (!n) return undefined;
      n.raw = { sha256: ev.data.sha256, bytes: ev.data.bytes, at };
      return n;
    }
    case 'command.queued': {
      const n = seen(state, ev.data.mac, at);
      if (!n) return undefined;
      n.pendingCommand = ev.data.command === 'none' ? undefined : ev.data.command;
      return n;
    }
    case 'command.delivered': {
      const n = seen(state, ev.data.mac, at);
      if (!n) return undefined;
      if (n.pendingCommand === ev.data.command) n.pendingCommand = undefined;
      return n;
    }
    case 'power.state': {
      const n = seen(state, ev.data.mac, at);
      if (!n) return undefined;
      n.power = ev.data.state;
      n.powerDetail = ev.data.detail;
      if (ev.data.state === 'off') setStage(n, 'powered-off', at, ev.data.via);
      else if (ev.data.state === 'powering-off') advance(n, 'powering-off', at, ev.data.via);
      return n;
    }
    case 'power.step':
      return ev.data.mac ? seen(state, ev.data.mac, at) : undefined;
    case 'bmc.discovered':
      applyBmcDiscovered(state, ev.data, at);
      return undefined;
    case 'bmc.power': {
      const b = state.bmcs?.[ev.data.address];
      if (!b) return undefined;
      b.power = ev.data.state;
      b.powerAt = at;
      b.powerDetail = ev.data.detail;
      const n = b.node !== undefined ? seen(state, b.node, at) : undefined;
      // a tied node is as on as its BMC says (its stages move on through DHCP as ever)
      if (n && ev.data.state === 'on' && n.power === 'off') n.power = 'on';
      return n;
    }
    case 'bmc.action': {
      const b = state.bmcs?.[ev.data.address];
      if (b) b.lastAction = { action: ev.data.action, ok: ev.data.ok, message: ev.data.message, at };
      const mac = ev.data.node ?? b?.node;
      return mac !== undefined ? seen(state, mac, at) : undefined;
    }
    case 'action.result':
      state.lastAction = { ...ev.data, at };
      return undefined;
    case 'storage':
      state.storage = { ...ev.data, at };
      return undefined;
    case 'fleet.expected':
      state.expectedNodes = ev.data.count > 0 ? ev.data.count : undefined;
      return undefined;
  }
}

/** Folds an event list into a copy of `from` (default: an empty state); `from` is left as it was. Pure. */
export function reduceAll(events: Iterable<ReconEvent>, from: ReconState = initialState()): ReconState {
  const state = structuredClone(from);
  for (const ev of events) applyEvent(state, ev);
  return state;
}

/** Counts of nodes per stage, for headers and `recon status`. */
export function countByStage(state: ReconState): Partial<Record<Stage, number>> {
  const out: Partial<Record<Stage, number>> = {};
  for (const n of Object.values(state.nodes)) out[n.stage] = (out[n.stage] ?? 0) + 1;
  return out;
}

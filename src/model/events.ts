// The event vocabulary of recon. Every server emits these into the state store; the reducer
// turns them into the node registry; consoles render the result. One list, so nothing drifts.
import type { Mac, PeerCommand, Stage } from '../shared/peer.js';
import type { InventorySummary } from '../shared/inventory/summarize.js';

export { normalizeMac, STAGE_ORDER, type Mac, type PeerCommand, type Stage } from '../shared/peer.js';
export type { InventorySummary } from '../shared/inventory/summarize.js';

export type ServiceName = 'dhcp4' | 'dhcp6' | 'ra' | 'dns' | 'tftp' | 'http' | 'control' | 'guard' | 'bmc';
export type ServiceState = 'starting' | 'up' | 'down' | 'failed' | 'disabled' | 'blocked';

/** How a node booted, as far as the master can tell from its DHCP requests. */
export type Firmware = 'bios' | 'uefi' | 'uefi-http' | 'ipxe' | 'unknown';

/** The chain a node was handed: iPXE (→ menu.ipxe), or signed shim → GRUB (→ grub.cfg) for Secure Boot. */
export type BootChain = 'ipxe' | 'shim-grub';

export type PowerState = 'on' | 'powering-off' | 'off' | 'unknown';

/** The protocol a BMC is driven with. */
export type BmcDriverName = 'redfish' | 'ipmi';

/** What a BMC (a server's baseboard management controller) was found to be. */
export interface BmcFound {
  address: string;
  /** the MAC recon leased `address` to; absent for a BMC from the config outside the segment */
  mac?: Mac;
  vendor?: string;
  model?: string;
  /** the driver recon uses for it: Redfish where its service root answered, IPMI otherwise */
  driver: BmcDriverName;
  /** a Redfish service root answered on 443 */
  redfish?: boolean;
  /** an RMCP presence ping was answered on 623 */
  ipmi?: boolean;
  /** where recon learned of it */
  source: 'lease' | 'config';
  /**
   * the MACs of the host's NICs as the BMC names them (Redfish): they show which node is booting behind it
   * before that node's inventory ties them; never a reason to drive the BMC (bounded by BMC_HOST_MACS)
   */
  hostMacs?: Mac[];
}

/** Host NIC MACs kept per BMC at most. */
export const BMC_HOST_MACS = 16;

export interface RogueServer {
  serverId: string;
  serverMac?: string;
  offeredIp?: string;
  seenAt: string;
}

/** The payloads, keyed by event type. */
export interface EventPayloads {
  'master.started': {
    version: string;
    pid: number;
    names: string[];
    ipv4: string;
    ipv6?: string;
    dataDir: string;
    /** the node registry's bound (config state.maxNodes); absent in logs written before it existed */
    maxNodes?: number;
  };
  'master.stopping': { reason: string };
  service: { service: ServiceName; state: ServiceState; detail?: string };
  'dhcp.discover': {
    mac: Mac;
    family: 4 | 6;
    firmware: Firmware;
    arch?: number;
    vendorClass?: string;
    userClass?: string;
    relay?: string;
    /** the MAC has a reservation in the config: a node even when it does not boot over the network */
    reserved?: boolean;
  };
  'dhcp.offer': { mac: Mac; family: 4 | 6; ip: string; bootFile?: string; chain?: BootChain };
  /** a UEFI client fetched a boot file and came straight back to DHCP without running it */
  'boot.refused': { mac: Mac; file: string; hint: string };
  'dhcp.nak': { mac: Mac; ip?: string; reason: string };
  'dhcp.exhausted': { mac: Mac; family: 4 | 6 };
  'lease.granted': {
    mac: Mac;
    family: 4 | 6;
    ip: string;
    expiresAt: string;
    hostname?: string;
    bootFile?: string;
    /** DHCPv6 only: client DUID (hex) and IAID */
    duid?: string;
    iaid?: number;
    /** DHCPv4, a client that is no node: its vendor class (option 60), a hint that it is a BMC */
    vendorClass?: string;
  };
  'lease.released': { mac: Mac; family: 4 | 6; ip: string };
  'lease.expired': { mac: Mac; family: 4 | 6; ip: string };
  'lease.declined': { mac: Mac; ip: string; quarantinedUntil: string };
  'rogue.detected': RogueServer;
  'rogue.cleared': { serverId: string };
  'transfer.start': {
    id: string;
    proto: 'tftp' | 'http';
    ip: string;
    mac?: Mac;
    file: string;
    /** kernel / initrd / image / bootloader / menu / other: what stage this transfer means */
    kind: 'bootloader' | 'menu' | 'kernel' | 'initrd' | 'image' | 'workload' | 'other';
    size?: number;
  };
  'transfer.progress': { id: string; bytes: number };
  'transfer.done': { id: string; bytes: number; ms: number };
  'transfer.failed': { id: string; bytes: number; reason: string };
  'node.stage': { mac: Mac; stage: Stage; detail?: string; ip?: string };
  'inventory.stored': { mac: Mac; sha256: string; bytes: number; summary: InventorySummary };
  'raw.stored': { mac: Mac; sha256: string; bytes: number };
  'command.queued': { mac: Mac; command: PeerCommand; by: string };
  'command.delivered': { mac: Mac; command: PeerCommand };
  'power.state': {
    mac: Mac;
    state: PowerState;
    via?: 'agent' | BmcDriverName | 'operator';
    detail?: string;
  };
  'power.step': { mac?: Mac; step: string; ok: boolean; detail?: string };
  /** a BMC answered discovery probes (again: a later one replaces what an earlier one found) */
  'bmc.discovered': BmcFound;
  /** a BMC's power state as it last answered */
  'bmc.power': { address: string; state: 'on' | 'off' | 'unknown'; detail?: string };
  /** one step of a BMC action (power state, one-time boot, on, off, cycle), and how it went */
  'bmc.action': { address: string; action: string; ok: boolean; message: string; node?: Mac; by?: string };
  'action.result': { action: string; ok: boolean; message: string; by?: string };
  /** how many nodes the operator expects in this fleet (0: no expectation), from the config or a console */
  'fleet.expected': { count: number; by: string };
  /** the data partition: full when free space is below the reserve or a write failed for lack of space */
  storage: { full: boolean; freeBytes: number; totalBytes: number; reserveBytes: number; detail?: string };
}

export type EventType = keyof EventPayloads;

/** An event as it sits in events.jsonl: sequence number, ISO time, type, payload. */
export type ReconEvent = {
  [K in EventType]: { seq: number; at: string; type: K; data: EventPayloads[K] };
}[EventType];

/** An event before the store has numbered it. */
export type NewEvent = {
  [K in EventType]: { type: K; data: EventPayloads[K]; at?: string };
}[EventType];

/**
 * Events that update live state only, never written: too frequent (transfer progress), or about the
 * disk itself (storage: it must reach the consoles when the log cannot take another line; measured anew
 * at every start).
 */
export const EPHEMERAL_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['transfer.progress', 'storage']);

/**
 * The most an inventory summary carries into an event: every upload appends one to events.jsonl, and a
 * peer decides how many disks and NICs it reports. Sized above real servers; the inventory file has it all.
 */
export const SUMMARY_LIMITS = { disks: 128, nics: 64, toolsFailed: 64, chars: 128 } as const;

/**
 * The summary cut to SUMMARY_LIMITS (arrays and every string). The health verdict's reasons keep their own
 * bound (summarizeHealth: 8 lines of at most 200 characters, a cut one marked), so none is cut silently. Pure.
 */
export function boundedSummary(s: InventorySummary): InventorySummary {
  const cut = <T>(v: T): T => {
    if (typeof v === 'string') return v.slice(0, SUMMARY_LIMITS.chars) as T;
    if (Array.isArray(v)) return v.map(cut) as T;
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x)])) as T;
    return v;
  };
  const { health, ...rest } = s;
  const out = cut({
    ...rest,
    ...(s.disks && { disks: s.disks.slice(0, SUMMARY_LIMITS.disks) }),
    ...(s.nics && { nics: s.nics.slice(0, SUMMARY_LIMITS.nics) }),
    ...(s.toolsFailed && { toolsFailed: s.toolsFailed.slice(0, SUMMARY_LIMITS.toolsFailed) }),
  });
  return health ? { ...out, health } : out;
}

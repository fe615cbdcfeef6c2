// Reading Redfish answers (DMTF DSP0266 / the ComputerSystem schema) and choosing what to send back. Pure:
// every BMC's JSON goes through here, so vendor differences (iDRAC's "System.Embedded.1", iLO's and
// Supermicro's "1", ActionInfo instead of inline AllowableValues, a missing BootSourceOverrideMode) are
// table-tested without a network. A BMC is semi-trusted: every field is checked before use.
import type { BmcIdentity, BmcPowerState, BootMode } from '../driver.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A BMC's string, bounded and without control characters (it ends up on the operator's terminal). */
function str(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const clean = v.slice(0, 256).replace(CONTROL, ' ').trim();
  return clean.length > 0 ? clean : undefined;
}

/** A list of enumeration values (AllowableValues): strings only, bounded, cleaned like str(). */
function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v
    .filter((x): x is string => typeof x === 'string')
    .slice(0, 64)
    .map((x) => x.slice(0, 64).replace(CONTROL, ' '));
}

/** The `@odata.id` of a navigation property ({ "@odata.id": "/redfish/v1/…" }), only paths under /redfish/. */
export function linkOf(v: unknown): string | undefined {
  const id = isObject(v) ? str(v['@odata.id']) : undefined;
  return id?.startsWith('/redfish/') ? id : undefined;
}

export interface ServiceRoot {
  redfishVersion?: string;
  systems?: string;
  sessions?: string;
  vendor?: string;
  product?: string;
}

/** The service root, or undefined when the body is not one (no RedfishVersion and no Systems). */
export function parseServiceRoot(body: unknown): ServiceRoot | undefined {
  if (!isObject(body)) return undefined;
  const redfishVersion = str(body.RedfishVersion);
  const systems = linkOf(body.Systems);
  if (!redfishVersion && !systems) return undefined;
  const links = isObject(body.Links) ? body.Links : {};
  const sessionService = linkOf(body.SessionService);
  return {
    redfishVersion,
    systems,
    // Links.Sessions is required by DSP0266; older services only name the SessionService
    sessions: linkOf(links.Sessions) ?? (sessionService ? `${sessionService}/Sessions` : undefined),
    vendor: str(body.Vendor) ?? (isObject(body.Oem) ? Object.keys(body.Oem)[0] : undefined),
    product: str(body.Product),
  };
}

/** The member paths of a collection. */
export function parseMembers(body: unknown): string[] {
  if (!isObject(body) || !Array.isArray(body.Members)) return [];
  return body.Members.map(linkOf).filter((m): m is string => m !== undefined);
}

/** The system to act on: the only member, or the one whose path ends in `wanted`. */
export function chooseSystem(
  members: readonly string[],
  wanted?: string,
): { path: string } | { error: string } {
  if (wanted !== undefined) {
    const hit = members.find((m) => m.replace(/\/$/, '').split('/').pop() === wanted);
    return hit ? { path: hit } : { error: `no system "${wanted}" among ${members.join(', ') || 'none'}` };
  }
  if (members.length === 1) return { path: members[0]! };
  if (members.length === 0) return { error: 'the Systems collection is empty' };
  return { error: `several systems (${members.join(', ')}): name the one to drive` };
}

export type ResetType =
  | 'On'
  | 'ForceOn'
  | 'ForceOff'
  | 'GracefulShutdown'
  | 'GracefulRestart'
  | 'ForceRestart'
  | 'PushPowerButton'
  | 'PowerCycle'
  | 'Nmi';

export interface SystemBoot {
  target?: string;
  enabled?: string;
  /** undefined: the BMC has no BootSourceOverrideMode (legacy-only or it does not tell) */
  mode?: string;
  /** undefined: the BMC does not list them (any value may be tried) */
  allowedTargets?: string[];
  allowedModes?: string[];
}

export interface SystemResource {
  id?: string;
  power: BmcPowerState;
  /** the raw PowerState (PoweringOn, Paused, …) for messages */
  powerText?: string;
  resetTarget?: string;
  /** undefined: neither inline nor through ActionInfo (DSP0266: then any ResetType may be sent) */
  allowedResets?: string[];
  /** an ActionInfo resource to read the allowed reset types from */
  resetActionInfo?: string;
  boot?: SystemBoot;
  etag?: string;
  ethernetInterfaces?: string;
  identity: BmcIdentity;
}

/** PowerState → on/off: PoweringOff still draws power (on), PoweringOn is on its way (on). */
export function powerOf(v: unknown): BmcPowerState {
  switch (v) {
    case 'On':
    case 'PoweringOff':
    case 'PoweringOn':
    case 'Paused':
      return 'on';
    case 'Off':
      return 'off';
    default:
      return 'unknown';
  }
}

export function parseSystem(body: unknown): SystemResource | undefined {
  if (!isObject(body)) return undefined;
  const actions = isObject(body.Actions) ? body.Actions : {};
  const reset = isObject(actions['#ComputerSystem.Reset']) ? actions['#ComputerSystem.Reset'] : undefined;
  const bootObj = isObject(body.Boot) ? body.Boot : undefined;
  const boot: SystemBoot | undefined = bootObj && {
    target: str(bootObj.BootSourceOverrideTarget),
    enabled: str(bootObj.BootSourceOverrideEnabled),
    mode: str(bootObj.BootSourceOverrideMode),
    allowedTargets: strings(bootObj['BootSourceOverrideTarget@Redfish.AllowableValues']),
    allowedModes: strings(bootObj['BootSourceOverrideMode@Redfish.AllowableValues']),
  };
  const resetTarget = str(reset?.target);
  const resetActionInfo = str(reset?.['@Redfish.ActionInfo']);
  const status = isObject(body.Status) ? body.Status : {};
  return {
    id: str(body.Id),
    power: powerOf(body.PowerState),
    powerText: str(body.PowerState) ?? (status.State === 'Absent' ? 'Absent' : undefined),
    resetTarget: resetTarget?.startsWith('/redfish/') ? resetTarget : undefined,
    allowedResets: strings(reset?.['ResetType@Redfish.AllowableValues']),
    resetActionInfo: resetActionInfo?.startsWith('/redfish/') ? resetActionInfo : undefined,
    boot,
    etag: str(body['@odata.etag']),
    ethernetInterfaces: linkOf(body.EthernetInterfaces),
    identity: {
      vendor: str(body.Manufacturer),
      model: str(body.Model),
      serial: str(body.SerialNumber),
      firmware: str(body.BiosVersion),
      systemId: str(body.Id),
      uuid: str(body.UUID),
      macs: [],
    },
  };
}

/** The AllowableValues of the ResetType parameter of an ActionInfo resource. */
export function parseActionInfoResetTypes(body: unknown): string[] | undefined {
  if (!isObject(body) || !Array.isArray(body.Parameters)) return undefined;
  const params: unknown[] = body.Parameters;
  const p = params.find((x): x is Json => isObject(x) && x.Name === 'ResetType');
  return p ? strings(p.AllowableValues) : undefined;
}

/** A MAC from an EthernetInterface resource (MACAddress, else PermanentMACAddress), normalized. */
export function parseInterfaceMac(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const raw = str(body.MACAddress) ?? str(body.PermanentMACAddress);
  const m = raw?.toLowerCase().replace(/-/g, ':');
  return m && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m) && m !== '00:00:00:00:00:00' ? m : undefined;
}

export type PowerIntent = 'on' | 'graceful-off' | 'force-off';

/** What each intent may be sent as, best first. PushPowerButton toggles, so it stands in only when needed. */
const RESET_PREFERENCE: Record<PowerIntent, ResetType[]> = {
  on: ['On', 'ForceOn', 'PushPowerButton'],
  'graceful-off': ['GracefulShutdown', 'PushPowerButton'],
  'force-off': ['ForceOff'],
};

/** The ResetType to send for `intent`, or undefined when the BMC allows none that fits. */
export function chooseResetType(
  intent: PowerIntent,
  allowed: readonly string[] | undefined,
): ResetType | undefined {
  const prefs = RESET_PREFERENCE[intent];
  if (allowed === undefined) return prefs[0];
  return prefs.find((t) => allowed.includes(t));
}

const MODE_VALUE: Record<Exclude<BootMode, 'auto'>, string> = { uefi: 'UEFI', legacy: 'Legacy' };

/** The PATCH body for a one-time PXE boot, or why this BMC cannot do it. */
export function oneTimePxePatch(
  boot: SystemBoot | undefined,
  mode: BootMode,
): { body: { Boot: Record<string, string> } } | { error: string } {
  if (!boot) return { error: 'the system has no Boot properties (no boot override)' };
  if (boot.allowedTargets && !boot.allowedTargets.includes('Pxe'))
    return { error: `Pxe is not a boot override target here (allowed: ${boot.allowedTargets.join(', ')})` };
  const patch: Record<string, string> = {
    BootSourceOverrideTarget: 'Pxe',
    BootSourceOverrideEnabled: 'Once',
  };
  if (mode !== 'auto' && boot.mode !== undefined) {
    const want = MODE_VALUE[mode];
    if (boot.allowedModes && !boot.allowedModes.includes(want))
      return { error: `boot mode ${want} is not offered (allowed: ${boot.allowedModes.join(', ')})` };
    if (boot.mode !== want) patch.BootSourceOverrideMode = want;
  }
  return { body: { Boot: patch } };
}

/** True when the system shows the one-time PXE boot as set (read back after the PATCH). */
export function pxeOnceIsSet(boot: SystemBoot | undefined): boolean {
  return boot?.target === 'Pxe' && boot.enabled === 'Once';
}

/**
 * The operator-readable text of a Redfish error body: the ExtendedInfo messages (with their resolution)
 * or the error's own message; undefined when the body says nothing.
 */
export function errorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const err = isObject(body.error) ? body.error : body;
  const infos = Array.isArray(err['@Message.ExtendedInfo']) ? err['@Message.ExtendedInfo'] : [];
  const texts = infos
    .filter(isObject)
    .map((i) => {
      const msg = str(i.Message) ?? str(i.MessageId);
      const fix = str(i.Resolution);
      return msg && fix && fix !== 'None' && fix !== 'None.' ? `${msg} (${fix})` : msg;
    })
    .filter((t): t is string => t !== undefined)
    .slice(0, 4);
  if (texts.length) return texts.join('; ');
  return str(err.message) ?? str(err.Message);
}

export type TaskProgress = { kind: 'running' } | { kind: 'done' } | { kind: 'failed'; detail: string };

/** A Task resource's state; a body without TaskState is the finished operation's own answer. */
export function taskProgress(body: unknown): TaskProgress {
  if (!isObject(body) || typeof body.TaskState !== 'string') return { kind: 'done' };
  switch (body.TaskState) {
    case 'New':
    case 'Starting':
    case 'Running':
    case 'Pending':
    case 'Stopping':
    case 'Suspended':
    case 'Interrupted':
    case 'Service':
      return { kind: 'running' };
    case 'Completed':
      return body.TaskStatus === 'Critical'
        ? { kind: 'failed', detail: messagesOf(body) ?? 'the task completed with status Critical' }
        : { kind: 'done' };
    default:
      return { kind: 'failed', detail: messagesOf(body) ?? `the task ended ${String(body.TaskState)}` };
  }
}

function messagesOf(task: Json): string | undefined {
  return errorMessage({ error: { '@Message.ExtendedInfo': task.Messages } });
}

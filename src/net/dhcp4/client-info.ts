// What a DHCPv4 request says about its sender: MAC, firmware facts for the boot decision, and the
// identifiers recon logs and records. Pure; shared by the full server and the proxyDHCP handler.
import { classifyFirmware, type BootClient } from '../bootfile.js';
import type { EventPayloads, Firmware } from '../../model/events.js';
import { clientMac, type Dhcp4Packet } from './codec.js';
import {
  Opt,
  readClientArch,
  readClientUuid,
  readIpv4,
  readParamList,
  readText,
  readUserClass,
  readU16,
} from './options.js';

export interface Dhcp4Client {
  mac: string;
  arch?: number;
  vendorClass?: string;
  userClass?: string;
  /** user class "iPXE" or option 175: the client runs iPXE already */
  ipxe: boolean;
  /** vendor class starts with PXEClient or HTTPClient */
  pxe: boolean;
  uuid?: string;
  /** option 97 as sent, echoed back to PXE clients */
  uuidRaw?: Buffer;
  hostname?: string;
  requestedIp?: string;
  serverId?: string;
  params: Set<number>;
  maxMessageSize?: number;
  firmware: Firmware;
  /** the facts the boot decision takes */
  boot: BootClient;
}

/** Undefined for a packet recon cannot key by MAC (non-Ethernet chaddr). */
export function describeClient(p: Dhcp4Packet): Dhcp4Client | undefined {
  const mac = clientMac(p);
  if (!mac) return undefined;
  const o = p.options;
  const arch = readClientArch(o.get(Opt.clientArch))?.[0];
  const vendorClass = readText(o.get(Opt.vendorClass));
  const userClasses = readUserClass(o.get(Opt.userClass));
  const ipxe = o.has(Opt.ipxeEncap) || (userClasses?.includes('iPXE') ?? false);
  const pxe = vendorClass !== undefined && /^(PXEClient|HTTPClient)/.test(vendorClass);
  const boot: BootClient = { arch, ipxe, pxe, family: 4 };
  return {
    mac,
    arch,
    vendorClass,
    userClass: userClasses?.join(','),
    ipxe,
    pxe,
    uuid: readClientUuid(o.get(Opt.clientUuid)),
    uuidRaw: o.get(Opt.clientUuid),
    hostname: sanitizeHostname(readText(o.get(Opt.hostname))),
    requestedIp: readIpv4(o.get(Opt.requestedIp)),
    serverId: readIpv4(o.get(Opt.serverId)),
    params: readParamList(o.get(Opt.paramRequestList)),
    maxMessageSize: readU16(o.get(Opt.maxMessageSize)),
    firmware: pxe || ipxe ? classifyFirmware({ arch: arch ?? 0, ipxe }) : classifyFirmware({ arch, ipxe }),
    boot,
  };
}

/** A client-sent host name, kept only if it is a plain DNS label (it may end up in the zone). */
function sanitizeHostname(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const label = name.split('.')[0]!.toLowerCase();
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : undefined;
}

/** The `dhcp.discover` event a DISCOVER makes (both handlers record the same facts). */
export function discoverEvent(req: Dhcp4Packet, client: Dhcp4Client): EventPayloads['dhcp.discover'] {
  return {
    mac: client.mac,
    family: 4,
    firmware: client.firmware,
    arch: client.arch,
    vendorClass: client.vendorClass,
    userClass: client.userClass,
    relay: req.giaddr !== '0.0.0.0' ? req.giaddr : undefined,
  };
}

// The boot decision, for DHCPv4 and DHCPv6 alike: given what a client says about itself (its
// architecture per RFC 4578 / IANA "Processor Architecture Types", whether it already runs iPXE,
// and the address family), say what it should load next. Pure; policy only, no wire format.
import type { Firmware } from '../model/events.js';

/** The IANA client architecture types recon recognises. */
export const Arch = {
  x86Bios: 0,
  efiIa32: 6,
  efiBc: 7,
  efiX64: 9,
  efiArm64: 11,
  efiIa32Http: 15,
  efiX64Http: 16,
  efiArm64Http: 19,
} as const;

export interface BootFiles {
  bios: string;
  efi64: string;
  efi32: string;
  arm64: string;
}

export interface BootClient {
  /** the first architecture type the client sent (option 93 / DHCPv6 option 61), if any */
  arch?: number;
  /** user class "iPXE" or option 175 present: the client is already running iPXE */
  ipxe: boolean;
  /** DHCPv4 only: the client sent vendor class "PXEClient…" or "HTTPClient…" (a boot client at all) */
  pxe?: boolean;
  family: 4 | 6;
}

export interface BootServer {
  files: BootFiles;
  /** the master's address in the client's family (IPv6 without brackets) */
  address: string;
  httpPort: number;
}

export interface BootDecision {
  /** how the file is fetched: TFTP from the master, or a full URL (HTTP boot / iPXE) */
  via: 'tftp' | 'url';
  /**
   * What goes into DHCPv4 `file` / option 67: a TFTP path, or a URL. For DHCPv6 (option 59) TFTP
   * files are given as tftp://[master]/path URLs, since DHCPv6 has no next-server field.
   */
  bootFile: string;
  /** vendor class to send back (option 60 / DHCPv6 16): PXEClient for PXE ROMs, HTTPClient for UEFI HTTP boot */
  vendorClass?: 'PXEClient' | 'HTTPClient';
  firmware: Firmware;
}

export const MENU_PATH = 'menu.ipxe';

function host(server: BootServer, family: 4 | 6): string {
  return family === 6 ? `[${server.address}]` : server.address;
}

function httpUrl(server: BootServer, family: 4 | 6, path: string): string {
  const port = server.httpPort === 80 ? '' : `:${server.httpPort}`;
  return `http://${host(server, family)}${port}/${path.replace(/^\/+/, '')}`;
}

function tftpFile(server: BootServer, family: 4 | 6, path: string): string {
  return family === 6 ? `tftp://${host(server, family)}/${path.replace(/^\/+/, '')}` : path;
}

/** What firmware a client is, from the same facts as the boot decision (for `dhcp.discover` events). */
export function classifyFirmware(c: Pick<BootClient, 'arch' | 'ipxe'>): Firmware {
  if (c.ipxe) return 'ipxe';
  switch (c.arch) {
    case Arch.x86Bios:
      return 'bios';
    case Arch.efiIa32:
    case Arch.efiBc:
    case Arch.efiX64:
    case Arch.efiArm64:
      return 'uefi';
    case Arch.efiIa32Http:
    case Arch.efiX64Http:
    case Arch.efiArm64Http:
      return 'uefi-http';
    default:
      return 'unknown';
  }
}

/**
 * The next thing a client boots, or undefined when it is not a boot client recon knows how to serve
 * (then it gets an address and no boot file).
 */
export function decideBoot(c: BootClient, server: BootServer): BootDecision | undefined {
  // Already iPXE: hand it the menu over HTTP, never the iPXE binary again (no chainload loop).
  if (c.ipxe) return { via: 'url', bootFile: httpUrl(server, c.family, MENU_PATH), firmware: 'ipxe' };
  // A DHCPv4 PXE client without option 93 is a legacy BIOS ROM (RFC 4578 came later).
  const arch = c.arch ?? (c.family === 4 && c.pxe ? Arch.x86Bios : undefined);
  const firmware = classifyFirmware({ arch, ipxe: false });
  const tftp = (path: string): BootDecision => ({
    via: 'tftp',
    bootFile: tftpFile(server, c.family, path),
    vendorClass: 'PXEClient',
    firmware,
  });
  const http = (path: string): BootDecision => ({
    via: 'url',
    bootFile: httpUrl(server, c.family, path),
    vendorClass: 'HTTPClient',
    firmware,
  });
  switch (arch) {
    case Arch.x86Bios:
      return c.family === 4 ? tftp(server.files.bios) : undefined; // no legacy BIOS PXE over IPv6
    case Arch.efiIa32:
      return tftp(server.files.efi32);
    case Arch.efiBc:
    case Arch.efiX64:
      return tftp(server.files.efi64);
    case Arch.efiArm64:
      return tftp(server.files.arm64);
    case Arch.efiIa32Http:
      return http(server.files.efi32);
    case Arch.efiX64Http:
      return http(server.files.efi64);
    case Arch.efiArm64Http:
      return http(server.files.arm64);
    default:
      return undefined;
  }
}

// The boot decision, for DHCPv4 and DHCPv6 alike: given what a client says about itself (its
// architecture per RFC 4578 / IANA "Processor Architecture Types", whether it already runs iPXE,
// and the address family), say what it should load next. Pure; policy only, no wire format.
// UEFI clients boot one of two chains: iPXE (unsigned, refused under Secure Boot) or the distribution's
// signed shim → network GRUB (boots with Secure Boot on or off); config boot.uefi chooses, see uefiChains().
import type { BootChain, Firmware } from '../model/events.js';

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

export type { BootChain };

/** config boot.uefi */
export type UefiSetting = 'auto' | 'shim-grub' | 'ipxe';

/**
 * The names shim and GRUB are served under. shim loads the second stage from the directory of its own
 * path (the BOOTP `file` field) under the name it was built with: grubx64.efi / grubaa64.efi.
 */
export const SIGNED_NAMES = {
  x64: { shim: 'shimx64.efi', grub: 'grubx64.efi' },
  arm64: { shim: 'shimaa64.efi', grub: 'grubaa64.efi' },
} as const;

/** Which chain each kind of UEFI client gets (resolved once from the config and the files present). */
export interface UefiChains {
  /** UEFI PXE clients, x64 (arch 7/9) */
  x64: BootChain;
  /** UEFI PXE clients, arm64 (arch 11) */
  arm64: BootChain;
  /** UEFI HTTP boot clients (arch 15/16/19): iPXE over HTTP, or no answer */
  http: 'ipxe' | 'none';
}

/**
 * boot.uefi → the chains. `ipxe`: iPXE everywhere (as fast as UEFI gets, refused under Secure Boot).
 * `shim-grub`: the signed chain for every UEFI PXE client, and no answer to HTTP boot clients (shim
 * over HTTP leaves GRUB without a way to its config and kernel: docs/secure-boot.md), so a Secure Boot
 * firmware moves on instead of being handed a file it must refuse. `auto`: the signed chain wherever its
 * files are there (the DHCP request says nothing of Secure Boot, and a refused iPXE costs the machine
 * its boot), iPXE for ia32 and HTTP boot clients (no signed shim for either).
 */
export function uefiChains(setting: UefiSetting, signed: { x64: boolean; arm64: boolean }): UefiChains {
  if (setting === 'ipxe') return { x64: 'ipxe', arm64: 'ipxe', http: 'ipxe' };
  if (setting === 'shim-grub') return { x64: 'shim-grub', arm64: 'shim-grub', http: 'none' };
  return {
    x64: signed.x64 ? 'shim-grub' : 'ipxe',
    arm64: signed.arm64 ? 'shim-grub' : 'ipxe',
    http: 'ipxe',
  };
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
  uefi: UefiChains;
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
  chain: BootChain;
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
  if (c.ipxe)
    return { via: 'url', bootFile: httpUrl(server, c.family, MENU_PATH), firmware: 'ipxe', chain: 'ipxe' };
  // A DHCPv4 PXE client without option 93 is a legacy BIOS ROM (RFC 4578 came later).
  const arch = c.arch ?? (c.family === 4 && c.pxe ? Arch.x86Bios : undefined);
  const firmware = classifyFirmware({ arch, ipxe: false });
  const tftp = (path: string, chain: BootChain = 'ipxe'): BootDecision => ({
    via: 'tftp',
    bootFile: tftpFile(server, c.family, path),
    vendorClass: 'PXEClient',
    firmware,
    chain,
  });
  const http = (path: string): BootDecision | undefined =>
    server.uefi.http === 'none'
      ? undefined
      : {
          via: 'url',
          bootFile: httpUrl(server, c.family, path),
          vendorClass: 'HTTPClient',
          firmware,
          chain: 'ipxe',
        };
  const efi = (ipxe: string, chain: BootChain, signed: { shim: string }) =>
    chain === 'shim-grub' ? tftp(signed.shim, chain) : tftp(ipxe);
  switch (arch) {
    case Arch.x86Bios:
      return c.family === 4 ? tftp(server.files.bios) : undefined; // no legacy BIOS PXE over IPv6
    case Arch.efiIa32:
      return tftp(server.files.efi32);
    case Arch.efiBc:
    case Arch.efiX64:
      return efi(server.files.efi64, server.uefi.x64, SIGNED_NAMES.x64);
    case Arch.efiArm64:
      return efi(server.files.arm64, server.uefi.arm64, SIGNED_NAMES.arm64);
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

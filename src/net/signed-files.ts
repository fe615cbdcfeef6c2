// Where the signed UEFI boot files come from: the served name (what shim and the firmware ask for) →
// the file names the distribution ships them under, looked for in config.boot.signedDirs when the TFTP
// root has no file of the served name itself. Debian: shim-signed (/usr/lib/shim/shimx64.efi.signed) and
// grub-efi-amd64-signed (/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed, the network build whose
// prefix is /grub on the TFTP server), and the arm64 counterparts (shimaa64, grubnetaa64).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReconConfig } from '../model/config/schema.js';
import { SIGNED_NAMES, uefiChains, type UefiChains } from './bootfile.js';

/** Served name → the distribution's names for it (never the disk GRUB: its prefix is /EFI/debian). */
export const SIGNED_SOURCES: Readonly<Record<string, readonly string[]>> = {
  [SIGNED_NAMES.x64.shim]: ['shimx64.efi.signed'],
  [SIGNED_NAMES.x64.grub]: ['grubnetx64.efi.signed'],
  [SIGNED_NAMES.arm64.shim]: ['shimaa64.efi.signed'],
  [SIGNED_NAMES.arm64.grub]: ['grubnetaa64.efi.signed'],
};

/** Absolute paths that may serve `name`, in order: the TFTP root first, then the signed dirs. */
export function signedCandidates(name: string, tftpRoot: string, dirs: readonly string[]): string[] {
  const sources = SIGNED_SOURCES[name] ?? [];
  return [join(tftpRoot, name), ...dirs.flatMap((d) => sources.map((s) => join(d, s)))];
}

function present(config: ReconConfig, names: { shim: string; grub: string }): boolean {
  return [names.shim, names.grub].every((n) =>
    signedCandidates(n, config.tftpRoot, config.boot.signedDirs).some((p) => existsSync(p)),
  );
}

/** config.boot.uefi resolved against the signed files this machine has (read once at start). */
export function configuredUefiChains(config: ReconConfig): UefiChains {
  return uefiChains(config.boot.uefi, {
    x64: present(config, SIGNED_NAMES.x64),
    arm64: present(config, SIGNED_NAMES.arm64),
  });
}

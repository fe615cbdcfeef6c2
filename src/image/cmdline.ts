// The role decision of the live image, from the kernel command line. Pure: table-tested.
// One image boots every node: booted from the stick (no `pxeaddr=`) it is the master; booted by the master's
// iPXE menu (`pxeaddr=${next-server}`, `BOOTIF=01-<mac>`) it is a peer. A node that was booted over the network
// in any other way (root=live:http://...) is a peer too: a PXE booted node must never start DHCP service.
import { isIP } from 'node:net';
import { normalizeMac } from '../shared/peer.js';

export type KernelArgs = ReadonlyMap<string, string | true>;

/** Splits /proc/cmdline into key → value (`true` for a bare flag). Double quotes group, the last repeat wins. */
export function parseCmdline(text: string): KernelArgs {
  const out = new Map<string, string | true>();
  const words = text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  for (const word of words) {
    const unquoted = word.replace(/"/g, '');
    const eq = unquoted.indexOf('=');
    if (eq === 0) continue;
    if (eq < 0) out.set(unquoted, true);
    else out.set(unquoted.slice(0, eq), unquoted.slice(eq + 1));
  }
  return out;
}

export type RoleDecision =
  | { role: 'master'; reason: string; interfaceOverride?: string }
  | { role: 'peer'; reason: string; pxeaddr?: string; bootMac?: string };

const NET_ROOT = /^live:(https?|ftp|tftp|nfs):/i;

/** `BOOTIF=01-52-54-00-12-34-56` (iPXE ${mac:hexhyp} with the ARP type 01) → "52:54:00:12:34:56". */
export function bootifMac(value: string): string | undefined {
  const m = /^01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})$/i.exec(value);
  return m?.[1] ? normalizeMac(m[1]) : undefined;
}

export function decideRole(args: KernelArgs): RoleDecision {
  const pxeaddr = args.get('pxeaddr');
  const root = args.get('root');
  const bootif = args.get('BOOTIF');
  const bootMac = typeof bootif === 'string' ? bootifMac(bootif) : undefined;
  const peer = (reason: string, addr?: string): RoleDecision => ({
    role: 'peer',
    reason,
    ...(addr !== undefined && { pxeaddr: addr }),
    ...(bootMac !== undefined && { bootMac }),
  });

  if (pxeaddr !== undefined) {
    const addr = typeof pxeaddr === 'string' ? pxeaddr.replace(/^\[|\]$/g, '') : '';
    if (isIP(addr) !== 0) return peer(`pxeaddr=${addr} on the kernel command line`, addr);
    return peer('pxeaddr= without an address on the kernel command line (master found by DHCP server)');
  }
  if (typeof root === 'string' && NET_ROOT.test(root))
    return peer(`root is fetched over the network (${root})`);

  const override = args.get('recon.interface');
  return {
    role: 'master',
    reason: 'no pxeaddr= on the kernel command line (booted from local media)',
    ...(typeof override === 'string' && override !== '' && { interfaceOverride: override }),
  };
}

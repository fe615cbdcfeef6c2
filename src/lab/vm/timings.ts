// Per-stage timings of one node's way through the boot chain, read from the master's events: first DHCP
// request → lease → TFTP (when the firmware fetched a boot loader) → iPXE's first DISCOVER (the firmware
// loading and starting that boot loader, out of the master's hands) → menu.ipxe → kernel + initrd →
// collector start → inventory stored → uploaded. Pure: events in, durations out (for the lab report
// and the QEMU chain benchmark).
import type { ReconEvent } from '../../model/events.js';

export interface ChainTimings {
  mac: string;
  /** milliseconds from the first DHCP DISCOVER/SOLICIT to the end of each step */
  dhcpMs?: number;
  tftpMs?: number;
  /** the boot loader fetched by TFTP is iPXE and sent its first DISCOVER */
  ipxeMs?: number;
  menuMs?: number;
  kernelInitrdMs?: number;
  bootedMs?: number;
  collectMs?: number;
  uploadMs?: number;
  /** milliseconds spent in each step (difference to the step before that happened) */
  steps: { step: string; ms: number }[];
}

export function chainTimings(events: readonly ReconEvent[], mac: string): ChainTimings {
  const t = (e: ReconEvent): number => Date.parse(e.at);
  const transferKinds = new Map<string, string>();
  let start: number | undefined;
  const marks = new Map<string, number>();
  const mark = (name: string, at: number, last = false): void => {
    if (last || !marks.has(name)) marks.set(name, at);
  };
  for (const e of events) {
    switch (e.type) {
      case 'dhcp.discover':
        if (e.data.mac === mac && e.data.family === 4) start ??= t(e);
        if (e.data.mac === mac && e.data.firmware === 'ipxe' && marks.has('tftp')) mark('ipxe', t(e));
        break;
      case 'lease.granted':
        if (e.data.mac === mac && e.data.family === 4) mark('dhcp', t(e));
        break;
      case 'transfer.start':
        if (e.data.mac === mac) transferKinds.set(e.data.id, e.data.kind);
        break;
      case 'transfer.done': {
        const kind = transferKinds.get(e.data.id);
        if (kind === 'bootloader') mark('tftp', t(e), true);
        if (kind === 'menu') mark('menu', t(e));
        if (kind === 'kernel' || kind === 'initrd') mark('kernel+initrd', t(e), true);
        break;
      }
      case 'node.stage':
        if (e.data.mac !== mac) break;
        if (e.data.stage === 'booted') mark('booted', t(e));
        if (e.data.stage === 'uploaded') mark('upload', t(e));
        break;
      case 'inventory.stored':
        if (e.data.mac === mac) mark('collect', t(e));
        break;
      default:
        break;
    }
  }
  const out: ChainTimings = { mac, steps: [] };
  if (start === undefined) return out;
  const since = (k: string): number | undefined => (marks.has(k) ? marks.get(k)! - start : undefined);
  out.dhcpMs = since('dhcp');
  out.tftpMs = since('tftp');
  out.ipxeMs = since('ipxe');
  out.menuMs = since('menu');
  out.kernelInitrdMs = since('kernel+initrd');
  out.bootedMs = since('booted');
  out.collectMs = since('collect');
  out.uploadMs = since('upload');
  let prev = 0;
  for (const step of ['dhcp', 'tftp', 'ipxe', 'menu', 'kernel+initrd', 'booted', 'collect', 'upload']) {
    const at = since(step);
    if (at === undefined) continue;
    out.steps.push({ step, ms: at - prev });
    prev = at;
  }
  return out;
}

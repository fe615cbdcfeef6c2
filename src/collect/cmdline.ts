// Pure: the kernel command line → what the collector needs (master address, boot NIC, post action, policies).
import { normalizeMac } from '../shared/peer.js';

export type PowerOffPolicy = 'if-bmc' | 'always' | 'never';

export interface PeerCmdline {
  /** pxeaddr=: the master's address as iPXE saw it (next-server) */
  pxeaddr?: string;
  /** BOOTIF=01-aa-bb-cc-dd-ee-ff → aa:bb:cc:dd:ee:ff (the leading 01 is the ARP hardware type) */
  bootMac?: string;
  postaction?: string;
  /** recon.poweroff= overrides the after-upload rule */
  poweroff?: PowerOffPolicy;
  /** recon.lldpwait= seconds to listen for LLDP neighbours */
  lldpWaitSeconds?: number;
  /** recon.master= full base URL of the master, e.g. http://10.0.0.1:8080 (tests, non-standard ports) */
  masterUrl?: string;
}

function words(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // quoted values ("a b") are kept whole, as the kernel does
  for (const m of text.matchAll(/([^\s=]+)(?:=("[^"]*"|\S*))?/g)) {
    if (m[1] && !out.has(m[1])) out.set(m[1], (m[2] ?? '').replace(/^"|"$/g, ''));
  }
  return out;
}

export function parseCmdline(text: string): PeerCmdline {
  const w = words(text);
  const out: PeerCmdline = {};
  const pxe = w.get('pxeaddr');
  if (pxe && /^[0-9a-f.:]+$/i.test(pxe)) out.pxeaddr = pxe;
  const bootif = w.get('BOOTIF');
  const m = bootif ? /^01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})$/i.exec(bootif) : null;
  const mac = m?.[1] ? normalizeMac(m[1]) : bootif ? normalizeMac(bootif) : undefined;
  if (mac) out.bootMac = mac;
  const post = w.get('postaction');
  if (post) out.postaction = post;
  const po = w.get('recon.poweroff');
  if (po === 'if-bmc' || po === 'always' || po === 'never') out.poweroff = po;
  const lldp = Number(w.get('recon.lldpwait'));
  if (w.has('recon.lldpwait') && Number.isInteger(lldp) && lldp >= 0 && lldp <= 600)
    out.lldpWaitSeconds = lldp;
  const url = w.get('recon.master');
  if (url && /^https?:\/\/[^\s/]+/.test(url)) out.masterUrl = url.replace(/\/+$/, '');
  return out;
}

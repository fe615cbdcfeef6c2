// Master-interface selection. Pure: table-tested. NICs are chosen, never renamed: the chosen NIC keeps the
// kernel's name and the master's runtime config names it.
//
// The wanted interface is a NIC name, a MAC, or "auto". A name or MAC that matches no NIC falls back to
// "auto" with a warning, because a stick carried into an unknown data center must still come up; "auto" is
// the first Ethernet NIC (by kernel index) whose link is up.
import { normalizeMac } from '../shared/peer.js';

export interface Nic {
  name: string;
  mac: string;
  ifindex: number;
  /** link detected (sysfs carrier = 1) */
  carrier: boolean;
  /** ARPHRD_ETHER and not a bridge, bond, tun/tap or wireless device */
  ethernet: boolean;
}

export type NicChoice =
  | { ok: true; nic: Nic; how: string; warning?: string }
  | { ok: false; error: string; warning?: string };

export function selectMasterNic(nics: readonly Nic[], wanted: string): NicChoice {
  const candidates = nics.filter((n) => n.ethernet).sort((a, b) => a.ifindex - b.ifindex);
  let warning: string | undefined;

  if (wanted !== 'auto') {
    const mac = normalizeMac(wanted);
    const hit = mac ? nics.find((n) => normalizeMac(n.mac) === mac) : nics.find((n) => n.name === wanted);
    if (hit) return { ok: true, nic: hit, how: mac ? `by MAC ${mac}` : `by name ${wanted}` };
    warning = `configured interface ${wanted} not found (present: ${
      nics.map((n) => `${n.name} ${n.mac}`).join(', ') || 'none'
    }); choosing automatically`;
  }

  const linked = candidates.find((n) => n.carrier);
  if (linked)
    return { ok: true, nic: linked, how: 'first Ethernet NIC with link', ...(warning && { warning }) };
  return {
    ok: false,
    error: candidates.length
      ? `no Ethernet NIC has link (${candidates.map((n) => n.name).join(', ')}): plug the isolated network in`
      : 'no Ethernet NIC found',
    ...(warning && { warning }),
  };
}

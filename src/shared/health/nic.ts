// NIC rules: a port that negotiated less than it can do, and a port down although a switch answered on it.
import type { NicInfo } from '../inventory/schema.js';
import { defined, finding, type HealthFinding, type Problem } from './types.js';

/** Physical ports only: bonds, bridges and VLANs inherit their state from them. */
const PHYSICAL = new Set(['ether']);

/** The fastest of ethtool's link modes ("25000baseSR/Full" → 25000 Mb/s); undefined for none. */
export function bestLinkMbps(modes: readonly string[] | undefined): number | undefined {
  const speeds = (modes ?? []).flatMap((m) => {
    const s = /^(\d+)base/.exec(m)?.[1];
    return s === undefined ? [] : [Number(s)];
  });
  return speeds.length > 0 ? Math.max(...speeds) : undefined;
}

export function assessNic(n: NicInfo): HealthFinding | undefined {
  if (!PHYSICAL.has(n.kind)) return undefined;
  const p: Problem[] = [];
  const neighbour = n.lldp?.systemName ?? n.lldp?.chassisId;
  const best = bestLinkMbps(n.supportedLinkModes);
  // Slower than the port can go: a wrong cable or optic, a damaged pair (gigabit falls back to 100 Mb/s on a
  // broken pair), or a switch port set slower; the machine works, at a fraction of its bandwidth.
  if (n.link === true && n.speedMbps !== undefined && best !== undefined && n.speedMbps < best)
    p.push({
      verdict: 'warn',
      reason: `link at ${n.speedMbps} Mb/s, the port supports ${best} Mb/s (cable, optic or switch port)`,
    });
  // A switch that sent LLDP on this port is cabled to it: no link now is a flapping cable, optic or port.
  if (n.link === false && n.lldp !== undefined)
    p.push({
      verdict: 'warn',
      reason: `link down, yet switch ${neighbour ?? 'a neighbour'} answered LLDP on it`,
    });
  return finding(
    `nic ${n.name}`,
    p,
    defined({
      link: n.link,
      speedMbps: n.speedMbps,
      bestSupportedMbps: best,
      duplex: n.duplex,
      lldpNeighbour: neighbour,
    }),
  );
}

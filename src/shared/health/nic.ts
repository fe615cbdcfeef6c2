// NIC rules: a port down although a switch answered on it.
import type { NicInfo } from '../inventory/schema.js';
import { defined, finding, type HealthFinding, type Problem } from './types.js';

/** Physical ports only: bonds, bridges and VLANs inherit their state from them. */
const PHYSICAL = new Set(['ether']);

export function assessNic(n: NicInfo): HealthFinding | undefined {
  if (!PHYSICAL.has(n.kind)) return undefined;
  const p: Problem[] = [];
  const neighbour = n.lldp?.systemName ?? n.lldp?.chassisId;
  // A switch that sent LLDP on this port is cabled to it: no link now is a flapping cable, optic or port.
  if (n.link === false && n.lldp !== undefined)
    p.push({
      verdict: 'warn',
      reason: `link down, yet switch ${neighbour ?? 'a neighbour'} answered LLDP on it`,
    });
  return finding(
    `nic ${n.name}`,
    p,
    defined({ link: n.link, speedMbps: n.speedMbps, duplex: n.duplex, lldpNeighbour: neighbour }),
  );
}

// Which BMC the master may drive for a peer. A peer's inventory only *names* a BMC; the master sends
// IPMI (with the fleet's credentials) only to an address it can tie to that peer itself:
//   - recon leased that address to the BMC MAC the peer reported (and no other node reports that MAC), or
//   - the address lies inside a configured BMC network (power.bmcNetworks) or the config names it (`bmcs`),
//     and recon leased it to nobody else;
// and never to the master's own addresses or its own BMC, nor to loopback/link-local addresses (unless a
// configured BMC network of that kind holds them), multicast, broadcast or unspecified ones.
// Pure: the facts are gathered from the state and the host by the caller, so every rule is table-tested.
import type { Mac } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';
import type { ReconConfig } from '../../model/config/schema.js';
import {
  canonicalAddress,
  cidrContains,
  cidrWithin,
  ipv4Ends,
  networkOf,
  parseCidr,
  specialKind,
  type Cidr,
} from '../../shared/cidr.js';

/** What a peer's inventory says about its BMC. */
export interface ReportedBmc {
  ipv4?: string;
  ipv6?: string;
  mac?: string;
}

export interface BmcFacts {
  /** recon's current (unexpired) leases */
  leases: readonly { mac: Mac; ip: string }[];
  /** the BMC MAC each node's inventory reports */
  bmcClaims: readonly { node: Mac; bmcMac: string }[];
  /** power.bmcNetworks */
  networks: readonly Cidr[];
  /** the addresses of config `bmcs` */
  configured: readonly string[];
  /** the master's own subnets: their network and broadcast addresses are never a BMC */
  masterSubnets: readonly Cidr[];
  /** every address of the master's host (config and interfaces) */
  masterAddresses: readonly string[];
  /** power.masterBmc */
  masterBmc: { addresses: readonly string[]; macs: readonly string[] };
}

export type BmcDecision =
  | { kind: 'target'; address: string; tie: string }
  | { kind: 'none' }
  | { kind: 'refused'; reason: string };

type AddressVerdict = { ok: true; address: string; tie: string } | { ok: false; why: string };

/** A peer-supplied string shown in a message: bounded and quoted unless it is a plain address. */
function shown(raw: string): string {
  return /^[0-9a-fA-F.:]{1,45}$/.test(raw) ? raw : JSON.stringify(raw.slice(0, 48));
}

const normMac = (mac: string | undefined) => mac?.toLowerCase().replace(/-/g, ':');

/** Why no BMC action may ever go to `address` (the master, its BMC, special addresses), or undefined. */
function forbidden(
  address: string,
  bmcMac: string | undefined,
  f: BmcFacts,
  what: string,
): string | undefined {
  const same = (other: string) => canonicalAddress(other) === address;
  if (f.masterAddresses.some(same)) return 'it is an address of the master itself';
  if (f.masterBmc.addresses.some(same)) return "it is the master's own BMC";
  if (bmcMac !== undefined && f.masterBmc.macs.some((m) => normMac(m) === bmcMac))
    return `the ${what} ${bmcMac} is the master's own BMC`;

  const special = specialKind(address);
  if (special) {
    const allowed =
      (special.kind === 'loopback' || special.kind === 'link-local') &&
      (f.networks.some((n) => cidrWithin(n, special.block) && cidrContains(n, address)) ||
        f.configured.some(same));
    if (!allowed)
      return special.kind === 'loopback' || special.kind === 'link-local'
        ? `it is a ${special.kind} address and no ${special.kind} block in power.bmcNetworks holds it`
        : `it is a ${special.kind} address`;
  }
  for (const net of [...f.masterSubnets, ...f.networks]) {
    const ends = ipv4Ends(net);
    if (ends?.includes(address)) return `it is the network or broadcast address of ${net.text}`;
  }
  return undefined;
}

/** Why recon's lease does not make `address` a BMC of its own choosing, or where else it is tied. */
function configuredTie(address: string, f: BmcFacts): string | undefined {
  if (f.configured.some((c) => canonicalAddress(c) === address)) return 'named in the config (bmcs)';
  const net = f.networks.find((n) => cidrContains(n, address));
  return net ? `inside power.bmcNetworks ${net.text}` : undefined;
}

function judgeAddress(peer: Mac, raw: string, reportedMac: string | undefined, f: BmcFacts): AddressVerdict {
  const address = canonicalAddress(raw);
  if (address === undefined) return { ok: false, why: 'it is not an IP address' };
  const never = forbidden(address, reportedMac, f, 'reported BMC MAC');
  if (never) return { ok: false, why: never };

  const holder = f.leases.find((l) => canonicalAddress(l.ip) === address)?.mac;
  if (holder !== undefined && holder === reportedMac) {
    const others = f.bmcClaims.filter((c) => normMac(c.bmcMac) === reportedMac && c.node !== peer);
    if (others.length)
      return {
        ok: false,
        why: `the BMC MAC ${reportedMac} is also reported by ${others.map((c) => c.node).join(', ')}`,
      };
    return { ok: true, address, tie: `leased by recon to the reported BMC MAC ${reportedMac}` };
  }
  if (holder !== undefined)
    return {
      ok: false,
      why:
        reportedMac === undefined
          ? `recon leased it to ${holder} and the inventory names no BMC MAC`
          : `recon leased it to ${holder}, not to the reported BMC MAC ${reportedMac}`,
    };
  const tie = configuredTie(address, f);
  if (tie) return { ok: true, address, tie };
  return {
    ok: false,
    why: 'not leased by recon to the reported BMC MAC, not in the config (bmcs) and outside power.bmcNetworks',
  };
}

/**
 * Whether the master may power on the BMC at `address` (no peer names it yet: the operator does). It
 * must be a BMC recon found on its own lease (the lease still held by the MAC it was found on), or one
 * the config names or places in power.bmcNetworks; never the master, its own BMC or a special address.
 * Pure.
 */
export function decidePowerOnTarget(
  raw: string,
  discoveredMac: string | undefined,
  f: BmcFacts,
): { ok: true; address: string; tie: string } | { ok: false; why: string } {
  const address = canonicalAddress(raw);
  if (address === undefined) return { ok: false, why: `BMC ${shown(raw)}: it is not an IP address` };
  const mac = normMac(discoveredMac);
  const never = forbidden(address, mac, f, 'BMC MAC');
  if (never) return { ok: false, why: `BMC ${address} refused: ${never}` };
  const holder = f.leases.find((l) => canonicalAddress(l.ip) === address)?.mac;
  if (mac !== undefined && holder === mac)
    return { ok: true, address, tie: `found on its lease from recon (MAC ${mac})` };
  if (holder !== undefined)
    return { ok: false, why: `BMC ${address} refused: recon leased it to ${holder}, not to a BMC it found` };
  const tie = configuredTie(address, f);
  if (tie) return { ok: true, address, tie };
  return {
    ok: false,
    why: `BMC ${address} refused: not found on a lease from recon, not in the config (bmcs) and outside power.bmcNetworks`,
  };
}

/** The BMC address the master may drive for `peer`, or why it may not drive the one reported. */
export function decideBmcTarget(peer: Mac, reported: ReportedBmc | undefined, facts: BmcFacts): BmcDecision {
  const candidates = [reported?.ipv4, reported?.ipv6].filter((a): a is string => typeof a === 'string');
  if (candidates.length === 0) return { kind: 'none' };
  const reportedMac = normMac(reported?.mac);
  const refusals: string[] = [];
  for (const raw of candidates) {
    const v = judgeAddress(peer, raw, reportedMac, facts);
    if (v.ok) return { kind: 'target', address: v.address, tie: v.tie };
    refusals.push(`BMC ${shown(raw)} not tied to ${peer}: ${v.why}`);
  }
  return { kind: 'refused', reason: refusals.join('; ') };
}

/** The facts for decideBmcTarget from the state, the config and the host's addresses. Pure. */
export function bmcFacts(
  state: ReconState,
  config: ReconConfig,
  hostAddresses: readonly string[],
  now: number,
): BmcFacts {
  const leases: { mac: Mac; ip: string }[] = [];
  const bmcClaims: { node: Mac; bmcMac: string }[] = [];
  // a BMC is usually no node (it does not boot over the network): its lease is among the hosts
  for (const h of [...Object.values(state.nodes), ...Object.values(state.hosts ?? {})])
    for (const l of [h.lease4, h.lease6])
      if (l && Date.parse(l.expiresAt) > now) leases.push({ mac: h.mac, ip: l.ip });
  for (const n of Object.values(state.nodes)) {
    const bmcMac = n.inventory?.summary.bmc?.mac;
    if (bmcMac) bmcClaims.push({ node: n.mac, bmcMac });
  }
  const cidrs = (texts: readonly string[]) => texts.map(parseCidr).filter((c): c is Cidr => !('error' in c));
  const masterAddresses = [config.ipv4.address, ...hostAddresses];
  if (config.ipv6.enabled) masterAddresses.push(config.ipv6.address);
  return {
    leases,
    bmcClaims,
    networks: cidrs(config.power.bmcNetworks),
    configured: config.bmcs.map((b) => b.address),
    masterSubnets: [networkOf(config.ipv4.address, config.ipv4.prefix)],
    masterAddresses,
    masterBmc: config.power.masterBmc,
  };
}

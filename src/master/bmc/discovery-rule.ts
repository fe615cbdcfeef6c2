// Recognising BMCs among recon's lease holders, pure: which holder to probe and when, what a Redfish
// service root says about its maker, and what the probes add up to. The prober (discovery.ts) does the
// I/O and follows these answers, so every rule is table-tested.
import type { BmcDriverName, BmcFound, Mac } from '../../model/events.js';

/**
 * OUIs (first three MAC octets) of makers whose BMC NICs lease addresses: a hint that orders the probe
 * queue and names the vendor when the BMC itself does not. Never a reason to skip a probe.
 */
const BMC_OUIS: Readonly<Record<string, string>> = {
  '00:25:90': 'Supermicro',
  '0c:c4:7a': 'Supermicro',
  'ac:1f:6b': 'Supermicro',
  '3c:ec:ef': 'Supermicro',
  '18:66:da': 'Dell',
  'd0:94:66': 'Dell',
  '50:9a:4c': 'Dell',
  '94:18:82': 'HPE',
  '1c:98:ec': 'HPE',
  '90:1b:0e': 'Fujitsu',
  'b4:2e:99': 'Gigabyte',
};

/** Vendor-class (DHCP option 60) prefixes BMC firmware sends. */
const BMC_VENDOR_CLASSES: readonly [RegExp, string][] = [
  [/^iDRAC/i, 'Dell'],
  [/^CPQ|^HPE? ?iLO/i, 'HPE'],
  [/^(XCC|IMM)/i, 'Lenovo'],
  [/^(irmc|iRMC)/, 'Fujitsu'],
];

/** The vendor a lease holder's MAC or vendor class suggests, if any. Pure. */
export function bmcHint(mac: Mac, vendorClass?: string): string | undefined {
  for (const [re, vendor] of BMC_VENDOR_CLASSES) if (vendorClass && re.test(vendorClass)) return vendor;
  return BMC_OUIS[mac.slice(0, 8).toLowerCase()];
}

/** What recon remembers of the last probe of one lease holder. */
export interface ProbeMemo {
  ip: string;
  at: number;
}

/**
 * Whether a lease for `mac` at `ip` should be probed now. A node (a boot client) is no BMC; a holder is
 * probed on its first lease, on a new address, and on a renewal once `reprobeMs` has passed.
 */
export function probeDue(
  lease: { mac: Mac; ip: string; isNode: boolean },
  last: ProbeMemo | undefined,
  now: number,
  reprobeMs: number,
): boolean {
  if (lease.isNode) return false;
  if (!last || last.ip !== lease.ip) return true;
  return now - last.at >= reprobeMs;
}

/** What an unauthenticated GET of /redfish/v1/ gave. */
export interface ServiceRootFacts {
  vendor?: string;
  model?: string;
}

/** `Oem` keys of a service root, and the vendor each stands for. */
const OEM_VENDORS: Readonly<Record<string, string>> = {
  Dell: 'Dell',
  Hpe: 'HPE',
  Hp: 'HPE',
  Supermicro: 'Supermicro',
  Lenovo: 'Lenovo',
  Ami: 'AMI',
  ts_fujitsu: 'Fujitsu',
};

const text = (v: unknown, max = 64): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined;

/**
 * The facts of a Redfish service root, or undefined when `body` is no service root (any HTTPS server
 * may answer on 443: only a JSON object naming a RedfishVersion or the `#ServiceRoot.` type counts). Pure.
 */
export function serviceRootFacts(body: unknown): ServiceRootFacts | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const root = body as Record<string, unknown>;
  const odataType = text(root['@odata.type'], 200);
  if (text(root.RedfishVersion) === undefined && !odataType?.startsWith('#ServiceRoot.')) return undefined;
  const oem = typeof root.Oem === 'object' && root.Oem !== null ? Object.keys(root.Oem) : [];
  const vendor = text(root.Vendor) ?? oem.map((k) => OEM_VENDORS[k]).find((v) => v !== undefined);
  const model = text(root.Product);
  return { ...(vendor && { vendor }), ...(model && { model }) };
}

/** What the two probes of one address saw. */
export interface ProbeResult {
  /** the service root's facts when a Redfish service root answered on 443 */
  redfish?: ServiceRootFacts;
  /** an RMCP presence pong came back from 623 */
  rmcp: boolean;
}

/**
 * The `bmc.discovered` event the probes make, or undefined when the address is no BMC. A BMC from the
 * config is listed whatever the probes saw (the operator says it is one); its driver choice wins. Pure.
 */
export function discoveredBmc(
  who: { address: string; mac?: Mac; vendorClass?: string; source: BmcFound['source'] },
  probe: ProbeResult,
  choice: BmcDriverName | 'auto' = 'auto',
): BmcFound | undefined {
  const redfish = probe.redfish !== undefined;
  if (!redfish && !probe.rmcp && who.source !== 'config') return undefined;
  const driver: BmcDriverName = choice !== 'auto' ? choice : redfish ? 'redfish' : 'ipmi';
  const vendor = probe.redfish?.vendor ?? (who.mac ? bmcHint(who.mac, who.vendorClass) : undefined);
  return {
    address: who.address,
    ...(who.mac && { mac: who.mac }),
    ...(vendor && { vendor }),
    ...(probe.redfish?.model && { model: probe.redfish.model }),
    driver,
    redfish,
    ipmi: probe.rmcp,
    source: who.source,
  };
}

// Opening a BMC: the driver the caller names, or for 'auto' Redfish when the address answers a Redfish
// service root on HTTPS, IPMI when it answers an RMCP presence ping, an 'unreachable' BmcError otherwise.
import { BmcError, type BmcCredentials, type BmcDriver, type BmcDriverChoice } from './driver.js';
import { IpmiDriver } from './ipmi/driver.js';
import { IpmiClient } from './ipmi/ipmitool.js';
import { presencePing } from './ipmi/rmcp.js';
import { openRedfish, probeRedfish, type RedfishOptions } from './redfish/driver.js';

export interface IpmiSettings {
  port: number;
  cipherSuite: number;
  timeoutSeconds: number;
  retries: number;
  ipmitool?: string;
}

export interface OpenBmcOptions {
  /** host (IPv4/IPv6 literal or name) of the BMC */
  address: string;
  driver?: BmcDriverChoice;
  credentials: BmcCredentials;
  /** the file of trusted TLS certificate fingerprints (data dir); see tofu.ts */
  tofuStore: string;
  redfish?: Partial<Omit<RedfishOptions, 'host' | 'credentials' | 'tofuStore'>>;
  ipmi?: Partial<IpmiSettings>;
}

export const IPMI_DEFAULTS: IpmiSettings = { port: 623, cipherSuite: 3, timeoutSeconds: 20, retries: 1 };

function openIpmi(o: OpenBmcOptions): BmcDriver {
  const s = { ...IPMI_DEFAULTS, ...o.ipmi };
  const client = new IpmiClient(
    { host: o.address, port: s.port, cipherSuite: s.cipherSuite, ...o.credentials },
    { timeoutSeconds: s.timeoutSeconds, retries: s.retries, ipmitool: s.ipmitool },
  );
  return new IpmiDriver(client);
}

export async function openBmc(o: OpenBmcOptions): Promise<BmcDriver> {
  const redfish: RedfishOptions = {
    host: o.address,
    credentials: o.credentials,
    tofuStore: o.tofuStore,
    ...o.redfish,
  };
  const choice = o.driver ?? 'auto';
  if (choice === 'ipmi') return openIpmi(o);
  if (choice === 'redfish') return openRedfish(redfish);
  if (await probeRedfish(redfish)) return openRedfish(redfish);
  const s = { ...IPMI_DEFAULTS, ...o.ipmi };
  if ((await presencePing(o.address, s.port, 2000)) === 'pong') return openIpmi(o);
  throw new BmcError(
    'unreachable',
    o.address,
    `neither a Redfish service on HTTPS port ${redfish.port ?? 443} nor IPMI on UDP port ${s.port} answered`,
  );
}

// Powering a machine off through an ipmitool client alone: the BMC layer's power-off (bmc-poweroff.ts:
// graceful, bounded grace, forced) over the IPMI driver, for callers that hold an IpmiClient.
import type { IpmiClient } from '../../net/bmc/ipmi/ipmitool.js';
import { IpmiDriver } from '../../net/bmc/ipmi/driver.js';
import { bmcPowerOff, type BmcPowerOffOptions, type BmcPowerOffResult } from './bmc-poweroff.js';

export function ipmiPowerOff(client: IpmiClient, o: BmcPowerOffOptions): Promise<BmcPowerOffResult> {
  return bmcPowerOff(new IpmiDriver(client), o);
}

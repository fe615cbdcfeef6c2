// `recon lab --qemu N --bmc`: the lab's VMs as machines with a BMC. Each VM starts switched off, with a
// bootable disk first in its boot order; its BMC sits in a namespace of its own on the lab bridge (a fixed
// address below the DHCP pool, named in the master's config with the lab's credentials file) and drives
// the VM's power and one-time boot device: ipmi_sim, wired to the guest over KCS too, or for every other
// VM the Redfish simulator where this installation has it. Nothing boots until the master powers a VM on
// through its BMC (the console's power-on key; headless, the lab asks itself).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileDurable } from '../../shared/durable.js';
import type { LabNetwork } from '../network.js';
import { startIpmiBmc } from './ipmi-bmc.js';
import { labVmMac } from './qemu-peers.js';
import { startRedfishBmc } from './redfish-bmc.js';
import { preparePoweredVm, type PoweredVm } from './vm-power.js';

/** BMC addresses sit below the lab's DHCP pool (which starts at .20). */
export const MAX_LAB_BMCS = 16;
export const LAB_BMC_USER = 'admin';
const KCS_PORT = 9002;

/** The address of the n-th lab BMC on subnet `v4` ("10.213.7"). Pure. */
export function labBmcAddress(v4: string, n: number): string {
  if (n < 0 || n >= MAX_LAB_BMCS) throw new Error(`lab: at most ${MAX_LAB_BMCS} VMs with a BMC`);
  return `${v4}.${2 + n}`;
}

export type LabBmcDriver = 'ipmi' | 'redfish';

/** ipmi_sim for even VMs, the Redfish simulator for odd ones when there is one. Pure. */
export function labBmcDriver(n: number, redfish: boolean): LabBmcDriver {
  return redfish && n % 2 === 1 ? 'redfish' : 'ipmi';
}

export const labBmcMac = (n: number): string =>
  `02:1a:b2:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;

/**
 * The lab's BMC credentials file (user, password; 0600), with a password made for this lab. Returns its
 * path: the master's config names it, the BMCs take the same user and password.
 */
export async function writeLabBmcCredentials(labDir: string): Promise<{ file: string; password: string }> {
  const password = randomBytes(12).toString('base64url');
  const file = join(labDir, 'bmc-credentials');
  await writeFileDurable(file, `${LAB_BMC_USER}\n${password}\n`, { mode: 0o600 });
  return { file, password };
}

export interface LabBmcVm {
  address: string;
  driver: LabBmcDriver;
  vm: PoweredVm;
  bmc: { stop(): Promise<void> };
}

export interface LabBmcVmRun {
  vms: LabBmcVm[];
  /** per VM: resolves 0 once the VM has been on and is off again (null when the lab stops first) */
  exits: Promise<number | null>[];
  stop(): Promise<void>;
}

/** Sets up every VM (switched off) with its BMC; the caller powers them on through the master. */
export async function startLabBmcVms(o: {
  count: number;
  net: LabNetwork;
  workDir: string;
  password: string;
  /** how to run the Redfish simulator (redfishSimCommand()); none: ipmi_sim for every VM */
  redfish?: string[];
  say: (s: string) => void;
}): Promise<LabBmcVmRun> {
  const vms: LabBmcVm[] = [];
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    for (const v of vms) {
      await v.vm.stop();
      await v.bmc.stop();
    }
  };
  try {
    for (let i = 0; i < o.count; i++) {
      const address = labBmcAddress(o.net.subnet.v4, i);
      const ns = await o.net.addBmc(i, labBmcMac(i), address);
      const tap = `rqvm${i}`;
      await o.net.addTap(tap);
      const name = `vm${i}`;
      const driver = labBmcDriver(i, o.redfish !== undefined);
      const vm = await preparePoweredVm({
        name,
        mac: labVmMac(i),
        tap,
        netns: o.net.masterNs,
        stateDir: join(o.workDir, name),
        ipmiBmc: driver === 'ipmi' ? { host: address, port: KCS_PORT } : undefined,
      });
      const common = { dir: join(o.workDir, `${name}-bmc`), netns: ns, address, username: LAB_BMC_USER };
      const bmc =
        driver === 'redfish'
          ? await startRedfishBmc({
              ...common,
              command: o.redfish!,
              password: o.password,
              hostScript: vm.script,
            })
          : await startIpmiBmc({
              ...common,
              kcsAddress: address,
              kcsPort: KCS_PORT,
              password: o.password,
              chassisControl: vm.script,
            });
      vms.push({ address, driver, vm, bmc });
      const what = driver === 'redfish' ? 'the Redfish simulator' : 'ipmi_sim';
      o.say(
        `lab: ${name} (bios-ipxe, ${labVmMac(i)}) switched off, disk first; its BMC ${what} at ${address}; serial log ${vm.serialLog}`,
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const wentOff = async (vm: PoweredVm): Promise<number | null> => {
    let wasOn = false;
    while (!stopping) {
      const on = await vm.isOn().catch(() => false);
      if (wasOn && !on) return 0;
      wasOn ||= on;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return null;
  };
  return { vms, exits: vms.map((v) => wentOff(v.vm)), stop };
}

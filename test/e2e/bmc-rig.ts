// A QEMU peer with a real BMC in a NetnsRig: the VM's NIC on a tap of br0 (SeaBIOS + iPXE ROM, a bootable
// disk first in its boot order), and ipmi_sim as its BMC in a namespace of its own whose eth0 sits on the
// same bridge, so recon reaches the BMC over the rig network. The VM starts powered off; only the BMC
// powers it on (ipmi_sim runs the VM's power program as chassis_control) and its KCS interface is wired
// to the same ipmi_sim.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabVmImage } from '../../src/lab/vm/build.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { startIpmiBmc, type IpmiBmc } from '../../src/lab/vm/ipmi-bmc.js';
import { preparePoweredVm, type PoweredVm } from '../../src/lab/vm/vm-power.js';
import { REDFISH_SIM_PROGRAM, redfishSimCommand, startRedfishBmc } from '../../src/lab/vm/redfish-bmc.js';
import { startMaster, type RunningMaster } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import type { ExecResult, NetnsRig, RigScope } from '../helpers/netns.js';
import { startRigMaster } from './vm-rig.js';

/** The BMCs' addresses on the rig's 10.99.0.0/24, outside the master's pool (.100-.200). */
export const RIG_BMC_ADDRESS = '10.99.0.50';
export const RIG_REDFISH_ADDRESS = '10.99.0.51';
export const RIG_BMC_USER = 'admin';
export const RIG_BMC_PASSWORD = 'rig-bmc-pass';
export const RIG_VM_MAC = '52:54:00:9e:b0:01';
const KCS_PORT = 9002;

export function bmcVmSkip(): string | false {
  return needs({ root: true, tools: ['ipmi_sim', 'ipmitool'] });
}

export interface IpmiVmRig {
  vm: PoweredVm;
  bmc: IpmiBmc;
  bmcNs: string;
  /** ipmitool -I lanplus against the BMC, from the master's namespace (the password from a file) */
  ipmitool(args: string[]): Promise<ExecResult>;
}

/** Builds the BMC namespace, ipmi_sim and the (powered-off) VM inside `scope`; its cleanups are deferred. */
export async function ipmiVmRig(scope: RigScope): Promise<IpmiVmRig> {
  const { rig, dir, defer } = scope;
  const tap = await rig.addTap();
  const bmcPeer = await rig.addPeer('02:00:00:9e:b0:01');
  const addr = await rig.exec(bmcPeer.ns, ['ip', 'addr', 'add', `${RIG_BMC_ADDRESS}/24`, 'dev', 'eth0']);
  if (addr.code !== 0) throw new Error(`bmc address: ${addr.stderr}`);
  const vm = await preparePoweredVm({
    name: 'bmcvm0',
    mac: RIG_VM_MAC,
    tap,
    netns: rig.masterNs,
    stateDir: join(dir, 'vm'),
    ipmiBmc: { host: RIG_BMC_ADDRESS, port: KCS_PORT },
  });
  defer(() => vm.stop());
  const bmc = await startIpmiBmc({
    dir: join(dir, 'bmc'),
    netns: bmcPeer.ns,
    address: RIG_BMC_ADDRESS,
    kcsAddress: RIG_BMC_ADDRESS,
    kcsPort: KCS_PORT,
    username: RIG_BMC_USER,
    password: RIG_BMC_PASSWORD,
    chassisControl: vm.script,
  });
  defer(() => bmc.stop());
  const passFile = join(dir, 'bmc-pass');
  await writeFile(passFile, RIG_BMC_PASSWORD, { mode: 0o600 });
  return {
    vm,
    bmc,
    bmcNs: bmcPeer.ns,
    ipmitool: (args) =>
      rig.exec(
        rig.masterNs,
        [
          'ipmitool',
          '-I',
          'lanplus',
          '-C',
          '3',
          '-H',
          RIG_BMC_ADDRESS,
          '-U',
          RIG_BMC_USER,
          '-f',
          passFile,
          ...args,
        ],
        { timeoutMs: 60_000 },
      ),
  };
}

/**
 * The rig's `recon master` (the lab image staged, every service on br0) that also drives BMCs: `bmcs`
 * names them and the fleet credentials file (0600) is in `power`. Started as the VM rig's master, then
 * restarted on the same directory with these keys added to its config.
 */
export async function startBmcRigMaster(
  rig: NetnsRig,
  image: LabVmImage,
  bmcs: NonNullable<ReconConfigInput['bmcs']>,
): Promise<RunningMaster> {
  const first = await startRigMaster(rig, image);
  await first.stop();
  const credentials = join(first.dir, 'bmc.cred');
  await writeFile(credentials, `${RIG_BMC_USER}\n${RIG_BMC_PASSWORD}\n`);
  await chmod(credentials, 0o600);
  const config = JSON.parse(await readFile(first.configPath, 'utf8')) as ReconConfigInput;
  return startMaster({
    dir: first.dir,
    netns: rig.masterNs,
    config: () => ({
      ...config,
      bmcs,
      power: {
        ...config.power,
        bmcCredentialsFile: credentials,
        bmcDiscovery: { timeoutSeconds: 2 },
        ipmi: { timeoutSeconds: 20, retries: 1 },
      },
    }),
  });
}

export interface RedfishVmRig {
  vm: PoweredVm;
  /** https://ADDRESS:443 */
  url: string;
  /** the simulator's certificate fingerprint (sha256) */
  fingerprint: string;
  /** the simulator's stdout and stderr so far */
  output(): string;
}

/**
 * The same VM behind the Redfish simulator instead (HTTPS on 443 at RIG_REDFISH_ADDRESS, in a namespace of
 * its own on br0): its host hooks run the VM's power program, the one-time boot override becoming the
 * VM's boot order for that power on. No KCS here: the guest sees no BMC.
 */
export async function redfishVmRig(scope: RigScope, vendor = 'plain'): Promise<RedfishVmRig> {
  const { rig, dir, defer } = scope;
  const tap = await rig.addTap();
  const bmcPeer = await rig.addPeer('02:00:00:9e:b0:02');
  const addr = await rig.exec(bmcPeer.ns, ['ip', 'addr', 'add', `${RIG_REDFISH_ADDRESS}/24`, 'dev', 'eth0']);
  if (addr.code !== 0) throw new Error(`bmc address: ${addr.stderr}`);
  const vm = await preparePoweredVm({
    name: 'rfvm0',
    mac: RIG_VM_MAC,
    tap,
    netns: rig.masterNs,
    stateDir: join(dir, 'rfvm'),
  });
  defer(() => vm.stop());
  const command = redfishSimCommand();
  if (!command) throw new Error(`no Redfish simulator at ${REDFISH_SIM_PROGRAM}`);
  const bmc = await startRedfishBmc({
    command,
    dir: join(dir, 'redfish'),
    netns: bmcPeer.ns,
    address: RIG_REDFISH_ADDRESS,
    username: RIG_BMC_USER,
    password: RIG_BMC_PASSWORD,
    hostScript: vm.script,
    vendor,
  });
  defer(() => bmc.stop());
  return {
    vm,
    url: `https://${RIG_REDFISH_ADDRESS}:443`,
    fingerprint: bmc.fingerprint,
    output: () => bmc.output(),
  };
}

// `recon lab --qemu N`: the lab's real VMs. Before the master starts, prepareLabVms() builds (or reuses) the
// collector-mode lab image and stages it in the lab's /install tree, where the master's menu picks it as the
// newest image — from then on the simulated peers fetch the same kernel + initramfs as the VMs. After the
// simulated peers are on their way, start() boots the VMs on taps of the lab bridge, firmware alternating
// SeaBIOS + iPXE ROM and OVMF's own PXE client. Each VM is a lab peer like the others: the lab waits for its
// inventory, shuts it down with the same console action, and kills whatever still runs at teardown.
// With `bmc`, the VMs start switched off behind their BMCs instead (lab-bmc-vms.ts).
import { join } from 'node:path';
import { LabNetwork, type LabPlace } from '../network.js';
import { buildLabVm } from './build.js';
import { startLabBmcVms } from './lab-bmc-vms.js';
import { stageLabImage, startQemuPeers, type QemuPeers } from './qemu-peers.js';

/** The VMs' MACs and, per VM, a promise of QEMU's exit code (0: the guest powered off). */
export interface LabVmRun {
  macs: string[];
  exits: Promise<number | null>[];
  /** the BMC addresses, when the VMs sit behind BMCs (switched off until powered on through them) */
  bmcs?: string[];
  stop(): Promise<void>;
}

export interface LabVms {
  /** starts the VMs on the lab bridge; only the namespace lab (root) has one */
  start(place: LabPlace): Promise<LabVmRun>;
}

/** Builds or reuses the lab image and stages it under `<labDir>/install/recon`. */
export async function prepareLabVms(
  labDir: string,
  count: number,
  say: (s: string) => void,
  /** the VMs' BMCs take this password (the lab's credentials file holds it); Redfish: the simulator's argv */
  bmc?: { password: string; redfish?: string[] },
): Promise<LabVms> {
  const image = await buildLabVm({ mode: 'collector', log: (l) => say(`lab: vm image: ${l}`) });
  await stageLabImage(join(labDir, 'install', 'recon'), image);
  say(
    `lab: vm image ${image.built ? 'built' : 'reused'}: kernel ${image.kernelRelease}, initramfs ${(image.initrdBytes / 1048576).toFixed(1)} MiB`,
  );
  return {
    async start(place): Promise<LabVmRun> {
      if (!(place instanceof LabNetwork)) throw new Error('lab: QEMU VMs need the namespace lab (root)');
      const workDir = join(labDir, 'vms');
      if (bmc) {
        const run = await startLabBmcVms({ count, net: place, workDir, ...bmc, say });
        return {
          macs: run.vms.map((v) => v.vm.mac),
          exits: run.exits,
          bmcs: run.vms.map((v) => v.address),
          stop: () => run.stop(),
        };
      }
      const peers: QemuPeers = await startQemuPeers({
        count,
        netns: place.masterNs,
        bridge: place.bridge,
        workDir,
        log: (l) => say(`lab: ${l}`),
      });
      return {
        macs: peers.vms.map((vm) => vm.spec.mac),
        exits: peers.vms.map((vm) => vm.exited.then((x) => x.code)),
        stop: () => peers.stop(),
      };
    },
  };
}

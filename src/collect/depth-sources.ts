// The sources behind the inventory's depth (schema version 2): CPU caches, NUMA nodes, USB, TPM, SR-IOV, disk
// ids, software RAID, what smartctl reaches behind controllers, kernel errors — and, per device, pluggable NIC
// modules, NVIDIA GPUs and the RAID vendors' tools. Every one is optional: a tool or file that is not there
// replays as `missing`; a vendor tool runs only when the PCI list shows that vendor's device.
import type { PciDevice } from '../shared/inventory/schema.js';
import { isGpuClass, NVIDIA_SMI_QUERY } from './parsers/gpu.js';
import type { RawRun, TreeSpec } from './run-tools.js';
import type { SourceRunner } from './sources.js';

/** sysfs (and /dev) directories read as trees, by source id. */
export const DEPTH_TREES: Record<string, TreeSpec> = {
  numa: { root: '/sys/devices/system/node', entries: '^node\\d+$', files: ['cpulist', 'meminfo'] },
  usb: {
    root: '/sys/bus/usb/devices',
    entries: '^\\d+-\\d+(\\.\\d+)*$',
    files: ['busnum', 'devnum', 'idVendor', 'idProduct', 'manufacturer', 'product', 'speed', 'bDeviceClass'],
  },
  tpm: {
    root: '/sys/class/tpm',
    entries: '^tpm\\d+$',
    files: ['tpm_version_major', 'device/caps', 'device/description'],
  },
  sriov: {
    root: '/sys/class/net',
    entries: '^(?!lo$)',
    files: ['device/sriov_totalvfs', 'device/sriov_numvfs', 'device/numa_node'],
  },
  'pci-numa': { root: '/sys/bus/pci/devices', entries: '^[0-9a-f]{4,}:', files: ['numa_node'] },
  'by-id': { root: '/dev/disk/by-id', entries: '^(?!.*-part\\d+$)', links: true },
};

/** Phase 1: what does not depend on the hardware found. */
export function depthBaseSteps(src: SourceRunner, t: number): Promise<RawRun>[] {
  return [
    src.run('lscpu-caches', ['lscpu', '-J', '-C', '-B'], t),
    src.run('dmesg-errors', ['dmesg', '--level=err,crit,alert,emerg'], t),
    src.run('smartctl-scan', ['smartctl', '--scan'], t),
    src.read('mdstat', '/proc/mdstat'),
    ...Object.entries(DEPTH_TREES).map(([id, spec]) => src.tree(id, spec)),
  ];
}

const skip = (id: string, argv: string[], why: string): RawRun => ({
  id,
  argv,
  stdout: '',
  stderr: why,
  durationMs: 0,
  error: 'skipped',
});

// RAID tools by the PCI vendor of the controllers they drive: Broadcom/LSI (MegaRAID, and Dell's PERC built on
// it), HPE Smart Array and the Microchip/Adaptec controllers HPE ships.
const RAID_TOOLS: { id: string; argv: string[]; vendors: string[] }[] = [
  { id: 'storcli', argv: ['storcli64', '/call', 'show', 'J'], vendors: ['1000'] },
  { id: 'perccli', argv: ['perccli64', '/call', 'show', 'J'], vendors: ['1000'] },
  { id: 'ssacli', argv: ['ssacli', 'ctrl', 'all', 'show', 'config'], vendors: ['103c', '9005'] },
];

export const isStorageControllerClass = (classId: string | undefined): boolean =>
  classId === '0104' || classId === '0107';

/** Phase 2: per NIC (`ethtool -m`), and the GPU and RAID tools the PCI list calls for. */
export function depthDeviceSteps(
  src: SourceRunner,
  t: number,
  nics: string[],
  pci: readonly PciDevice[],
): Promise<RawRun>[] {
  const smiArgv = ['nvidia-smi', `--query-gpu=${NVIDIA_SMI_QUERY}`, '--format=csv,noheader,nounits'];
  const nvidia = pci.some((d) => isGpuClass(d.classId) && d.vendorId === '10de');
  const controllers = pci.filter((d) => isStorageControllerClass(d.classId));
  return [
    ...nics.map((n) => src.run(`ethtool-m:${n}`, ['ethtool', '-m', n], t)),
    nvidia
      ? src.run('nvidia-smi', smiArgv, t)
      : Promise.resolve(skip('nvidia-smi', smiArgv, 'no NVIDIA GPU on PCI')),
    ...RAID_TOOLS.map(({ id, argv, vendors }) =>
      controllers.some((c) => vendors.includes(c.vendorId ?? ''))
        ? src.run(id, argv, t)
        : Promise.resolve(skip(id, argv, `no RAID controller of PCI vendor ${vendors.join('/')}`)),
    ),
  ];
}

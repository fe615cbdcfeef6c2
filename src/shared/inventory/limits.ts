// Bounds of the inventory document, apart from the schema so the collector's bundle can cap what it writes
// without zod. docs/inventory.md lists them.
//
// Every list and string is bounded, sized to real hardware with room to spare (an 8-socket server has
// ~200 DIMM slots and ~1,000 PCI functions with its VFs; a storage server ~100 disks): an inventory is
// written by an untrusted peer, and the master must reject a hostile one in milliseconds.
export const INVENTORY_LIMITS = {
  text: 256,
  longText: 1024,
  stderr: 4096,
  cpuFlags: 512,
  cpuPackages: 64,
  dimms: 512,
  disks: 1024,
  byPath: 32,
  nics: 512,
  addresses: 64,
  vlans: 4096,
  pci: 2048,
  modules: 16,
  argv: 64,
  tools: 4096,
  /** UEFI Boot#### entries: firmware lists ~5–40 (one per NIC port and protocol, disks, shells) */
  bootEntries: 128,
  /** EDAC counters: one per DIMM (as `dimms`) plus one per memory controller */
  edacCounters: 1024,
  /** IPMI SEL entries kept: the newest; a SEL holds at most ~3,000 */
  selEntries: 256,
  /** IPMI sensors: a large server has ~200–400 */
  sensors: 1024,
  /** CPU caches as lscpu lists them: L1d, L1i, L2, L3 (a few more on some parts) */
  cpuCaches: 16,
  /** NUMA nodes: 8 sockets × 4 nodes per socket (AMD NPS4), plus memory-only (CXL, HBM) nodes */
  numaNodes: 128,
  /** a CPU list ("0-31,64-95"), written by the kernel as ranges */
  cpuList: 4096,
  /** ethtool link modes one NIC supports or advertises: ~40 on a 100/200G port */
  linkModes: 64,
  /** GPUs and accelerators: 8–16 in a GPU server */
  gpus: 64,
  /** USB devices: a few on a server, 127 per bus at most */
  usbDevices: 256,
  /** storage controllers (RAID, SAS HBAs) */
  storageControllers: 64,
  /** software RAID arrays, and the members of one */
  raidArrays: 128,
  raidMembers: 256,
  /** disks behind RAID controllers (smartctl --scan, vendor CLIs), virtual disks: a controller drives at most 240 */
  raidDisks: 256,
  /** the last kernel error lines kept from dmesg */
  kernelErrorLines: 20,
} as const;

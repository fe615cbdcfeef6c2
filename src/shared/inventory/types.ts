// The inventory document a peer uploads (inventory.json), schema version 1. Documented in docs/inventory.md,
// validated by the JSON Schema in ./json-schema.ts. Rule: a field that is absent means "not known";
// why it is not known is in `tools` (the source was missing, failed, timed out or printed garbage).

export const INVENTORY_SCHEMA_VERSION = 1;

/** How one data source (a tool, or a file read) went. Keyed in `Inventory.tools` by source id, e.g. "smartctl:sda". */
export interface ToolRun {
  /** ok: ran and parsed; missing: binary/file not there; failed: non-zero exit or no usable output;
   *  timeout: killed after its time limit; unparsable: ran but the output could not be read; skipped: not applicable */
  status: 'ok' | 'missing' | 'failed' | 'timeout' | 'unparsable' | 'skipped';
  argv: string[];
  exitCode?: number;
  /** the first part of stderr (or the parse error), never the whole output */
  stderr?: string;
  durationMs: number;
}

export interface SystemInfo {
  vendor?: string;
  product?: string;
  version?: string;
  serial?: string;
  uuid?: string;
  sku?: string;
  family?: string;
}

export interface BaseboardInfo {
  vendor?: string;
  product?: string;
  version?: string;
  serial?: string;
}

export type BootMode = 'uefi' | 'bios' | 'unknown';

export interface FirmwareInfo {
  vendor?: string;
  version?: string;
  /** as the firmware reports it (SMBIOS: MM/DD/YYYY) */
  date?: string;
  bootMode: BootMode;
}

export interface ChassisInfo {
  vendor?: string;
  type?: string;
  serial?: string;
  assetTag?: string;
  heightU?: number;
}

export interface CpuPackage {
  socket: string;
  model?: string;
  vendor?: string;
  cores?: number;
  threads?: number;
  maxMhz?: number;
}

export interface CpuInfo {
  model?: string;
  vendor?: string;
  architecture?: string;
  /** populated sockets */
  sockets?: number;
  /** physical cores, all sockets */
  cores?: number;
  /** logical CPUs the kernel sees */
  threads?: number;
  mhz?: number;
  flags: string[];
  packages: CpuPackage[];
}

export interface Dimm {
  slot: string;
  bank?: string;
  sizeBytes?: number;
  type?: string;
  formFactor?: string;
  speedMTs?: number;
  configuredSpeedMTs?: number;
  vendor?: string;
  part?: string;
  serial?: string;
}

export interface MemoryInfo {
  /** what the kernel can use (MemTotal) */
  totalBytes?: number;
  /** sum of installed DIMMs (SMBIOS) */
  installedBytes?: number;
  slots?: number;
  dimms: Dimm[];
}

export type SmartHealth = 'passed' | 'failed' | 'unknown';

export interface DiskInfo {
  name: string;
  path: string;
  model?: string;
  vendor?: string;
  serial?: string;
  wwn?: string;
  firmware?: string;
  sizeBytes?: number;
  rotational?: boolean;
  removable?: boolean;
  transport?: string;
  byPath: string[];
  smart?: { health: SmartHealth; powerOnHours?: number; temperatureC?: number; protocol?: string };
}

export interface LldpNeighbor {
  chassisId?: string;
  systemName?: string;
  systemDescription?: string;
  portId?: string;
  portDescription?: string;
  vlans: number[];
  mgmtIp: string[];
}

export interface NicInfo {
  name: string;
  mac: string;
  permanentMac?: string;
  kind: string;
  driver?: string;
  driverVersion?: string;
  firmware?: string;
  pciAddress?: string;
  speedMbps?: number;
  duplex?: string;
  link?: boolean;
  mtu?: number;
  /** bond/bridge this NIC is enslaved to */
  master?: string;
  ipv4: string[];
  ipv6: string[];
  lldp?: LldpNeighbor;
}

export interface PciDevice {
  slot: string;
  className?: string;
  classId?: string;
  vendor?: string;
  vendorId?: string;
  device?: string;
  deviceId?: string;
  subVendor?: string;
  subDevice?: string;
  revision?: string;
  driver?: string;
  modules: string[];
}

export interface BmcInfo {
  /** true when SMBIOS, /dev/ipmi0 or ipmitool says there is one */
  present: boolean;
  ipv4?: string;
  ipv4Source?: string;
  netmask?: string;
  gateway?: string;
  ipv6: string[];
  mac?: string;
  firmware?: string;
  ipmiVersion?: string;
  manufacturer?: string;
  product?: string;
  interfaceType?: string;
}

export interface BootInfo {
  mode: BootMode;
  /** MAC from BOOTIF= (the NIC that PXE booted) */
  pxeMac?: string;
  pxeInterface?: string;
  /** the master this inventory was collected for */
  master?: string;
}

export interface VirtualizationInfo {
  /** systemd-detect-virt's word: none, kvm, qemu, docker, ... */
  type?: string;
  isVirtual?: boolean;
}

export interface Inventory {
  schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
  collectedAt: string;
  collector: { version: string; durationMs: number; hostname?: string; kernel?: string };
  system: SystemInfo;
  baseboard: BaseboardInfo;
  firmware: FirmwareInfo;
  chassis: ChassisInfo;
  cpu: CpuInfo;
  memory: MemoryInfo;
  disks: DiskInfo[];
  nics: NicInfo[];
  pci: PciDevice[];
  bmc: BmcInfo;
  boot: BootInfo;
  virtualization: VirtualizationInfo;
  tools: Record<string, ToolRun>;
}

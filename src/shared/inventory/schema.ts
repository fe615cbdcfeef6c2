// The inventory document a peer uploads (inventory.json), schema version 2: the one definition. The
// TypeScript types are inferred from it, the master validates uploads with it, and
// schema/inventory.schema.json is generated from it at build time (scripts/write-schema.ts).
// Rule: a field that is absent means "not known"; why it is not known is in `tools`.
//
// Version 2 only added optional fields to version 1, so a version-1 document is a valid version-2 document
// with fewer fields: both are accepted (uploads from older collectors, inventory.json files already stored).
// Every list and string is bounded (limits.ts).
import { z } from 'zod';
import { INVENTORY_LIMITS } from './limits.js';
import { INVENTORY_SCHEMA_VERSION } from './version.js';

export { INVENTORY_LIMITS, INVENTORY_SCHEMA_VERSION };

const L = INVENTORY_LIMITS;

const text = z.string().max(L.text);
const longText = z.string().max(L.longText);
const count = z.int().min(0);
const texts = (max: number) => list(text, max);
const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a lower-case colon-separated MAC');

/**
 * A list of at most `max` items. The length is checked before any item is: a hostile document of a
 * million empty entries is refused at once instead of producing a million issues.
 */
function list<T extends z.ZodType>(item: T, max: number) {
  return z
    .unknown()
    .check((ctx) => {
      if (!Array.isArray(ctx.value))
        ctx.issues.push({ code: 'custom', message: 'expected an array', input: ctx.value });
      else if (ctx.value.length > max)
        ctx.issues.push({
          code: 'custom',
          message: `at most ${max} items (got ${ctx.value.length})`,
          input: max,
        });
    })
    .pipe(z.array(item).max(max));
}

const bootMode = z.enum(['uefi', 'bios', 'unknown']);
export type BootMode = z.infer<typeof bootMode>;

const toolRun = z
  .object({
    status: z
      .enum(['ok', 'missing', 'failed', 'timeout', 'unparsable', 'skipped'])
      .describe(
        'ok: ran and parsed; missing: binary/file not there; failed: non-zero exit or no usable output; ' +
          'timeout: killed after its time limit; unparsable: ran but the output could not be read; skipped: not applicable',
      ),
    argv: texts(L.argv),
    exitCode: z.int().optional(),
    stderr: z
      .string()
      .max(L.stderr)
      .optional()
      .describe('the first part of stderr (or the parse error), never the whole output'),
    durationMs: count,
  })
  .strict()
  .describe(
    'How one data source (a tool, or a file read) went. Keyed in `tools` by source id, e.g. "smartctl:sda".',
  );
export type ToolRun = z.infer<typeof toolRun>;

const system = z
  .object({
    vendor: text.optional(),
    product: text.optional(),
    version: text.optional(),
    serial: text.optional(),
    uuid: text.optional(),
    sku: text.optional(),
    family: text.optional(),
  })
  .strict();
export type SystemInfo = z.infer<typeof system>;

const baseboard = z
  .object({
    vendor: text.optional(),
    product: text.optional(),
    version: text.optional(),
    serial: text.optional(),
  })
  .strict();
export type BaseboardInfo = z.infer<typeof baseboard>;

const secureBoot = z
  .enum(['enabled', 'disabled', 'unknown'])
  .describe(
    'whether this boot ran under UEFI Secure Boot: the SecureBoot EFI variable, else `mokutil --sb-state`; ' +
      'disabled on a BIOS boot; unknown when neither answered',
  );
export type SecureBootState = z.infer<typeof secureBoot>;

const bootEntry = z
  .object({
    id: z.string().regex(/^[0-9A-F]{4}$/, 'four upper-case hex digits (Boot####)'),
    label: text,
    active: z.boolean().describe("efibootmgr's `*`: the firmware may boot it"),
    path: longText.optional().describe('the UEFI device path, as efibootmgr prints it'),
  })
  .strict();
export type BootEntry = z.infer<typeof bootEntry>;

const bootOrder = z
  .object({
    current: text.optional().describe('BootCurrent: the entry this boot came from'),
    next: text.optional().describe('BootNext: a one-time entry for the next boot'),
    order: texts(L.bootEntries).describe('BootOrder, first tried first'),
    entries: list(bootEntry, L.bootEntries),
  })
  .strict()
  .describe('the UEFI boot manager variables, as `efibootmgr` shows them');
export type BootOrderInfo = z.infer<typeof bootOrder>;

const firmware = z
  .object({
    vendor: text.optional(),
    version: text.optional(),
    date: text.optional().describe('as the firmware reports it (SMBIOS: MM/DD/YYYY)'),
    bootMode,
    secureBoot: secureBoot.optional().describe('since version 2'),
    bootOrder: bootOrder.optional().describe('since version 2; UEFI boots only'),
  })
  .strict();
export type FirmwareInfo = z.infer<typeof firmware>;

const chassis = z
  .object({
    vendor: text.optional(),
    type: text.optional(),
    serial: text.optional(),
    assetTag: text.optional(),
    heightU: count.optional(),
  })
  .strict();
export type ChassisInfo = z.infer<typeof chassis>;

const cpuPackage = z
  .object({
    socket: text,
    model: text.optional(),
    vendor: text.optional(),
    cores: count.optional(),
    threads: count.optional(),
    maxMhz: count.optional(),
  })
  .strict();
export type CpuPackage = z.infer<typeof cpuPackage>;

const cpuCache = z
  .object({
    name: text.describe('L1d, L1i, L2, L3'),
    level: count.optional(),
    type: text.optional().describe('Data, Instruction, Unified'),
    sizeBytes: count.optional().describe('one instance'),
    totalBytes: count.optional().describe('all instances in the machine'),
    ways: count.optional(),
  })
  .strict();
export type CpuCache = z.infer<typeof cpuCache>;

const numaNode = z
  .object({
    node: count,
    cpus: z
      .string()
      .max(L.cpuList)
      .describe('the kernel\'s CPU list, e.g. "0-15,32-47"; empty for a memory-only node'),
    memoryBytes: count.optional(),
  })
  .strict();
export type NumaNode = z.infer<typeof numaNode>;

const cpu = z
  .object({
    model: text.optional(),
    vendor: text.optional(),
    architecture: text.optional(),
    sockets: count.optional().describe('populated sockets'),
    cores: count.optional().describe('physical cores, all sockets'),
    threads: count.optional().describe('logical CPUs the kernel sees'),
    mhz: z.number().min(0).optional(),
    flags: list(z.string().max(64), L.cpuFlags),
    packages: list(cpuPackage, L.cpuPackages),
    caches: list(cpuCache, L.cpuCaches).optional().describe('since version 2; `lscpu -C`'),
  })
  .strict();
export type CpuInfo = z.infer<typeof cpu>;

const dimm = z
  .object({
    slot: text,
    bank: text.optional(),
    sizeBytes: count.optional(),
    type: text.optional(),
    formFactor: text.optional(),
    speedMTs: count.optional(),
    configuredSpeedMTs: count.optional(),
    vendor: text.optional(),
    part: text.optional(),
    serial: text.optional(),
  })
  .strict();
export type Dimm = z.infer<typeof dimm>;

const edacCounter = z
  .object({
    name: text.describe(
      'below /sys/devices/system/edac/mc: "mc0/dimm3", or "mc0" for errors not tied to a DIMM',
    ),
    label: text.optional().describe("dimm_label: the board's slot name, when the firmware tells the kernel"),
    correctedErrors: count,
    uncorrectedErrors: count,
  })
  .strict();
export type EdacCounter = z.infer<typeof edacCounter>;

const memory = z
  .object({
    totalBytes: count.optional().describe('what the kernel can use (MemTotal)'),
    installedBytes: count.optional().describe('sum of installed DIMMs (SMBIOS)'),
    slots: count.optional(),
    dimms: list(dimm, L.dimms),
    edac: list(edacCounter, L.edacCounters)
      .optional()
      .describe('EDAC error counts since boot; absent when the kernel has no EDAC driver for this board'),
  })
  .strict();
export type MemoryInfo = z.infer<typeof memory>;

const smartHealth = z.enum(['passed', 'failed', 'unknown']);
export type SmartHealth = z.infer<typeof smartHealth>;

const disk = z
  .object({
    name: text,
    path: text,
    model: text.optional(),
    vendor: text.optional(),
    serial: text.optional(),
    wwn: text.optional(),
    firmware: text.optional(),
    sizeBytes: count.optional(),
    rotational: z.boolean().optional(),
    removable: z.boolean().optional(),
    transport: text.optional(),
    byPath: texts(L.byPath),
    byId: texts(L.byPath).optional().describe('since version 2; /dev/disk/by-id links'),
    logicalSectorBytes: count.optional().describe('since version 2'),
    physicalSectorBytes: count.optional().describe('since version 2'),
    hctl: text.optional().describe('since version 2; SCSI host:channel:target:lun'),
    rotationRpm: count.optional().describe('since version 2; 0 for a solid-state disk'),
    smart: z
      .object({
        health: smartHealth,
        powerOnHours: count.optional(),
        temperatureC: z.int().optional(),
        protocol: text.optional(),
        // Raw error counters behind the health verdicts (src/shared/health). ATA: SMART attribute raw values.
        reallocatedSectors: count.optional().describe('ATA attribute 5, raw'),
        pendingSectors: count.optional().describe('ATA attribute 197 (current pending sectors), raw'),
        offlineUncorrectable: count.optional().describe('ATA attribute 198, raw'),
        udmaCrcErrors: count.optional().describe('ATA attribute 199 (interface CRC errors), raw'),
        // SAS/SCSI: the grown defect list and the error counter log.
        grownDefects: count.optional().describe('SCSI grown defect list length'),
        uncorrectedReadErrors: count.optional(),
        uncorrectedWriteErrors: count.optional(),
        // NVMe: the SMART / health information log page.
        criticalWarning: count.optional().describe('NVMe critical_warning bit field'),
        mediaErrors: count.optional().describe('NVMe media and data integrity errors'),
        availableSpare: count.optional().describe('NVMe available spare, percent'),
        availableSpareThreshold: count.optional().describe('NVMe available spare threshold, percent'),
        percentageUsed: count.optional().describe('NVMe percentage used (wear; may exceed 100)'),
        errorLogEntries: count.optional().describe('NVMe error information log entries, lifetime'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DiskInfo = z.infer<typeof disk>;

const lldpNeighbor = z
  .object({
    chassisId: text.optional(),
    systemName: text.optional(),
    systemDescription: longText.optional(),
    portId: text.optional(),
    portDescription: text.optional(),
    vlans: list(z.int().min(0).max(4095), L.vlans),
    mgmtIp: texts(L.addresses),
  })
  .strict();
export type LldpNeighbor = z.infer<typeof lldpNeighbor>;

const transceiver = z
  .object({
    identifier: text.optional().describe('SFP, QSFP28, ...'),
    connector: text.optional(),
    type: text.optional().describe('what the module says it is, e.g. 10G Ethernet: 10G Base-SR'),
    vendor: text.optional(),
    part: text.optional(),
    revision: text.optional(),
    serial: text.optional(),
    wavelengthNm: count.optional(),
  })
  .strict();
export type TransceiverInfo = z.infer<typeof transceiver>;

const nic = z
  .object({
    name: text,
    mac,
    permanentMac: mac.optional(),
    kind: text,
    driver: text.optional(),
    driverVersion: text.optional(),
    firmware: text.optional(),
    pciAddress: text.optional(),
    speedMbps: count.optional(),
    duplex: text.optional(),
    link: z.boolean().optional(),
    mtu: count.optional(),
    master: text.optional().describe('bond/bridge this NIC is enslaved to'),
    ipv4: texts(L.addresses),
    ipv6: texts(L.addresses),
    lldp: lldpNeighbor.optional(),
    supportedLinkModes: texts(L.linkModes)
      .optional()
      .describe('since version 2; ethtool, e.g. 25000baseSR/Full'),
    advertisedLinkModes: texts(L.linkModes).optional().describe('since version 2'),
    sriovTotalVfs: count.optional().describe('since version 2; sriov_totalvfs: VFs the device can offer'),
    sriovVfs: count.optional().describe('since version 2; sriov_numvfs: VFs enabled now'),
    numaNode: count.optional().describe('since version 2; the NUMA node of its PCI device'),
    transceiver: transceiver.optional().describe('since version 2; `ethtool -m`, pluggable modules only'),
  })
  .strict();
export type NicInfo = z.infer<typeof nic>;

const pciDevice = z
  .object({
    slot: text,
    className: text.optional(),
    classId: text.optional(),
    vendor: text.optional(),
    vendorId: text.optional(),
    device: text.optional(),
    deviceId: text.optional(),
    subVendor: text.optional(),
    subDevice: text.optional(),
    revision: text.optional(),
    driver: text.optional(),
    modules: texts(L.modules),
    numaNode: count
      .optional()
      .describe('since version 2; the NUMA node the device hangs off (sysfs numa_node)'),
  })
  .strict();
export type PciDevice = z.infer<typeof pciDevice>;

const selEntry = z
  .object({
    id: text.optional(),
    time: text
      .optional()
      .describe('as ipmitool prints it ("12/03/2026 13:01:02"; "Pre-Init" before the clock is set)'),
    sensorType: text
      .optional()
      .describe('IPMI sensor type: Memory, Power Supply, Processor, Temperature, ...'),
    sensor: text.describe('the sensor column: type plus the sensor name or number'),
    event: longText,
    asserted: z.boolean().optional().describe('false for a deassertion'),
  })
  .strict();
export type SelEntry = z.infer<typeof selEntry>;

const sensorReading = z
  .object({
    name: text,
    status: text.describe(
      "ipmitool's status: ok, nc (non-critical), cr (critical), nr (non-recoverable), ns (no reading)",
    ),
    reading: z.number().optional(),
    unit: text.optional(),
    state: text.optional().describe('a discrete sensor\'s state as ipmitool words it ("Redundancy Lost")'),
    entity: text.optional(),
  })
  .strict();
export type SensorReading = z.infer<typeof sensorReading>;

const bmc = z
  .object({
    present: z.boolean().describe('true when SMBIOS, /dev/ipmi0 or ipmitool says there is one'),
    ipv4: text.optional(),
    ipv4Source: text.optional(),
    netmask: text.optional(),
    gateway: text.optional(),
    ipv6: texts(L.addresses),
    mac: mac.optional(),
    firmware: text.optional(),
    ipmiVersion: text.optional(),
    manufacturer: text.optional(),
    product: text.optional(),
    interfaceType: text.optional(),
    sel: z
      .object({
        total: count.describe('entries in the SEL'),
        entries: list(selEntry, L.selEntries).describe(
          'the newest entries; past the limit, entries of the sensor types the health rules read come first',
        ),
      })
      .strict()
      .optional(),
    sensors: list(sensorReading, L.sensors).optional(),
  })
  .strict();
export type BmcInfo = z.infer<typeof bmc>;

const boot = z
  .object({
    mode: bootMode,
    pxeMac: mac.optional().describe('MAC from BOOTIF= (the NIC that PXE booted)'),
    pxeInterface: text.optional(),
    master: text.optional().describe('the master this inventory was collected for'),
  })
  .strict();
export type BootInfo = z.infer<typeof boot>;

const virtualization = z
  .object({
    type: text.optional().describe("systemd-detect-virt's word: none, kvm, qemu, docker, ..."),
    isVirtual: z.boolean().optional(),
  })
  .strict();
export type VirtualizationInfo = z.infer<typeof virtualization>;

const gpu = z
  .object({
    pciAddress: text,
    classId: text.optional().describe('PCI class: 03xx display, 12xx processing accelerator'),
    className: text.optional(),
    vendor: text.optional(),
    model: text.optional(),
    driver: text.optional(),
    memoryBytes: count.optional().describe('nvidia-smi memory.total'),
    uuid: text.optional(),
    driverVersion: text.optional(),
    vbios: text.optional(),
  })
  .strict();
export type GpuInfo = z.infer<typeof gpu>;

const usbDevice = z
  .object({
    bus: count.optional(),
    device: count.optional(),
    port: text.describe("the kernel's name for its place in the tree, e.g. 1-1.2"),
    vendorId: text.optional(),
    productId: text.optional(),
    vendor: text.optional(),
    product: text.optional(),
    speedMbps: z.number().min(0).optional(),
    classId: text.optional().describe('bDeviceClass (00: per interface)'),
  })
  .strict();
export type UsbDevice = z.infer<typeof usbDevice>;

const storageController = z
  .object({
    pciAddress: text,
    classId: text.optional(),
    className: text.optional(),
    vendor: text.optional(),
    model: text.optional(),
    driver: text.optional(),
  })
  .strict();

const softwareRaid = z
  .object({
    name: text.describe('md0, md127, ...'),
    level: text.optional(),
    state: text.optional().describe('active, inactive; plus the [UU_] member map when degraded'),
    members: texts(L.raidMembers),
    failedMembers: texts(L.raidMembers),
    sizeBytes: count.optional(),
  })
  .strict();

const raidDisk = z
  .object({
    controller: text.optional().describe('the controller as its tool numbers it'),
    id: text.describe(
      "the tool's id: DG/VD for a virtual disk, enclosure:slot or port:box:bay for a physical one",
    ),
    raidLevel: text.optional(),
    state: text.optional().describe('as the tool words it (Optl, Dgrd, Onln, OK, Failed, ...)'),
    sizeBytes: count.optional(),
    interface: text.optional(),
    media: text.optional(),
    model: text.optional(),
    name: text.optional(),
  })
  .strict();
export type RaidDisk = z.infer<typeof raidDisk>;

const scannedDevice = z
  .object({
    device: text,
    type: text.describe('the smartctl -d type: megaraid,0, cciss,1, sat, nvme, ...'),
    description: text.optional(),
  })
  .strict();

const storage = z
  .object({
    controllers: list(storageController, L.storageControllers).describe(
      'PCI RAID (0104) and SAS (0107) controllers',
    ),
    softwareRaid: list(softwareRaid, L.raidArrays).describe('/proc/mdstat'),
    scanned: list(scannedDevice, L.raidDisks).describe(
      '`smartctl --scan`: devices and the type smartctl reaches them with (megaraid,N: a disk behind a MegaRAID)',
    ),
    virtualDisks: list(raidDisk, L.raidDisks).describe('from storcli / perccli / ssacli, when present'),
    physicalDisks: list(raidDisk, L.raidDisks).describe('from storcli / perccli / ssacli, when present'),
  })
  .strict();
export type StorageInfo = z.infer<typeof storage>;

const tpm = z
  .object({
    present: z.boolean().describe('a TPM device under /sys/class/tpm'),
    version: text.optional().describe('1.2 or 2.0'),
    description: text.optional(),
  })
  .strict();
export type TpmInfo = z.infer<typeof tpm>;

const kernelErrors = z
  .object({
    count: count.describe('lines at levels err, crit, alert, emerg since boot'),
    last: list(longText, L.kernelErrorLines).describe('the newest lines'),
  })
  .strict();
export type KernelErrors = z.infer<typeof kernelErrors>;

const tools = z
  .record(z.string(), z.unknown())
  .refine((t) => Object.keys(t).length <= L.tools, `at most ${L.tools} tools`)
  .pipe(z.record(text, toolRun));

export const inventorySchema = z
  .object({
    schemaVersion: z
      .union([z.literal(1), z.literal(INVENTORY_SCHEMA_VERSION)])
      .describe('2 is written; 1 (the same document without the fields added in 2) is still read'),
    collectedAt: z
      .string()
      .max(64)
      .regex(/^\d{4}-\d{2}-\d{2}T/, 'an ISO 8601 time'),
    collector: z
      .object({ version: text, durationMs: count, hostname: text.optional(), kernel: text.optional() })
      .strict(),
    system,
    baseboard,
    firmware,
    chassis,
    cpu,
    memory,
    disks: list(disk, L.disks),
    nics: list(nic, L.nics),
    pci: list(pciDevice, L.pci),
    numaNodes: list(numaNode, L.numaNodes).optional().describe('since version 2; /sys/devices/system/node'),
    gpus: list(gpu, L.gpus).optional().describe('since version 2; PCI classes 03xx and 12xx, nvidia-smi'),
    storage: storage.optional().describe('since version 2'),
    usb: list(usbDevice, L.usbDevices).optional().describe('since version 2; /sys/bus/usb/devices'),
    tpm: tpm.optional().describe('since version 2'),
    kernelErrors: kernelErrors.optional().describe('since version 2; `dmesg --level=err,crit,alert,emerg`'),
    bmc,
    boot,
    virtualization,
    tools,
  })
  .strict()
  .meta({
    $id: 'https://recon.invalid/schema/inventory-2.json',
    title: 'recon peer inventory',
    description: 'Hardware inventory of one peer. Absent field = not known; `tools` says why.',
  });

export type Inventory = z.infer<typeof inventorySchema>;

/** The published JSON Schema (draft-07), as schema/inventory.schema.json holds it. */
export function inventoryJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(inventorySchema, { target: 'draft-7' }) as Record<string, unknown>;
}

// The largest inventory the schema accepts: every list filled to its bound (a hostile peer's best shot
// at the master's CPU). Shared by the schema's cost test and the upload checker's.
import { INVENTORY_LIMITS, type Inventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from './sample-inventory.js';

/** The largest document the master accepts: every list at its bound, within the upload size limit. */
export function largestInventory(): Inventory {
  const inv = sampleInventory();
  const L = INVENTORY_LIMITS;
  const n = (i: number) => i.toString(16).padStart(4, '0');
  const macOf = (i: number) => `02:00:00:00:${n(i).slice(0, 2)}:${n(i).slice(2)}`;
  inv.cpu.flags = Array.from({ length: L.cpuFlags }, (_, i) => `flag${i}`);
  inv.cpu.packages = Array.from({ length: L.cpuPackages }, (_, i) => ({ socket: `CPU${i}`, cores: 64 }));
  inv.memory.dimms = Array.from({ length: L.dimms }, (_, i) => ({
    slot: `DIMM${i}`,
    sizeBytes: 64 * 2 ** 30,
    part: 'M393A8G40AB2-CWE',
  }));
  inv.disks = Array.from({ length: L.disks }, (_, i) => ({
    name: `sd${n(i)}`,
    path: `/dev/sd${n(i)}`,
    model: 'ST4000NM0035-1V4107',
    serial: `ZC1${n(i)}`,
    sizeBytes: 4e12,
    byPath: Array.from({ length: 4 }, (_, j) => `pci-0000:3b:00.0-sas-phy${j}-lun-${i}`),
    smart: { health: 'passed' as const, powerOnHours: 1 },
  }));
  inv.nics = Array.from({ length: L.nics }, (_, i) => ({
    name: `eth${i}`,
    mac: macOf(i),
    kind: 'ether',
    ipv4: [],
    ipv6: [],
    lldp: {
      systemName: 'sw1',
      portId: `Ethernet${i}`,
      vlans: Array.from({ length: 16 }, (_, v) => v + 100),
      mgmtIp: [],
    },
  }));
  inv.pci = Array.from({ length: L.pci }, (_, i) => ({
    slot: `0000:${n(i)}:00.0`,
    className: 'Ethernet controller',
    vendor: 'Intel Corporation',
    device: 'Ethernet Controller X710 for 10GbE SFP+',
    modules: ['i40e'],
  }));
  // version 2's depth, every list at its bound too
  const modes = Array.from({ length: L.linkModes }, (_, i) => `${100000 + i}baseCR4/Full`);
  inv.nics = inv.nics.map((nic) => ({
    ...nic,
    supportedLinkModes: modes,
    advertisedLinkModes: modes,
    sriovTotalVfs: 64,
    transceiver: { identifier: 'QSFP28', vendor: 'FINISAR CORP.', part: 'FTLC9558REPM', serial: 'X' },
  }));
  inv.disks = inv.disks.map((d) => ({
    ...d,
    byId: [`wwn-0x5000c500${d.name}`, `ata-ST4000NM0035-1V4107_${d.serial ?? ''}`],
    logicalSectorBytes: 512,
    physicalSectorBytes: 4096,
    hctl: '0:0:0:0',
    rotationRpm: 7200,
  }));
  inv.cpu.caches = Array.from({ length: L.cpuCaches }, (_, i) => ({ name: `L${i}`, sizeBytes: 2 ** 20 }));
  inv.numaNodes = Array.from({ length: L.numaNodes }, (_, i) => ({
    node: i,
    cpus: `${i * 8}-${i * 8 + 7},${i * 8 + 1024}-${i * 8 + 1031}`,
    memoryBytes: 2 ** 37,
  }));
  inv.gpus = Array.from({ length: L.gpus }, (_, i) => ({
    pciAddress: `${n(i).slice(2)}:00.0`,
    classId: '0302',
    vendor: 'NVIDIA Corporation',
    model: 'Tesla V100-PCIE-32GB',
    memoryBytes: 32 * 2 ** 30,
  }));
  const raidDisk = (i: number) => ({
    controller: '0',
    id: `32:${i}`,
    state: 'Onln',
    sizeBytes: 4e12,
    model: 'ST4000',
  });
  inv.storage = {
    controllers: Array.from({ length: L.storageControllers }, (_, i) => ({
      pciAddress: `${n(i).slice(2)}:00.0`,
    })),
    softwareRaid: Array.from({ length: L.raidArrays }, (_, i) => ({
      name: `md${i}`,
      level: 'raid6',
      members: Array.from({ length: 8 }, (_, j) => `sd${n(i * 8 + j)}`),
      failedMembers: [],
    })),
    scanned: Array.from({ length: L.raidDisks }, (_, i) => ({ device: '/dev/bus/0', type: `megaraid,${i}` })),
    virtualDisks: Array.from({ length: L.raidDisks }, (_, i) => raidDisk(i)),
    physicalDisks: Array.from({ length: L.raidDisks }, (_, i) => raidDisk(i)),
  };
  inv.usb = Array.from({ length: L.usbDevices }, (_, i) => ({
    port: `1-${i}`,
    vendorId: '046b',
    productId: 'ff10',
  }));
  // the health sources, every list at its bound
  inv.disks = inv.disks.map((d) => ({
    ...d,
    smart: {
      ...d.smart,
      health: 'passed' as const,
      reallocatedSectors: 8,
      pendingSectors: 0,
      udmaCrcErrors: 0,
    },
  }));
  inv.memory.edac = Array.from({ length: L.edacCounters }, (_, i) => ({
    name: `mc${i >> 6}/dimm${i & 63}`,
    label: `CPU_SrcID#${i >> 6}_MC#0_Chan#${i & 7}_DIMM#0`,
    correctedErrors: 0,
    uncorrectedErrors: 0,
  }));
  inv.bmc.sel = {
    total: 3000,
    entries: Array.from({ length: L.selEntries }, (_, i) => ({
      id: n(i),
      time: '12/03/26 13:05:27 UTC',
      sensorType: 'Memory',
      sensor: 'Memory CPU1 DIMM A1',
      event: 'Correctable ECC; logging limit reached',
      asserted: true,
    })),
  };
  inv.bmc.sensors = Array.from({ length: L.sensors }, (_, i) => ({
    name: `Temp ${i}`,
    status: 'ok',
    reading: 42,
    unit: 'degrees C',
    entity: '3.1',
  }));
  inv.tpm = { present: true, version: '2.0' };
  inv.kernelErrors = {
    count: 100_000,
    last: Array.from({ length: L.kernelErrorLines }, () => 'e'.repeat(200)),
  };
  inv.firmware.secureBoot = 'enabled';
  inv.firmware.bootOrder = {
    order: Array.from({ length: L.bootEntries }, (_, i) => n(i).toUpperCase()),
    entries: Array.from({ length: L.bootEntries }, (_, i) => ({
      id: n(i).toUpperCase(),
      label: `UEFI PXEv4 (MAC:0200000000${n(i).slice(2)})`,
      active: true,
      path: 'PciRoot(0x0)/Pci(0x2,0x0)/MAC(020000000001,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)',
    })),
  };
  inv.tools = Object.fromEntries(
    Array.from({ length: L.tools }, (_, i) => [
      `smartctl:sd${n(i)}`,
      {
        status: 'ok' as const,
        argv: ['smartctl', '-a', '-j', `/dev/sd${n(i)}`],
        exitCode: 0,
        durationMs: 12,
      },
    ]),
  );
  return inv;
}

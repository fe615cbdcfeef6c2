// Pure: the depth sources (depth-sources.ts) → the inventory's version-2 sections, and the per-NIC and per-disk
// fields they add. `source` is the normalizer's: it parses a raw output and records the source's fate in `tools`.
import type { CpuCache, DiskInfo, Inventory, NicInfo, PciDevice } from '../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../shared/inventory/limits.js';
import { isStorageControllerClass } from './depth-sources.js';
import { parseEthtoolModule } from './parsers/ethtool.js';
import { gpusFrom, parseNvidiaSmi } from './parsers/gpu.js';
import { parseDiskLinks, parseDmesgErrors } from './parsers/misc.js';
import type { ParseResult } from './parsers/result.js';
import {
  parseMdstat,
  parseSmartctlScan,
  parseSsacli,
  parseStorcli,
  type RaidLayout,
} from './parsers/storage.js';
import { parseNumaNodes, parsePciNuma, parseSriov, parseTpm, parseUsbDevices } from './parsers/sysfs.js';
import { parseLscpuCaches } from './parsers/topology.js';

export type Source = <T>(id: string, parse: (text: string) => ParseResult<T>) => T | undefined;

export interface Depth {
  caches?: CpuCache[];
  sections: Pick<Inventory, 'numaNodes' | 'gpus' | 'storage' | 'usb' | 'tpm' | 'kernelErrors'>;
  nic(name: string): Partial<NicInfo>;
  /** the NUMA node of a PCI function, by lspci's slot ("3b:00.0", or with its domain) */
  pciNumaNode(slot: string): number | undefined;
  disk(name: string): Partial<DiskInfo>;
}

export function normalizeDepth(
  source: Source,
  pciList: readonly PciDevice[] | undefined,
  nicNames: readonly string[],
): Depth {
  const pci = pciList ?? [];
  const caches = source('lscpu-caches', parseLscpuCaches);
  const numaNodes = source('numa', parseNumaNodes);
  const usb = source('usb', parseUsbDevices);
  const tpm = source('tpm', parseTpm);
  const kernelErrors = source('dmesg-errors', parseDmesgErrors);
  const sriov = source('sriov', parseSriov);
  const pciNuma = source('pci-numa', parsePciNuma);
  const byId = source('by-id', (t) => parseDiskLinks('by-id', t));
  const nvidia = source('nvidia-smi', parseNvidiaSmi);
  const md = source('mdstat', parseMdstat);
  const scanned = source('smartctl-scan', parseSmartctlScan);
  const layouts: RaidLayout[] = [
    source('storcli', parseStorcli),
    source('perccli', parseStorcli),
    source('ssacli', parseSsacli),
  ].filter((l): l is RaidLayout => l !== undefined);
  const modules = new Map(nicNames.map((n) => [n, source(`ethtool-m:${n}`, parseEthtoolModule)]));

  const sawStorage = md !== undefined || scanned !== undefined || layouts.length > 0;
  const storage: Inventory['storage'] = sawStorage
    ? {
        controllers: pci
          .filter((d) => isStorageControllerClass(d.classId))
          .slice(0, L.storageControllers)
          .map((d) => ({
            pciAddress: d.slot,
            classId: d.classId,
            className: d.className,
            vendor: d.vendor,
            model: d.device,
            driver: d.driver,
          })),
        softwareRaid: md ?? [],
        scanned: scanned ?? [],
        virtualDisks: layouts.flatMap((l) => l.virtualDisks).slice(0, L.raidDisks),
        physicalDisks: layouts.flatMap((l) => l.physicalDisks).slice(0, L.raidDisks),
      }
    : undefined;

  return {
    caches,
    sections: {
      numaNodes,
      gpus: pciList ? gpusFrom(pciList, nvidia) : undefined,
      storage,
      usb,
      tpm,
      kernelErrors,
    },
    nic: (name) => ({
      sriovTotalVfs: sriov?.get(name)?.totalVfs,
      sriovVfs: sriov?.get(name)?.vfs,
      numaNode: sriov?.get(name)?.numaNode,
      transceiver: modules.get(name),
    }),
    // lspci prints the slot without its domain when every device is in domain 0000
    pciNumaNode: (slot) =>
      pciNuma?.get(slot.split(':').length === 3 ? slot.toLowerCase() : `0000:${slot.toLowerCase()}`),
    disk: (name) => ({ byId: byId?.get(name) }),
  };
}

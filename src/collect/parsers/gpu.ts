// GPUs and accelerators: the PCI functions of class 03xx (display) and 12xx (processing accelerators) from
// lspci, with what `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` adds for NVIDIA's. Pure.
import type { GpuInfo, PciDevice } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { clean, fail, guard, ok, requireComplete, type ParseResult } from './result.js';

/** The columns asked of nvidia-smi, in this order. */
export const NVIDIA_SMI_QUERY = 'pci.bus_id,name,uuid,memory.total,driver_version,vbios_version';

export interface NvidiaGpu {
  busId: string;
  name?: string;
  uuid?: string;
  memoryBytes?: number;
  driverVersion?: string;
  vbios?: string;
}

const cap = (s: string | undefined): string | undefined => s?.slice(0, L.text);

/** "00000000:3B:00.0, Tesla V100-PCIE-32GB, GPU-…, 32768, 535.54.03, 88.00.48.00.02" (memory in MiB). */
export function parseNvidiaSmi(text: string): ParseResult<NvidiaGpu[]> {
  return guard('nvidia-smi', () => {
    const incomplete = requireComplete('nvidia-smi', text);
    if (incomplete) return fail(incomplete);
    const out: NvidiaGpu[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const cols = line.split(',').map((c) => c.trim());
      const [busId, name, uuid, mem, driver, vbios] = cols;
      if (cols.length !== 6 || !busId || !/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(busId))
        return fail(`nvidia-smi: unexpected line ${JSON.stringify(line.slice(0, 60))}`);
      const g: NvidiaGpu = { busId: busId.toLowerCase() };
      const set = <K extends keyof NvidiaGpu>(k: K, v: NvidiaGpu[K] | undefined): void => {
        if (v !== undefined) g[k] = v;
      };
      set('name', cap(clean(name)));
      set('uuid', cap(clean(uuid)));
      if (mem && /^\d+$/.test(mem)) g.memoryBytes = Number(mem) * 2 ** 20;
      set('driverVersion', cap(clean(driver)));
      set('vbios', cap(clean(vbios)));
      out.push(g);
    }
    return ok(out.slice(0, L.gpus));
  });
}

export const isGpuClass = (classId: string | undefined): boolean => /^(03|12)/.test(classId ?? '');

/** "3b:00.0" (lspci without a domain) and "00000000:3b:00.0" (nvidia-smi) name the same function. */
const sameFunction = (slot: string, busId: string): boolean =>
  busId.endsWith(slot.toLowerCase().replace(/^[0-9a-f]{4}:/, ''));

export function gpusFrom(pci: readonly PciDevice[], nvidia: readonly NvidiaGpu[] = []): GpuInfo[] {
  return pci
    .filter((d) => isGpuClass(d.classId))
    .slice(0, L.gpus)
    .map((d) => {
      const n = nvidia.find((g) => sameFunction(d.slot, g.busId));
      return {
        pciAddress: d.slot,
        classId: d.classId,
        className: d.className,
        vendor: d.vendor,
        model: n?.name ?? d.device,
        driver: d.driver,
        memoryBytes: n?.memoryBytes,
        uuid: n?.uuid,
        driverVersion: n?.driverVersion,
        vbios: n?.vbios,
      };
    });
}

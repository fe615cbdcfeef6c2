// Pure parsers for the sysfs reads the collector records as one JSON document per directory ({entry: {file:
// text}}, see readTree in run-tools.ts): NUMA nodes, USB devices, TPMs, SR-IOV counts, and /dev/disk link lists.
import type { NumaNode, TpmInfo, UsbDevice } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

type Tree = Map<string, Record<string, string>>;

/** A recorded tree: every entry an object of strings. */
export function parseTree(what: string, text: string): ParseResult<Tree> {
  return guard(what, () => {
    const json = parseJson(what, text);
    if (!json.ok) return json;
    if (!isRecord(json.value)) return fail(`${what}: not a JSON object`);
    const out: Tree = new Map();
    for (const [entry, files] of Object.entries(json.value)) {
      if (!isRecord(files) || !Object.values(files).every((v) => typeof v === 'string'))
        return fail(`${what}: ${entry} is not a set of files`);
      out.set(entry, files as Record<string, string>);
    }
    return ok(out);
  });
}

const cap = (s: string | undefined, max: number = L.text): string | undefined => s?.slice(0, max);

/** /sys/devices/system/node: nodeN/cpulist and nodeN/meminfo ("Node 0 MemTotal:  14509896 kB"). */
export function parseNumaNodes(text: string): ParseResult<NumaNode[]> {
  return guard('numa', () => {
    const tree = parseTree('numa', text);
    if (!tree.ok) return tree;
    const nodes: NumaNode[] = [];
    for (const [entry, files] of tree.value) {
      const m = /^node(\d+)$/.exec(entry);
      if (!m || files.cpulist === undefined) continue;
      const node: NumaNode = { node: Number(m[1]), cpus: files.cpulist.slice(0, L.cpuList) };
      const kb = /MemTotal:\s*(\d+)\s*kB/.exec(files.meminfo ?? '')?.[1];
      if (kb !== undefined) node.memoryBytes = Number(kb) * 1024;
      nodes.push(node);
    }
    return ok(nodes.sort((a, b) => a.node - b.node).slice(0, L.numaNodes));
  });
}

/** /sys/bus/usb/devices: one entry per device ("1-1.2"); root hubs (usbN) and interfaces (1-1:1.0) are not read. */
export function parseUsbDevices(text: string): ParseResult<UsbDevice[]> {
  return guard('usb', () => {
    const tree = parseTree('usb', text);
    if (!tree.ok) return tree;
    const out: UsbDevice[] = [];
    for (const [port, f] of tree.value) {
      if (!/^\d+-\d+(\.\d+)*$/.test(port)) continue;
      const d: UsbDevice = { port: port.slice(0, L.text) };
      const set = <K extends keyof UsbDevice>(k: K, v: UsbDevice[K] | undefined): void => {
        if (v !== undefined) d[k] = v;
      };
      set('bus', toInt(f.busnum));
      set('device', toInt(f.devnum));
      set('vendorId', cap(clean(f.idVendor)?.toLowerCase()));
      set('productId', cap(clean(f.idProduct)?.toLowerCase()));
      set('vendor', cap(clean(f.manufacturer)));
      set('product', cap(clean(f.product)));
      const speed = Number(f.speed);
      if (f.speed !== undefined && Number.isFinite(speed) && speed >= 0) d.speedMbps = speed;
      set('classId', cap(clean(f.bDeviceClass)));
      out.push(d);
    }
    return ok(out.slice(0, L.usbDevices));
  });
}

/** /sys/class/tpm: tpmN/tpm_version_major (kernel 5.6+), else the TPM 1.2 caps file. */
export function parseTpm(text: string): ParseResult<TpmInfo> {
  return guard('tpm', () => {
    const tree = parseTree('tpm', text);
    if (!tree.ok) return tree;
    const first = [...tree.value].find(([entry]) => /^tpm\d+$/.test(entry));
    if (!first) return ok({ present: false });
    const f = first[1];
    const tpm: TpmInfo = { present: true };
    const major = f.tpm_version_major?.trim();
    if (major === '2') tpm.version = '2.0';
    else if (major === '1' || /TCG version:\s*1\.2/.test(f['device/caps'] ?? '')) tpm.version = '1.2';
    const description = cap(clean(f['device/description']));
    if (description !== undefined) tpm.description = description;
    return ok(tpm);
  });
}

export interface SriovCounts {
  totalVfs?: number;
  vfs?: number;
  numaNode?: number;
}

/** sysfs writes -1 when the platform does not say which node a device is on. */
const numaNode = (v: string | undefined): number | undefined =>
  v && /^\d+$/.test(v) ? Number(v) : undefined;

/** /sys/bus/pci/devices: "0000:3b:00.0" → its NUMA node, for the devices whose node is known. */
export function parsePciNuma(text: string): ParseResult<Map<string, number>> {
  return guard('pci-numa', () => {
    const tree = parseTree('pci-numa', text);
    if (!tree.ok) return tree;
    const out = new Map<string, number>();
    for (const [address, f] of tree.value) {
      const node = numaNode(f.numa_node);
      if (node !== undefined) out.set(address.toLowerCase(), node);
    }
    return ok(out);
  });
}

/**
 * /sys/class/net: device/sriov_totalvfs and device/sriov_numvfs per interface (only SR-IOV devices have them), and
 * the NUMA node of the interface's device.
 */
export function parseSriov(text: string): ParseResult<Map<string, SriovCounts>> {
  return guard('sriov', () => {
    const tree = parseTree('sriov', text);
    if (!tree.ok) return tree;
    const out = new Map<string, SriovCounts>();
    for (const [nic, f] of tree.value) {
      const counts: SriovCounts = {};
      const total = toInt(f['device/sriov_totalvfs']);
      if (total !== undefined) counts.totalVfs = total;
      const vfs = toInt(f['device/sriov_numvfs']);
      if (total !== undefined && vfs !== undefined) counts.vfs = vfs;
      const node = numaNode(f['device/numa_node']);
      if (node !== undefined) counts.numaNode = node;
      if (Object.keys(counts).length > 0) out.set(nic, counts);
    }
    return ok(out);
  });
}

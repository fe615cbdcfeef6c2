// A data dir as `recon master` leaves it, made up for report tests and the report bench: events.jsonl
// (the scripted fleet of test/tui/fleet.ts, numbered), and for every peer that uploaded, its
// nodes/<mac>/inventory.json (a full, valid inventory that agrees with the summary in the events) and a
// raw.tar.gz stand-in. Deterministic for a given size and start time.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { summarizeInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { fleetEvents, macOf } from '../tui/fleet.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const GiB = 2 ** 30;
const MODELS = [
  {
    vendor: 'Dell Inc.',
    product: 'PowerEdge R650',
    cpu: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    sockets: 2,
    cores: 64,
  },
  {
    vendor: 'HPE',
    product: 'ProLiant DL360 Gen10',
    cpu: 'Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz',
    sockets: 2,
    cores: 24,
  },
  {
    vendor: 'Supermicro',
    product: 'AS-1114S-WN10RT',
    cpu: 'AMD EPYC 7443P 24-Core Processor',
    sockets: 1,
    cores: 24,
  },
];

/** Peer i's full inventory: three models, 2–8 DIMMs, 1–3 disks (one failing now and then), LLDP, PCI. */
export function inventoryOf(i: number, collectedAt: string): Inventory {
  const inv = sampleInventory();
  const m = MODELS[i % MODELS.length]!;
  const mac = macOf(i);
  inv.collectedAt = collectedAt;
  inv.system = {
    vendor: m.vendor,
    product: m.product,
    serial: `SN${100000 + i}`,
    uuid: `4c4c4544-0000-1000-8000-${mac.replace(/:/g, '')}`,
  };
  inv.cpu = { ...inv.cpu, model: m.cpu, sockets: m.sockets, cores: m.cores, threads: m.cores * 2 };
  const dimms = 2 + 2 * (i % 4);
  inv.memory = {
    totalBytes: dimms * 16 * GiB - 2 * GiB,
    installedBytes: dimms * 16 * GiB,
    slots: 16,
    dimms: Array.from({ length: dimms }, (_, k) => ({
      slot: `DIMM_${String.fromCharCode(65 + (k % 8))}${1 + Math.floor(k / 8)}`,
      sizeBytes: 16 * GiB,
      type: 'DDR4',
      speedMTs: 3200,
      vendor: 'Samsung',
      part: 'M393A2K43DB3-CWE',
    })),
  };
  inv.disks = Array.from({ length: 1 + (i % 3) }, (_, k) => ({
    name: `nvme${k}n1`,
    path: `/dev/nvme${k}n1`,
    model: 'SAMSUNG MZQL2960HCJR-00A07',
    sizeBytes: 960_197_124_096,
    transport: 'nvme',
    rotational: false,
    byPath: [],
    smart: {
      health: i % 17 === 4 && k === 0 ? ('failed' as const) : ('passed' as const),
      powerOnHours: 1000 + i,
    },
  }));
  inv.nics = [
    {
      name: 'eno1',
      mac,
      kind: 'ether',
      driver: 'ice',
      ipv4: [],
      ipv6: [],
      speedMbps: 25000,
      link: true,
      lldp: {
        systemName: `leaf-${1 + Math.floor(i / 48)}`,
        portId: `Ethernet${(i % 48) + 1}`,
        vlans: [100, 200],
        mgmtIp: [],
      },
    },
  ];
  inv.pci = [
    {
      slot: '0000:17:00.0',
      className: 'Ethernet controller',
      vendor: 'Intel Corporation',
      device: 'E810-XXV',
      driver: 'ice',
      modules: ['ice'],
    },
    {
      slot: '0000:65:00.0',
      className: 'Non-Volatile memory controller',
      vendor: 'Samsung Electronics Co Ltd',
      device: 'NVMe SSD Controller PM9A3',
      driver: 'nvme',
      modules: ['nvme'],
    },
  ];
  inv.tools = { dmidecode: { status: 'ok', argv: ['dmidecode'], exitCode: 0, durationMs: 20 } };
  if (i % 7 === 3)
    inv.tools['ipmitool:lan'] = {
      status: 'failed',
      argv: ['ipmitool', 'lan', 'print'],
      exitCode: 1,
      stderr: 'Could not open device at /dev/ipmi0: No such file or directory',
      durationMs: 12,
    };
  return inv;
}

export interface SyntheticOptions {
  /** the first peer's index: two dirs with overlapping ranges share nodes */
  from?: number;
  start?: number;
  master?: { name: string; ipv4: string };
  expectedNodes?: number;
}

/** Writes the data dir; returns the MACs that have an inventory. */
export async function writeSyntheticDataDir(
  dir: string,
  peers: number,
  opts: SyntheticOptions = {},
): Promise<string[]> {
  const from = opts.from ?? 0;
  const start = opts.start ?? Date.parse('2026-03-01T09:00:00.000Z');
  await mkdir(join(dir, 'nodes'), { recursive: true });
  const head: NewEvent[] = [
    {
      type: 'master.started',
      at: new Date(start - 1000).toISOString(),
      data: {
        version: '0.1.0',
        pid: 1,
        names: [opts.master?.name ?? 'bang'],
        ipv4: opts.master?.ipv4 ?? '10.99.0.1',
        dataDir: dir,
      },
    },
  ];
  if (opts.expectedNodes)
    head.push({
      type: 'fleet.expected',
      at: new Date(start - 500).toISOString(),
      data: { count: opts.expectedNodes, by: 'config' },
    });
  // the scripted fleet, shifted so that peer k of this dir is peer from+k of the whole fleet
  const events = fleetEvents(from + peers, start).filter((ev) => {
    const mac = (ev.data as { mac?: string }).mac;
    return !mac || Number.parseInt(mac.replace(/:/g, '').slice(6), 16) >= from;
  });
  const lines: string[] = [];
  const uploaded: string[] = [];
  let seq = 0;
  for (const ev of [...head, ...events]) {
    if (ev.type === 'transfer.progress') continue;
    let data: unknown = ev.data;
    if (ev.type === 'inventory.stored') {
      const i = Number.parseInt(ev.data.mac.replace(/:/g, '').slice(6), 16);
      const body = JSON.stringify(inventoryOf(i, ev.at ?? ''));
      await mkdir(join(dir, 'nodes', ev.data.mac), { recursive: true });
      await writeFile(join(dir, 'nodes', ev.data.mac, 'inventory.json'), body);
      const inv = JSON.parse(body) as Inventory;
      data = {
        ...ev.data,
        sha256: createHash('sha256').update(body).digest('hex'),
        bytes: body.length,
        summary: summarizeInventory(inv),
      };
      uploaded.push(ev.data.mac);
    }
    if (ev.type === 'raw.stored')
      await writeFile(join(dir, 'nodes', ev.data.mac, 'raw.tar.gz'), 'raw tool output stand-in\n');
    lines.push(JSON.stringify({ seq: ++seq, at: ev.at, type: ev.type, data } as ReconEvent));
  }
  await writeFile(join(dir, 'events.jsonl'), lines.join('\n') + '\n');
  return uploaded;
}

// A node's hardware as titled sections of short lines, the same for the console's detail view and the
// report's expandable rows: system, firmware, CPUs, DIMMs, disks, NICs, PCI, BMC and the tools that
// failed. From the full inventory.json when it is at hand, else from the summary the events carry. Pure.
import type { Inventory, ToolRun } from './schema.js';
import type { InventorySummary } from './summarize.js';
import { humanBytes, memorySize } from '../units.js';
import { assessDisk } from '../health/disk.js';

export interface DetailLine {
  text: string;
  /** something the operator should look at */
  warn?: boolean;
}

export interface DetailSection {
  title: string;
  lines: DetailLine[];
}

const join = (...parts: (string | number | undefined | false)[]): string =>
  parts.filter((p) => p !== undefined && p !== '' && p !== false).join('  ');
const kv = (label: string, v: string | number | undefined): string | undefined =>
  v === undefined || v === '' ? undefined : `${label} ${v}`;
const section = (title: string, lines: (DetailLine | string)[]): DetailSection => ({
  title,
  lines: lines.length
    ? lines.map((l) => (typeof l === 'string' ? { text: l } : l))
    : [{ text: 'none found' }],
});

const FAILED_TOOL: ReadonlySet<ToolRun['status']> = new Set(['failed', 'timeout', 'unparsable']);

function fromInventory(inv: Inventory): DetailSection[] {
  const sy = inv.system;
  const system = section('System', [
    join(sy.vendor, sy.product, kv('version', sy.version)) || '?',
    join(kv('serial', sy.serial), kv('uuid', sy.uuid), kv('sku', sy.sku)),
    join(
      kv('chassis', inv.chassis.type),
      inv.chassis.heightU !== undefined && `${inv.chassis.heightU}U`,
      kv('board', join(inv.baseboard.vendor, inv.baseboard.product)),
      kv('virtual', inv.virtualization.isVirtual ? inv.virtualization.type : undefined),
    ),
  ]);
  system.lines = system.lines.filter((l) => l.text);
  const fw = inv.firmware;
  const firmware = section('Firmware', [
    join(fw.vendor, kv('version', fw.version), kv('date', fw.date), `boot ${fw.bootMode}`),
  ]);
  const c = inv.cpu;
  const cpus = section('CPUs', [
    join(
      c.model ?? '?',
      kv('sockets', c.sockets),
      kv('cores', c.cores),
      kv('threads', c.threads),
      c.mhz !== undefined && `${Math.round(c.mhz)} MHz`,
      c.architecture,
    ),
    ...c.packages.map((p) =>
      join(
        `  ${p.socket}`,
        p.model,
        kv('cores', p.cores),
        kv('threads', p.threads),
        p.maxMhz && `max ${p.maxMhz} MHz`,
      ),
    ),
  ]);
  const m = inv.memory;
  const dimms = section(`Memory ${memorySize(m.installedBytes ?? m.totalBytes) || '?'}`, [
    join(
      kv('installed', memorySize(m.installedBytes)),
      kv('usable', memorySize(m.totalBytes)),
      m.slots !== undefined && `${m.dimms.length} of ${m.slots} slots used`,
    ),
    ...m.dimms.map((d) =>
      join(
        `  ${d.slot}`,
        memorySize(d.sizeBytes) || '?',
        d.type,
        d.formFactor,
        (d.configuredSpeedMTs ?? d.speedMTs) !== undefined && `${d.configuredSpeedMTs ?? d.speedMTs} MT/s`,
        d.vendor,
        kv('part', d.part?.trim()),
        kv('serial', d.serial),
      ),
    ),
  ]);
  const disks = section(
    'Disks',
    inv.disks.map((d) => {
      const smart = d.smart;
      const failed = smart?.health === 'failed';
      // a drive's own "passed" says little (an NVMe with media errors passes): the master's rules judge its counters
      const judged = assessDisk(d);
      const bad = judged && judged.verdict !== 'ok' ? judged : undefined;
      const reasons = [
        smart ? `SMART ${smart.health}` : smartWhy(inv, d.name),
        bad && `${bad.verdict.toUpperCase()}: ${bad.reasons.join('; ')}`,
        smart?.powerOnHours !== undefined && `${smart.powerOnHours} h on`,
        smart?.temperatureC !== undefined && `${smart.temperatureC} C`,
      ];
      return {
        text: join(
          d.name,
          humanBytes(d.sizeBytes) || '?',
          d.model,
          d.transport,
          d.rotational === undefined ? undefined : d.rotational ? 'HDD' : 'SSD',
          kv('serial', d.serial),
          ...reasons,
        ),
        warn: failed || smart?.health === 'unknown' || bad !== undefined,
      };
    }),
  );
  const nics = section(
    'NICs',
    inv.nics
      .filter((n) => n.kind !== 'loopback')
      .map((n) => {
        const l = n.lldp;
        const lldp = l
          ? join(
              `switch ${l.systemName ?? l.chassisId ?? '?'}`,
              `port ${l.portId ?? l.portDescription ?? '?'}`,
              l.vlans.length > 0 && `VLAN ${l.vlans.join(',')}`,
            )
          : 'no LLDP neighbour';
        return {
          text: join(
            n.name,
            n.mac,
            n.speedMbps !== undefined && `${n.speedMbps} Mb/s`,
            n.link === undefined ? undefined : n.link ? 'link' : 'no link',
            n.driver,
            n.master && `in ${n.master}`,
            lldp,
          ),
        };
      }),
  );
  const pci = section(
    'PCI',
    inv.pci.map((p) => join(p.slot, p.className, join(p.vendor, p.device), p.driver && `driver ${p.driver}`)),
  );
  const b = inv.bmc;
  const bmc = section(
    'BMC',
    b.present
      ? [
          join(
            b.ipv4 ?? 'no IPv4',
            b.ipv4Source && `(${b.ipv4Source})`,
            ...b.ipv6,
            b.mac,
            kv('firmware', b.firmware),
            kv('IPMI', b.ipmiVersion),
            b.manufacturer,
          ),
        ]
      : [],
  );
  const failed = Object.entries(inv.tools)
    .filter(([, t]) => FAILED_TOOL.has(t.status))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, t]) => ({
      text: join(
        `${id}: ${t.status}`,
        t.exitCode !== undefined && `exit ${t.exitCode}`,
        t.stderr && oneLine(t.stderr),
      ),
      warn: true,
    }));
  const tools = section('Tools that failed', failed);
  if (!failed.length) tools.lines = [{ text: 'none' }];
  return [system, firmware, cpus, dimms, disks, nics, pci, bmc, tools];
}

/** Why a disk has no SMART verdict: its smartctl run, if one failed. */
function smartWhy(inv: Inventory, disk: string): string {
  const t = inv.tools[`smartctl:${disk}`];
  return t && t.status !== 'ok' ? `no SMART (smartctl ${t.status})` : 'no SMART';
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

function fromSummary(s: InventorySummary): DetailSection[] {
  return [
    section('System', [
      join(
        [s.vendor, s.product].filter(Boolean).join(' ') || '?',
        kv('serial', s.serial),
        kv('uuid', s.uuid),
      ),
    ]),
    section('Firmware', [kv('boot', s.bootMode) ?? '?']),
    section('CPUs', [join(s.cpus ?? '?', kv('sockets', s.cpuCount), kv('cores', s.cores))]),
    section(`Memory ${memorySize(s.memoryBytes) || '?'}`, [s.dimms !== undefined ? `${s.dimms} DIMMs` : '?']),
    section(
      'Disks',
      (s.disks ?? []).map((d) => ({
        text: join(
          d.name,
          humanBytes(d.sizeBytes) || '?',
          d.model,
          d.health ? `SMART ${d.health}` : 'no SMART',
        ),
        warn: d.health === 'failed' || d.health === 'unknown',
      })),
    ),
    section(
      'NICs',
      (s.nics ?? []).map((n) =>
        join(
          n.name,
          n.mac,
          n.speedMbps !== undefined && `${n.speedMbps} Mb/s`,
          n.link === undefined ? undefined : n.link ? 'link' : 'no link',
          n.switchName || n.switchPort
            ? `switch ${n.switchName ?? '?'}  port ${n.switchPort ?? '?'}`
            : 'no LLDP neighbour',
        ),
      ),
    ),
    section(
      'BMC',
      s.bmc ? [join(s.bmc.ipv4 ?? 'no IPv4', s.bmc.ipv6, s.bmc.mac, kv('firmware', s.bmc.firmware))] : [],
    ),
    section(
      'Tools that failed',
      s.toolsFailed?.length ? s.toolsFailed.map((t) => ({ text: t, warn: true })) : ['none'],
    ),
  ];
}

/**
 * The sections for a node: from its full inventory when given, else from the summary (no DIMM, PCI or
 * tool-error detail then), else none.
 */
export function inventorySections(
  inv: Inventory | undefined,
  summary: InventorySummary | undefined,
): DetailSection[] {
  if (inv) return fromInventory(inv);
  if (summary) return fromSummary(summary);
  return [];
}

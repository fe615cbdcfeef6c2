// Pure: the raw outputs of every source → one schema-valid inventory. Each source's fate (ok, missing, failed,
// timeout, unparsable, skipped) is written to `tools`, so an absent field is never mistaken for data.
import type { Dimm, DiskInfo, Inventory, NicInfo, ToolRun } from '../shared/inventory/schema.js';
import { INVENTORY_SCHEMA_VERSION } from '../shared/inventory/version.js';
import type { RawRun } from './run-tools.js';
import { parseDmidecode } from './parsers/dmidecode.js';
import { normalizeDepth } from './depth-normalize.js';
import { parseEfibootmgr, parseMokutilSbState, parseSecureBootVar } from './parsers/firmware.js';
import { parseEthtoolDriver, parseEthtoolLink, parseEthtoolPermanent } from './parsers/ethtool.js';
import { parseIpAddr } from './parsers/ip.js';
import { isCriticalSelType } from '../shared/health/bmc.js';
import { INVENTORY_LIMITS } from '../shared/inventory/limits.js';
import { parseEdac } from './parsers/edac.js';
import {
  parseIpmiFru,
  parseIpmiLan,
  parseIpmiMc,
  parseIpmiSdr,
  parseIpmiSdrInfo,
  parseIpmiSel,
} from './parsers/ipmitool.js';
import { parseLldpctl } from './parsers/lldp.js';
import { parseLsblk } from './parsers/lsblk.js';
import { parseLshw } from './parsers/lshw.js';
import { parseLspci } from './parsers/lspci.js';
import { parseBootMode, parseByPath, parseDetectVirt } from './parsers/misc.js';
import { parseNvmeList } from './parsers/nvme.js';
import { parseCpuinfo, parseMeminfo } from './parsers/proc.js';
import type { ParseResult } from './parsers/result.js';
import { smartctlFatal } from './parsers/smartctl.js';
import { parseSmartctl } from './parsers/smartctl.js';

export interface NormalizeMeta {
  version: string;
  collectedAt: string;
  durationMs: number;
  hostname?: string;
  kernel?: string;
  bootMac?: string;
  master?: string;
}

const STDERR_EXCERPT = 1024;

/** Exit codes that still mean "the output is the answer". */
function exitOk(id: string, code: number): boolean {
  if (id.startsWith('smartctl:')) return !smartctlFatal(code);
  if (id === 'virt') return code === 0 || code === 1; // 1 = "none"
  return code === 0;
}

/** Sources that read a file through a tool (`od`): a file that is not there is a missing source, not a failure. */
const FILE_READS = new Set(['secureboot-efivar']);
function absentFile(raw: RawRun): boolean {
  return FILE_READS.has(raw.id) && raw.exitCode !== 0 && /No such file or directory/.test(raw.stderr);
}

/** `ethtool -m` on a port without a pluggable module (copper, virtual): nothing to read, not a failure. */
function noModule(raw: RawRun): boolean {
  return (
    raw.id.startsWith('ethtool-m:') && raw.exitCode !== 0 && /not supported|No such device/i.test(raw.stderr)
  );
}

function excerpt(s: string): string | undefined {
  const t = s.trim();
  return t ? t.slice(0, STDERR_EXCERPT) : undefined;
}

function toolRun(raw: RawRun, status: ToolRun['status'], why?: string): ToolRun {
  const t: ToolRun = { status, argv: raw.argv, durationMs: raw.durationMs };
  if (raw.exitCode !== undefined) t.exitCode = raw.exitCode;
  const text = excerpt([why, raw.stderr].filter(Boolean).join('\n'));
  if (text !== undefined) t.stderr = text;
  return t;
}

/** Removes undefined-valued keys so the document is what JSON.stringify would produce. */
function compact<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Interfaces stacked on NICs: they carry a NIC's MAC but are never what the firmware booted from. */
const UPPER_KINDS = new Set(['bond', 'team', 'bridge', 'vlan', 'macvlan', 'ipvlan']);

/**
 * The NIC BOOTIF names. Firmware reports the burnt-in MAC, while a bond gives every member (and itself) the
 * MAC of one member: the permanent MAC decides first, then a NIC (not a bond/bridge/VLAN) with that MAC. Pure.
 */
export function bootInterface(nics: NicInfo[], bootMac: string | undefined): string | undefined {
  if (bootMac === undefined) return undefined;
  return (
    nics.find((n) => n.permanentMac === bootMac) ??
    nics.find((n) => n.mac === bootMac && !UPPER_KINDS.has(n.kind)) ??
    nics.find((n) => n.mac === bootMac)
  )?.name;
}

export function normalize(raws: ReadonlyMap<string, RawRun>, meta: NormalizeMeta): Inventory {
  const tools: Record<string, ToolRun> = {};
  function source<T>(id: string, parse: (t: string) => ParseResult<T>): T | undefined {
    const raw = raws.get(id);
    if (!raw) return undefined;
    if (raw.error === 'missing' || raw.error === 'timeout' || raw.error === 'skipped') {
      tools[id] = toolRun(raw, raw.error);
      return undefined;
    }
    if (absentFile(raw)) {
      tools[id] = toolRun(raw, 'missing');
      return undefined;
    }
    if (noModule(raw)) {
      tools[id] = toolRun(raw, 'skipped', 'no pluggable module');
      return undefined;
    }
    if (raw.error === 'spawn' || raw.exitCode === undefined || !exitOk(id, raw.exitCode)) {
      // some tools (smartctl) explain failures in their stdout, not stderr
      const said = raw.stderr.trim() ? undefined : parse(raw.stdout);
      tools[id] = toolRun(raw, 'failed', said && !said.ok ? said.error : undefined);
      return undefined;
    }
    const r = parse(raw.stdout);
    tools[id] = r.ok ? toolRun(raw, 'ok') : toolRun(raw, 'unparsable', r.error);
    return r.ok ? r.value : undefined;
  }

  const dmi = source('dmidecode', parseDmidecode);
  const lshw = source('lshw', parseLshw);
  const cpu = source('cpuinfo', parseCpuinfo);
  const mem = source('meminfo', parseMeminfo);
  const links = source('ip', parseIpAddr) ?? [];
  const blk = source('lsblk', parseLsblk) ?? [];
  const nvme = source('nvme', parseNvmeList) ?? [];
  const byPath = source('by-path', parseByPath);
  const lldp = source('lldpctl', parseLldpctl);
  const virt = source('virt', parseDetectVirt);
  const bootMode = source('efi', parseBootMode) ?? 'unknown';
  // the variable is the firmware's own word; mokutil reads the same variable, so it only stands in
  const sbVar = source('secureboot-efivar', parseSecureBootVar);
  const sbMokutil = source('mokutil', parseMokutilSbState);
  const secureBoot = sbVar ?? sbMokutil ?? (bootMode === 'bios' ? 'disabled' : 'unknown');
  const bootOrder = source('efibootmgr', parseEfibootmgr);

  const disks: DiskInfo[] = blk.map((d) => {
    const smart = source(`smartctl:${d.name}`, parseSmartctl);
    const ns = nvme.find((n) => n.path === d.path);
    const disk: DiskInfo = {
      ...d,
      model: d.model ?? smart?.model ?? ns?.model,
      serial: d.serial ?? smart?.serial ?? ns?.serial,
      wwn: d.wwn ?? smart?.wwn,
      firmware: d.firmware ?? smart?.firmware ?? ns?.firmware,
      byPath: byPath?.get(d.name) ?? [],
    };
    if (smart) {
      disk.smart = {
        health: smart.health,
        powerOnHours: smart.powerOnHours,
        temperatureC: smart.temperatureC,
        protocol: smart.protocol,
        ...smart.counters,
      };
      if (smart.rotationRpm !== undefined) {
        disk.rotational = smart.rotationRpm > 0;
        disk.rotationRpm = smart.rotationRpm;
      }
    }
    return disk;
  });

  const nics: NicInfo[] = links
    .filter((l) => l.mac !== undefined && l.kind !== 'loopback')
    .map((l) => {
      const drv = source(`ethtool-i:${l.name}`, parseEthtoolDriver);
      const perm = source(`ethtool-P:${l.name}`, parseEthtoolPermanent);
      const link = source(`ethtool:${l.name}`, parseEthtoolLink);
      return {
        name: l.name,
        mac: l.mac ?? '',
        permanentMac: perm ?? l.permanentMac,
        kind: l.kind,
        driver: drv?.driver,
        driverVersion: drv?.version,
        firmware: drv?.firmware,
        pciAddress: drv?.busInfo,
        speedMbps: link?.speedMbps,
        supportedLinkModes: link?.supportedLinkModes,
        advertisedLinkModes: link?.advertisedLinkModes,
        duplex: link?.duplex,
        link: link?.link ?? (l.up ? l.lowerUp : undefined),
        mtu: l.mtu,
        master: l.master,
        ipv4: l.ipv4,
        ipv6: l.ipv6,
        lldp: lldp?.get(l.name),
      };
    });

  const lan = source('ipmitool-lan', parseIpmiLan);
  const mc = source('ipmitool-mc', parseIpmiMc);
  source('ipmitool-fru', parseIpmiFru);
  source('ipmitool-sdr-info', parseIpmiSdrInfo);
  const sensors = source('ipmitool-sdr', parseIpmiSdr);
  const sel = source('ipmitool-sel', (t) => parseIpmiSel(t, INVENTORY_LIMITS.selEntries, isCriticalSelType));
  const edac = source('edac', parseEdac);
  source('modprobe-ipmi', () => ({ ok: true, value: true }) as const);
  const pciList = source('lspci', parseLspci);
  const pci = pciList ?? [];
  const depth = normalizeDepth(
    source,
    pciList,
    nics.map((n) => n.name),
  );
  for (const n of nics) Object.assign(n, depth.nic(n.name));
  for (const d of disks) Object.assign(d, depth.disk(d.name));
  for (const p of pci) p.numaNode = depth.pciNumaNode(p.slot);

  const procs = (dmi?.processors ?? []).filter((p) => p.populated);
  const dimms: Dimm[] = dmi?.dimms ?? [];
  const installed = dimms.reduce((n, d) => n + (d.sizeBytes ?? 0), 0);
  const bootMac = meta.bootMac;
  const inv: Inventory = {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    collectedAt: meta.collectedAt,
    collector: {
      version: meta.version,
      durationMs: meta.durationMs,
      hostname: meta.hostname,
      kernel: meta.kernel,
    },
    system: {
      vendor: dmi?.system.vendor ?? lshw?.vendor,
      product: dmi?.system.product ?? lshw?.product,
      version: dmi?.system.version,
      serial: dmi?.system.serial ?? lshw?.serial,
      uuid: dmi?.system.uuid ?? lshw?.uuid,
      sku: dmi?.system.sku,
      family: dmi?.system.family,
    },
    baseboard: dmi?.baseboard ?? {},
    firmware: {
      vendor: dmi?.bios.vendor,
      version: dmi?.bios.version,
      date: dmi?.bios.date,
      bootMode,
      secureBoot,
      bootOrder,
    },
    chassis: dmi?.chassis ?? {},
    cpu: {
      model: procs[0]?.model ?? cpu?.model,
      vendor: cpu?.vendor ?? procs[0]?.vendor,
      sockets: procs.length > 0 ? procs.length : cpu?.sockets,
      cores:
        procs.length > 0 && procs.every((p) => p.cores !== undefined)
          ? procs.reduce((n, p) => n + (p.cores ?? 0), 0)
          : cpu?.cores,
      threads: cpu?.threads,
      mhz: cpu?.mhz,
      flags: cpu?.flags ?? [],
      caches: depth.caches,
      packages: procs.map(({ socket, model, vendor, cores, threads, maxMhz }) => ({
        socket,
        model,
        vendor,
        cores,
        threads,
        maxMhz,
      })),
    },
    memory: {
      totalBytes: mem?.totalBytes ?? lshw?.memoryBytes,
      installedBytes: installed > 0 ? installed : undefined,
      slots: dmi?.memorySlots,
      dimms,
      edac,
    },
    disks,
    nics,
    pci,
    ...depth.sections,
    bmc: {
      present: dmi?.ipmi !== undefined || lan !== undefined || mc !== undefined,
      ...lan,
      ipv6: [],
      firmware: mc?.firmware,
      ipmiVersion: mc?.ipmiVersion ?? dmi?.ipmi?.version,
      manufacturer: mc?.manufacturer,
      product: mc?.product,
      interfaceType: dmi?.ipmi?.interfaceType,
      sel,
      sensors,
    },
    boot: {
      mode: bootMode,
      pxeMac: bootMac,
      pxeInterface: bootInterface(nics, bootMac),
      master: meta.master,
    },
    virtualization: virt ?? {},
    tools,
  };
  // sources nobody asked for above (never expected) still show up, so a run is never silently lost
  for (const [id, raw] of raws)
    if (!(id in tools)) tools[id] = toolRun(raw, raw.error === undefined ? 'ok' : 'failed');
  return compact(inv);
}

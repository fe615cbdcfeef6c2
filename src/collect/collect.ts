// One inventory pass: which sources to run (discovered NICs and disks decide the per-device tools), in
// parallel, each with a time limit, then the pure normalizer. LLDP listening is the only slow step and is
// bounded by its own wait.
import { hostname, release, tmpdir } from 'node:os';
import { access, chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Inventory, PciDevice } from '../shared/inventory/schema.js';
import { normalize } from './normalize.js';
import { parseIpAddr } from './parsers/ip.js';
import { parseLsblk } from './parsers/lsblk.js';
import { parseLldpctl } from './parsers/lldp.js';
import { SECURE_BOOT_EFIVAR } from './parsers/firmware.js';
import { parseLspci } from './parsers/lspci.js';
import { depthBaseSteps, depthDeviceSteps } from './depth-sources.js';
import { parseBootMode } from './parsers/misc.js';
import { parseIpmiSdrInfo } from './parsers/ipmitool.js';
import { listByPath, probeEfi, readEdac, readSource, readTree, runTool, type RawRun } from './run-tools.js';
import type { SourceRunner } from './sources.js';

export interface CollectOptions {
  version: string;
  bootMac?: string;
  master?: string;
  /** seconds to listen for LLDP neighbours (0 = do not start lldpd) */
  lldpWaitSeconds: number;
  /** argv prefix for ipmitool, e.g. a lanplus target in tests; default local /dev/ipmi0 */
  ipmitool?: string[];
  toolTimeoutMs?: number;
  log?: (line: string) => void;
  /** where raw outputs come from (default: this machine; a replay directory in the lab and in tests) */
  sources?: SourceRunner;
}

export interface CollectResult {
  inventory: Inventory;
  raws: Map<string, RawRun>;
}

const skipped = (id: string, argv: string[], why: string): RawRun => ({
  id,
  argv,
  stdout: '',
  stderr: why,
  durationMs: 0,
  error: 'skipped',
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** lldpd in receive-only mode on a private socket; polls lldpctl until every linked NIC heard a neighbour. */
async function listenLldp(nics: string[], waitSeconds: number, t: number): Promise<RawRun> {
  const argv = ['lldpctl', '-f', 'json'];
  if (waitSeconds <= 0) return skipped('lldpctl', argv, 'LLDP wait is 0 s');
  if (nics.length === 0) return skipped('lldpctl', argv, 'no NIC with link');
  const dir = await mkdtemp(join(tmpdir(), 'recon-lldp-'));
  await chmod(dir, 0o755); // lldpd drops privileges to _lldpd and must reach its socket
  const sock = join(dir, 'lldpd.socket');
  const daemon = spawn('lldpd', ['-d', '-r', '-u', sock, '-I', nics.join(',')], { stdio: 'ignore' });
  const failed = new Promise<RawRun>((resolve) =>
    daemon.once('error', (e) =>
      resolve({
        id: 'lldpctl',
        argv: ['lldpd'],
        stdout: '',
        stderr: e.message,
        durationMs: 0,
        error: 'missing',
      }),
    ),
  );
  const poll = (async (): Promise<RawRun> => {
    const deadline = Date.now() + waitSeconds * 1000;
    let last: RawRun = skipped('lldpctl', argv, 'lldpd did not answer');
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const run = await runTool('lldpctl', ['lldpctl', '-u', sock, '-f', 'json'], t);
      if (run.exitCode === 0) last = run;
      const heard = run.exitCode === 0 ? parseLldpctl(run.stdout) : undefined;
      if (heard?.ok && nics.every((n) => heard.value.has(n))) break;
    }
    return last;
  })();
  try {
    return await Promise.race([poll, failed]);
  } finally {
    daemon.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

/** The PCI list phase 1 found, for the tools it calls for; none when lspci gave nothing usable. */
function pciOf(raw: RawRun | undefined): PciDevice[] {
  const r = raw?.exitCode === 0 ? parseLspci(raw.stdout) : undefined;
  return r?.ok ? r.value : [];
}

/** This machine: real tools, procfs/sysfs, a receive-only lldpd. */
export const liveSources: SourceRunner = {
  run: runTool,
  read: readSource,
  efi: probeEfi,
  byPath: () => listByPath(),
  tree: readTree,
  edac: () => readEdac(),
  exists,
  lldp: listenLldp,
};

export async function collectInventory(opts: CollectOptions): Promise<CollectResult> {
  const started = performance.now();
  const t = opts.toolTimeoutMs ?? 20_000;
  const src = opts.sources ?? liveSources;
  const log = opts.log ?? ((): void => {});
  const raws = new Map<string, RawRun>();
  const keep = (r: RawRun): RawRun => {
    raws.set(r.id, r);
    return r;
  };

  // Phase 1: everything that does not depend on what hardware is there.
  const [ip, blk, dmi] = await Promise.all([
    src.run('ip', ['ip', '-j', '-d', 'addr'], t).then(keep),
    src.run('lsblk', ['lsblk', '-J', '-O', '-b'], t).then(keep),
    src.run('dmidecode', ['dmidecode'], t).then(keep),
    src.run('lshw', ['lshw', '-json', '-quiet'], t).then(keep),
    src.run('lspci', ['lspci', '-vmmnnk'], t).then(keep),
    src.run('nvme', ['nvme', 'list', '-o', 'json'], t).then(keep),
    src.run('virt', ['systemd-detect-virt'], t).then(keep),
    src.read('cpuinfo', '/proc/cpuinfo').then(keep),
    src.read('meminfo', '/proc/meminfo').then(keep),
    src.efi().then(keep),
    src.byPath().then(keep),
    ...depthBaseSteps(src, t).map((p) => p.then(keep)),
    src.edac().then(keep),
  ]);
  log(`base tools done in ${Math.round(performance.now() - started)} ms`);

  // Phase 2: per NIC, per disk, BMC, LLDP.
  const links = parseIpAddr(ip.stdout);
  const nics = links.ok ? links.value.filter((l) => l.mac !== undefined && l.kind !== 'loopback') : [];
  const disks = parseLsblk(blk.stdout);
  const bmcHinted = /DMI type 38,/.test(dmi.stdout) || (await src.exists('/dev/ipmi0'));
  const ipmi = opts.ipmitool ?? ['ipmitool'];
  // Sensors and the event log. Both walk the SDR repository, which ipmitool erases and rebuilds when it is
  // empty (a write to the BMC): `sdr info` first, then the sensors only from a repository with records, and
  // the SEL as `sel list` (numbers, no names: no SDR walk) from an empty one.
  const bmcHealthSteps = async (): Promise<void> => {
    const info = keep(await src.run('ipmitool-sdr-info', [...ipmi, 'sdr', 'info'], t));
    const sdr = info.exitCode === 0 ? parseIpmiSdrInfo(info.stdout) : undefined;
    const named = sdr?.ok === true && sdr.value.records > 0;
    const sdrArgv = [...ipmi, 'sdr', 'elist'];
    await Promise.all([
      named
        ? src.run('ipmitool-sdr', sdrArgv, t).then(keep)
        : keep(
            skipped(
              'ipmitool-sdr',
              sdrArgv,
              sdr?.ok === true
                ? 'no SDR records (ipmitool would rebuild the repository)'
                : 'sdr info gave no record count',
            ),
          ),
      src.run('ipmitool-sel', [...ipmi, 'sel', named ? 'elist' : 'list'], t).then(keep),
    ]);
  };
  const ipmiSteps = async (): Promise<void> => {
    const ids = ['ipmitool-lan', 'ipmitool-mc', 'ipmitool-fru'];
    // `fru print 0`, not `fru`: listing every FRU walks the SDR repository, and ipmitool rebuilds an empty
    // repository (erase + add) on the BMC while doing so; device 0 alone is a pure read
    const args = [
      ['lan', 'print'],
      ['mc', 'info'],
      ['fru', 'print', '0'],
    ];
    if (!opts.ipmitool && !bmcHinted) {
      const health: [string, string[]][] = [
        ['ipmitool-sdr-info', ['sdr', 'info']],
        ['ipmitool-sdr', ['sdr', 'elist']],
        ['ipmitool-sel', ['sel', 'elist']],
      ];
      [...ids.map((id, i): [string, string[]] => [id, args[i] ?? []]), ...health].forEach(([id, a]) =>
        keep(skipped(id, [...ipmi, ...a], 'no IPMI device (SMBIOS type 38, /dev/ipmi0)')),
      );
      return;
    }
    if (!opts.ipmitool && !(await src.exists('/dev/ipmi0')))
      keep(await src.run('modprobe-ipmi', ['modprobe', '-a', 'ipmi_si', 'ipmi_devintf'], t));
    await Promise.all([
      ...ids.map((id, i) => src.run(id, [...ipmi, ...(args[i] ?? [])], t).then(keep)),
      bmcHealthSteps(),
    ]);
  };
  // by id: the boot-mode probe is not among the first results of phase 1
  const uefi = parseBootMode(raws.get('efi')?.stdout ?? '');
  const uefiSteps = (): Promise<RawRun>[] => {
    const steps: [string, string[]][] = [
      ['secureboot-efivar', ['od', '-An', '-tx1', '-v', SECURE_BOOT_EFIVAR]],
      ['mokutil', ['mokutil', '--sb-state']],
      ['efibootmgr', ['efibootmgr']],
    ];
    return steps.map(([id, argv]) =>
      uefi.ok && uefi.value === 'uefi'
        ? src.run(id, argv, t).then(keep)
        : Promise.resolve(keep(skipped(id, argv, 'not booted by UEFI'))),
    );
  };
  await Promise.all([
    ...uefiSteps(),
    ...depthDeviceSteps(
      src,
      t,
      nics.filter((n) => n.kind === 'ether').map((n) => n.name),
      pciOf(raws.get('lspci')),
    ).map((p) => p.then(keep)),
    ...nics.flatMap((n) => [
      src.run(`ethtool-i:${n.name}`, ['ethtool', '-i', n.name], t).then(keep),
      src.run(`ethtool-P:${n.name}`, ['ethtool', '-P', n.name], t).then(keep),
      src.run(`ethtool:${n.name}`, ['ethtool', n.name], t).then(keep),
    ]),
    ...(disks.ok ? disks.value : []).map((d) =>
      src.run(`smartctl:${d.name}`, ['smartctl', '-x', '-j', d.path], t).then(keep),
    ),
    ipmiSteps(),
    src
      .lldp(
        nics.filter((n) => n.kind === 'ether' && n.lowerUp).map((n) => n.name),
        opts.lldpWaitSeconds,
        t,
      )
      .then(keep),
  ]);
  const durationMs = Math.round(performance.now() - started);
  log(`inventory collected in ${durationMs} ms (${raws.size} sources)`);
  const inventory = normalize(raws, {
    version: opts.version,
    collectedAt: new Date().toISOString(),
    durationMs,
    hostname: hostname(),
    kernel: release(),
    bootMac: opts.bootMac,
    master: opts.master,
  });
  return { inventory, raws };
}

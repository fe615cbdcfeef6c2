// The peer agent: read the kernel command line, find the master, report stages, collect, upload, then either
// power off (a BMC is present, or policy says so) or wait for the operator's command (shutdown / recollect).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Inventory } from '../shared/inventory/schema.js';
import { parseCmdline, type PowerOffPolicy } from './cmdline.js';
import { collectInventory, liveSources } from './collect.js';
import { consoleLine, type ConsoleLine } from './console-log.js';
import { findMaster } from './find-master.js';
import { parseIpAddr } from './parsers/ip.js';
import { recordSources, replaySources, type SourceRunner } from './sources.js';
import { pollCommand, rawArchive, reportStage, uploadInventory, uploadRaw, type PeerApi } from './upload.js';

const execFileP = promisify(execFile);

export interface CollectCliOptions {
  /** base URL of the master, e.g. http://10.0.0.1 (skips discovery candidates before it) */
  master?: string;
  /** file holding a kernel command line (default /proc/cmdline) */
  cmdlineFile?: string;
  /** collect and upload only: no power-off, no command polling */
  once?: boolean;
  /** collect and print the inventory on stdout; no master needed */
  dryRun?: boolean;
  poweroff?: PowerOffPolicy;
  /** argv run to power the peer off (default systemctl poweroff, then ipmitool chassis power soft) */
  poweroffCommand?: string[];
  lldpWaitSeconds?: number;
  /** ipmitool argv prefix (e.g. lanplus to a test BMC) */
  ipmitool?: string[];
  version?: string;
  log?: ConsoleLine;
  /** stops discovery retries and the command loop (tests) */
  signal?: AbortSignal;
  /** per network step, give up after this long (default: keep trying) */
  deadlineMs?: number;
  /** replay this recorded machine (see sources.ts) instead of running the tools here */
  replayDir?: string;
  /** also write every raw output of each collection here, as a replay directory */
  recordDir?: string;
}

const DEFAULT_LLDP_WAIT_S = 35;
const DEFAULT_POWEROFF: string[][] = [
  ['systemctl', 'poweroff'],
  ['ipmitool', 'chassis', 'power', 'soft'],
];

/** Whether to power off after a successful upload (the original recipe: iff the node has IPMI). */
export function shouldPowerOff(policy: PowerOffPolicy, inv: Inventory): boolean {
  return policy === 'always' || (policy === 'if-bmc' && inv.bmc.present);
}

/** The MAC the master knows this peer by: BOOTIF, else the first wired NIC with carrier. */
async function peerMac(
  sources: SourceRunner,
  bootMac: string | undefined,
): Promise<{ mac?: string; ifname?: string }> {
  const r = parseIpAddr((await sources.run('ip', ['ip', '-j', '-d', 'addr'], 10_000)).stdout);
  const links = r.ok ? r.value.filter((l) => l.mac && l.kind !== 'loopback') : [];
  const boot =
    links.find((l) => l.mac === bootMac) ??
    (bootMac ? undefined : links.find((l) => l.kind === 'ether' && l.lowerUp));
  return { mac: bootMac ?? boot?.mac, ifname: boot?.name };
}

async function powerOff(argvs: string[][], log: ConsoleLine): Promise<boolean> {
  for (const [cmd, ...args] of argvs) {
    if (!cmd) continue;
    log(`powering off: ${[cmd, ...args].join(' ')}`);
    try {
      await execFileP(cmd, args, { timeout: 60_000 });
      return true;
    } catch (e) {
      log(`power-off command failed: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  return false;
}

export async function runCollect(opts: CollectCliOptions = {}): Promise<number> {
  const log = opts.log ?? consoleLine();
  const version = opts.version ?? 'unknown';
  const cmdlineText = await readFile(opts.cmdlineFile ?? '/proc/cmdline', 'utf8').catch(() => '');
  const cmd = parseCmdline(cmdlineText);
  const lldpWaitSeconds = opts.lldpWaitSeconds ?? cmd.lldpWaitSeconds ?? DEFAULT_LLDP_WAIT_S;
  let sources = liveSources;
  if (opts.replayDir) {
    try {
      sources = await replaySources(opts.replayDir);
    } catch (e) {
      log((e as Error).message);
      return 2;
    }
    log(`replaying the recorded machine in ${opts.replayDir}`);
  }
  const collect = async (master?: string): Promise<Awaited<ReturnType<typeof collectInventory>>> => {
    log(`collecting inventory (LLDP wait ${lldpWaitSeconds} s)`);
    const r = await collectInventory({
      version,
      bootMac: cmd.bootMac,
      master,
      lldpWaitSeconds,
      ipmitool: opts.ipmitool,
      log,
      sources,
    });
    if (opts.recordDir) await recordSources(opts.recordDir, r.raws);
    const bad = Object.entries(r.inventory.tools).filter(
      ([, t]) => t.status !== 'ok' && t.status !== 'skipped',
    );
    log(
      `inventory: ${Object.keys(r.inventory.tools).length} sources, ${bad.length} not ok${bad.length ? ` (${bad.map(([id, t]) => `${id}=${t.status}`).join(', ')})` : ''}`,
    );
    return r;
  };

  if (opts.dryRun) {
    const { inventory } = await collect();
    process.stdout.write(JSON.stringify(inventory, null, 2) + '\n');
    return 0;
  }

  log(
    `starting (pxeaddr=${cmd.pxeaddr ?? '-'}, BOOTIF=${cmd.bootMac ?? '-'}, postaction=${cmd.postaction ?? '-'})`,
  );
  const { mac, ifname } = await peerMac(sources, cmd.bootMac);
  if (!mac) {
    log('no boot NIC: BOOTIF= missing and no wired NIC with carrier');
    return 2;
  }
  let found;
  try {
    found = await findMaster({
      explicit: opts.master ?? cmd.masterUrl,
      pxeaddr: cmd.pxeaddr,
      bootIfname: ifname,
      log,
      signal: opts.signal,
      deadlineMs: opts.deadlineMs,
    });
  } catch (e) {
    log((e as Error).message);
    return 3;
  }
  const api: PeerApi = { base: found.base, mac, log, signal: opts.signal, deadlineMs: opts.deadlineMs };
  try {
    await reportStage(api, 'booted', `collector ${version}`);
    for (;;) {
      await reportStage(api, 'collecting');
      const { inventory, raws } = await collect(found.base);
      const invSha = await uploadInventory(api, inventory);
      log(`inventory stored by master (sha256 ${invSha.slice(0, 12)})`);
      const rawSha = await uploadRaw(api, await rawArchive(raws));
      if (rawSha) log(`raw outputs stored by master (sha256 ${rawSha.slice(0, 12)})`);
      await reportStage(api, 'uploaded');
      if (opts.once) return 0;

      const policy = opts.poweroff ?? cmd.poweroff ?? 'if-bmc';
      let command = shouldPowerOff(policy, inventory) ? 'shutdown' : 'none';
      if (command === 'none') {
        await reportStage(api, 'waiting', `power-off policy ${policy}; waiting for a command`);
        log('waiting for a command from the master');
        while (command === 'none' && !opts.signal?.aborted) command = await pollCommand(api);
        if (opts.signal?.aborted) return 0;
      }
      if (command === 'recollect') {
        log('master asked to collect again');
        continue;
      }
      await reportStage(api, 'powering-off');
      return (await powerOff(opts.poweroffCommand ? [opts.poweroffCommand] : DEFAULT_POWEROFF, log)) ? 0 : 4;
    }
  } catch (e) {
    log(`giving up: ${(e as Error).message}`);
    return 1;
  }
}

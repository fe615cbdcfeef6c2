// `recon lab`: an isolated lab network (or, without root, loopback), a master with a generated config and
// data dir, N simulated peers that walk the real protocol path, and the console. Headless, it drives the run to its end itself: every
// peer inventoried → shut down the waiting peers → final power-down (the injected power-off command is
// `true`: the master exits). Everything it started is stopped and removed on every way out; the lab's
// data dir and report stay, and their path is printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../master/control/client.js';
import type { ReconConfigInput } from '../model/config/schema.js';
import type { ReconState } from '../model/reducer.js';
import { healthText, nodeHealth } from '../model/health.js';
import { REPORT_FORMATS } from '../report/index.js';
import { writeFileDurable } from '../shared/durable.js';
import { runConsole } from '../tui/run.js';
import { instantiateMachine, listMachines } from './machine-instance.js';
import { labBmcAddress, labBmcDriver, writeLabBmcCredentials, type LabBmcDriver } from './vm/lab-bmc-vms.js';
import { redfishSimCommand } from './vm/redfish-bmc.js';
import { prepareLabVms, type LabVmRun } from './vm/lab-vms.js';
import { LabNetwork, LoopbackPlace, type LabPlace, type LabSite } from './network.js';

export interface LabOptions {
  peers: number;
  headless: boolean;
  keep: boolean;
  /** real QEMU VMs besides the simulated peers (namespace lab only) */
  qemu?: number;
  /** the QEMU VMs start switched off behind simulated BMCs (ipmi_sim); the console's power-on key boots them */
  bmc?: boolean;
  /** the unprivileged lab: master and peers on loopback ports instead of network namespaces */
  loopback?: boolean;
  /** where lab dirs go (default ./.lab) */
  root?: string;
  /** peers start spread over this many seconds */
  staggerSeconds?: number;
  /** where the distribution's iPXE binaries are looked for (default: Debian's and openSUSE's places) */
  ipxeDirs?: readonly string[];
  out?: NodeJS.WritableStream;
  /** runs once the master answers, before the first peer starts (the attack bench adds its attacker here) */
  beforePeers?: (place: LabPlace, dir: string) => Promise<void>;
}

export interface LabOutcome {
  ok: boolean;
  dir: string;
  message: string;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const IPXE_DIRS = ['/usr/lib/ipxe', '/usr/share/ipxe'];
const HERE = fileURLToPath(new URL('.', import.meta.url));
const IS_TS = import.meta.url.endsWith('.ts');

/** argv that runs a file next to src|dist with this node (through tsx when running from source). */
function nodeArgv(file: string, ...args: string[]): string[] {
  return [
    process.execPath,
    // tsx by its path: the lab's processes run from wherever the lab was started, where `tsx` may not resolve
    ...(IS_TS ? ['--import', import.meta.resolve('tsx')] : []),
    join(HERE, IS_TS ? `${file}.ts` : `${file}.js`),
    ...args,
  ];
}

const entryArgv = (...args: string[]): string[] => nodeArgv('entries', ...args);

/** What root adds to the loopback lab, for the line the unprivileged lab prints. */
export const ROOT_ADDS =
  'as root, recon lab adds network namespaces with a bridge, the master bound to a real interface, DHCPv6 and router advertisements, and --qemu virtual machines';

/** BMCs the lab's master drives: their addresses and drivers, and the credentials file they accept. */
export interface LabBmcs {
  bmcs: { address: string; driver: LabBmcDriver }[];
  credentialsFile: string;
}

/** The master's config for a lab in `dir` at `site`. Pure. */
export function labConfig(dir: string, site: LabSite, bmcs?: LabBmcs): ReconConfigInput {
  const { v4, v6 } = site.subnet;
  return {
    interface: site.interface,
    ipv4: { address: `${v4}.1`, prefix: 24, range: [`${v4}.20`, `${v4}.250`] },
    ipv6: v6 ? { address: `${v6}::1`, prefix: 64 } : { enabled: false },
    ...(site.ports ? { ports: site.ports } : {}),
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'tftp'),
    http: { roots: { '/install': join(dir, 'install') }, trustAnySource: site.sharedSource },
    controlSocket: join(dir, 'control.sock'),
    guard: { enabled: false },
    peer: { powerOffAfterUpload: 'if-bmc', lldpWaitSeconds: 0 },
    power: {
      poweroffCommand: ['true'],
      peerAckSeconds: 30,
      uploadWaitSeconds: 30,
      ...(bmcs ? { bmcCredentialsFile: bmcs.credentialsFile } : {}),
    },
    ...(bmcs ? { bmcs: bmcs.bmcs } : {}),
    log: { level: 'info' },
  };
}

/**
 * Small stand-ins for the live image: the menu names them and peers fetch them over HTTP. The iPXE binaries
 * are the distribution's when its iPXE package is installed; otherwise stand-ins too, which simulated peers
 * fetch just the same (only real firmware needs the real ones). Returns the names that are stand-ins.
 */
async function placeImage(dir: string, ipxeDirs: readonly string[]): Promise<string[]> {
  const img = join(dir, 'install', 'recon');
  await mkdir(img, { recursive: true });
  await mkdir(join(dir, 'tftp'), { recursive: true });
  const note = (what: string) => `recon lab stand-in for the live image's ${what}\n`.repeat(512);
  await writeFile(join(img, 'recon-lab-1.0.iso'), note('ISO'));
  await writeFile(join(img, 'vmlinuz-1.0'), note('kernel'));
  await writeFile(join(img, 'initrd-1.0'), note('initrd'));
  const standIns: string[] = [];
  // the iPXE binaries, copied (not linked): the TFTP server serves nothing that points outside its root
  for (const f of ['undionly.kpxe', 'ipxe.efi']) {
    let copied = false;
    for (const d of ipxeDirs)
      copied ||= await copyFile(join(d, f), join(dir, 'tftp', f)).then(
        () => true,
        () => false,
      );
    if (!copied) {
      await writeFile(join(dir, 'tftp', f), `recon lab stand-in for ${f}\n`.repeat(1024));
      standIns.push(f);
    }
  }
  return standIns;
}

async function waitForSocket(path: string, master: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (master.exitCode !== null) throw new Error(`recon master exited with ${master.exitCode}`);
    try {
      (await ControlClient.connect(path, 500)).close();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The fleet report in every format, asked of a master that is still running (the lab ends without its
 * final power-down: q, Ctrl-C, a signal): what the power-down would have written. Returns the files.
 */
async function writeReport(socket: string, dataDir: string): Promise<string[]> {
  const client = await ControlClient.connect(socket, 2000);
  // closing the connection answers whatever is pending: a master that does not answer cannot hold the teardown
  const timer = setTimeout(() => client.close(), 15_000);
  try {
    const written: string[] = [];
    for (const format of REPORT_FORMATS) {
      const r = await client.action({ name: 'export', format }, { by: 'lab' });
      const text = (r.data as { text?: unknown } | undefined)?.text;
      if (!r.ok || typeof text !== 'string') throw new Error(r.message || `no ${format} report`);
      await writeFileDurable(join(dataDir, `report.${format}`), text);
      written.push(`report.${format}`);
    }
    return written;
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** Waits for `p` or `ms`, whichever comes first, and leaves no timer behind to hold the process. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * The lab's VMs behind BMCs are switched off. Headless, the lab does what the console's power-on key does,
 * one BMC after the other, each once the VM before it is off again (bounded: 5 minutes each), so the lab
 * never runs two VMs at once; with the console, the operator does (B lists the BMCs, W powers one on).
 */
async function powerOnThroughBmcs(
  socket: string,
  run: LabVmRun & { bmcs: string[] },
  headless: boolean,
  say: (s: string) => void,
): Promise<void> {
  if (!headless) {
    say('lab: the VMs are switched off: in the console, B lists their BMCs and W powers the selected one on');
    return;
  }
  const client = await ControlClient.connect(socket);
  try {
    for (const [i, bmc] of run.bmcs.entries()) {
      const r = await client.action(
        { name: 'power-on', bmcs: [bmc] },
        { by: 'lab', onProgress: (m) => say(`lab: power-on: ${m}`) },
      );
      say(`lab: ${r.message}`);
      if (r.ok && i < run.bmcs.length - 1) await within(run.exits[i]!, 300_000);
    }
  } finally {
    client.close();
  }
}

const running = (c: ChildProcess | undefined): c is ChildProcess =>
  c !== undefined && c.exitCode === null && c.signalCode === null;

/** Peers with an inventory, and peers whose last stage is powered-off. Pure. */
export function progress(state: ReconState, macs: string[]): { inventoried: number; off: number } {
  let inventoried = 0;
  let off = 0;
  for (const m of macs) {
    const n = state.nodes[m];
    if (n?.inventory) inventoried++;
    if (n?.stage === 'powered-off') off++;
  }
  return { inventoried, off };
}

/**
 * "lab: inventory 02:1a:b0:00:00:03 supermicro-sys-1029p-faulty FAIL: disk sda: …": the master's verdict on a
 * peer whose inventory is in (with drift among the nodes in so far). Pure.
 */
export function inventoryLine(state: ReconState, mac: string, machine: string): string | undefined {
  const n = state.nodes[mac];
  if (!n?.inventory) return undefined;
  const health = nodeHealth(state, n);
  return `lab: inventory ${mac} ${machine} ${health ? healthText(health) : 'not judged'}`;
}

/**
 * Headless: wait for every inventory (one line each, with its verdict), shut the waiting peers down, then the
 * final power-down. The wait is bounded: a minute, 3 s per peer, and 2 minutes per VM (firmware and a kernel
 * boot under TCG).
 */
async function driveToEnd(
  socket: string,
  macs: string[],
  machineOf: ReadonlyMap<string, string>,
  vms: number,
  peersDone: Promise<unknown>,
  say: (s: string) => void,
): Promise<boolean> {
  const client = await ControlClient.connect(socket);
  try {
    const deadline = Date.now() + 60_000 + macs.length * 3_000 + vms * 120_000;
    let exited = false;
    void peersDone.then(() => (exited = true));
    const told = new Set<string>();
    for (;;) {
      const { state } = await client.getState();
      for (const mac of macs) {
        const line = told.has(mac) ? undefined : inventoryLine(state, mac, machineOf.get(mac) ?? 'vm');
        if (line) {
          told.add(mac);
          say(line);
        }
      }
      const p = progress(state, macs);
      if (p.inventoried === macs.length) break;
      if (exited || Date.now() > deadline) {
        say(`lab: only ${p.inventoried} of ${macs.length} inventories arrived in time`);
        return false;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    say(`lab: all ${macs.length} inventories stored; shutting down the waiting peers`);
    const all = await client.action({ name: 'shutdown-all' }, { by: 'lab' });
    say(`lab: ${all.message}`);
    await peersDone;
    const off = await client.action(
      { name: 'poweroff', confirm: 'poweroff' },
      { by: 'lab', onProgress: (m) => say(`lab: power-down: ${m}`) },
    );
    say(`lab: ${off.message}`);
    return off.ok;
  } finally {
    client.close();
  }
}

export async function runLab(o: LabOptions): Promise<LabOutcome> {
  const out = o.out ?? process.stdout;
  const say = (s: string) => out.write(`${s}\n`);
  const dir = resolve(o.root ?? '.lab', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  const machines = await listMachines();
  const net: LabPlace = o.loopback ? await LoopbackPlace.create() : await LabNetwork.create();
  const children = new Set<ChildProcess>();
  /** peers not started yet: a teardown cancels them */
  const pending = new Set<NodeJS.Timeout>();
  let master: ChildProcess | undefined;
  let vmRun: LabVmRun | undefined;
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.once('exit', stopAll);
  // a signal ends the lab through the same teardown as every other way out
  let stoppedBy: NodeJS.Signals | undefined;
  let signalled = () => {};
  const stopped = new Promise<void>((r) => (signalled = r));
  const onSignal = (s: NodeJS.Signals) => {
    stoppedBy ??= s;
    signalled();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    say(`lab: ${dir} — ${net.where}`);
    if (o.loopback) say(`lab: not root, so this is the loopback lab; ${ROOT_ADDS}`);
    if (o.bmc && !(o.qemu && net instanceof LabNetwork))
      throw new Error('lab: --bmc needs --qemu N and the namespace lab (root)');
    const bmcCredentials = o.bmc ? await writeLabBmcCredentials(dir) : undefined;
    const redfish = o.bmc ? redfishSimCommand() : undefined;
    if (o.bmc && !redfish && (o.qemu ?? 0) > 1)
      say(
        'lab: no Redfish simulator in this installation (a source checkout has one): every VM gets ipmi_sim',
      );
    const config = labConfig(
      dir,
      net.site,
      bmcCredentials && {
        bmcs: Array.from({ length: o.qemu ?? 0 }, (_, i) => ({
          address: labBmcAddress(net.site.subnet.v4, i),
          driver: labBmcDriver(i, redfish !== undefined),
        })),
        credentialsFile: bmcCredentials.file,
      },
    );
    const configPath = join(dir, 'recon.json');
    await writeFile(configPath, JSON.stringify(config, null, 2) + '\n');
    const ipxeDirs = o.ipxeDirs ?? IPXE_DIRS;
    const standIns = await placeImage(dir, ipxeDirs);
    if (standIns.length && o.qemu)
      throw new Error(
        `lab: --qemu needs the distribution's iPXE binaries (${ipxeDirs.join(' or ')}): install ipxe`,
      );
    if (standIns.length)
      say(
        `lab: no iPXE package (${ipxeDirs.join(' or ')}): peers fetch stand-ins for ${standIns.join(', ')}`,
      );
    const vms = o.qemu
      ? await prepareLabVms(
          dir,
          o.qemu,
          say,
          bmcCredentials && { password: bmcCredentials.password, redfish },
        )
      : undefined;
    const log = (name: string) => join(dir, 'logs', name);
    await mkdir(join(dir, 'logs'), { recursive: true });
    const { openSync } = await import('node:fs');
    const start = (argv: string[], logName: string) => {
      const fd = openSync(log(logName), 'a');
      // its own process group: a Ctrl-C at the terminal reaches the lab alone, which then stops everything in order
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], detached: true });
      children.add(c);
      c.once('exit', () => children.delete(c));
      return c;
    };
    master = start(net.wrapMaster(nodeArgv('../cli', 'master', '--config', configPath)), 'master.log');
    await waitForSocket(join(dir, 'control.sock'), master, 20_000);
    await o.beforePeers?.(net, dir);

    // peers: machines round-robin, firmware alternating BIOS/UEFI, starts spread over the stagger window
    const macs: string[] = [];
    const machineOf = new Map<string, string>();
    const exits: Promise<number | null>[] = [];
    const stagger = (o.staggerSeconds ?? Math.min(10, o.peers * 0.25)) * 1000;
    for (let n = 0; n < o.peers; n++) {
      const m = machines[n % machines.length]!;
      const work = join(dir, 'peers', String(n));
      const firmware = n % 2 === 0 ? 'bios' : 'uefi';
      const mac = await instantiateMachine(m, n, join(work, 'machine'), firmware);
      const place = await net.addPeer(n, mac);
      macs.push(mac);
      machineOf.set(mac, m.name);
      const delay = o.peers > 1 ? Math.round((stagger * n) / (o.peers - 1)) : 0;
      exits.push(
        new Promise<number | null>((res) => {
          const timer = setTimeout(() => {
            pending.delete(timer);
            const argv = entryArgv(
              'sim-peer',
              '--mac',
              mac,
              '--firmware',
              firmware,
              '--machine',
              join(work, 'machine'),
              '--work',
              work,
              ...place.simPeerFlags,
            );
            start(place.wrap(argv), `peer-${n}.log`).once('exit', (code) => res(code));
          }, delay);
          pending.add(timer);
        }),
      );
    }
    say(
      `lab: ${o.peers} simulated peers (${machines.map((m) => m.name).join(', ')}); logs in ${join(dir, 'logs')}`,
    );
    vmRun = await vms?.start(net);
    if (vmRun?.bmcs)
      await powerOnThroughBmcs(join(dir, 'control.sock'), { ...vmRun, bmcs: vmRun.bmcs }, o.headless, say);
    macs.push(...(vmRun?.macs ?? []));
    exits.push(...(vmRun?.exits ?? []));
    const peersDone = Promise.all(exits);
    const masterExit = new Promise<void>((r) => master!.once('exit', () => r()));

    let ok: boolean;
    if (o.headless) {
      const drive = driveToEnd(
        join(dir, 'control.sock'),
        macs,
        machineOf,
        vmRun?.macs.length ?? 0,
        peersDone,
        say,
      );
      ok = await Promise.race([drive, stopped.then(() => false)]);
      if (stoppedBy) say(`lab: stopped by ${stoppedBy}`);
      else await within(masterExit, 10_000);
    } else if (stoppedBy) {
      ok = false;
    } else {
      // the console runs until the operator detaches (q) or the master powers down; after the power-down
      // it stays a second, so its last frame shows the result. Once the console is gone, a late master
      // exit must not raise a SIGHUP that nobody handles any more.
      let consoleUp = true;
      void masterExit
        .then(() => new Promise((r) => setTimeout(r, 1000)))
        .then(() => consoleUp && process.emit('SIGHUP'));
      await runConsole({ socket: join(dir, 'control.sock'), readOnly: false, headless: false, ascii: false });
      consoleUp = false;
      ok = true;
    }
    if (o.keep && running(master)) {
      say(`lab: left running (--keep): ${net.where}, socket ${join(dir, 'control.sock')}`);
      return { ok, dir, message: 'kept' };
    }
    return { ok, dir, message: ok ? 'done' : 'failed' };
  } finally {
    if (!(o.keep && running(master))) {
      for (const t of pending) clearTimeout(t);
      if (running(master)) {
        await writeReport(join(dir, 'control.sock'), join(dir, 'data')).then(
          (files) => say(`lab: ${files.join(', ')} written`),
          (e: unknown) => say(`lab: no report: ${(e as Error).message}`),
        );
        const exited = new Promise((r) => master!.once('exit', r));
        master.kill('SIGTERM');
        await within(exited, 10_000);
      }
      stopAll();
      await vmRun?.stop();
      await net.teardown();
      process.off('exit', stopAll);
      say(`lab: torn down; data and report in ${join(dir, 'data')}`);
    }
    // only now: a second Ctrl-C during the teardown must not cut it short
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

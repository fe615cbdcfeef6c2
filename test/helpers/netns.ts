// A network rig made of namespaces this test owns: a "master" namespace with bridge br0
// (10.99.0.1/24, fd99::1/64) and peers attached by veth pairs that never appear in the root namespace.
// Everything is removed by teardown(), which also kills every process left inside the namespaces.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
let rigCounter = 0;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const RIG_V4 = { master: '10.99.0.1', prefix: 24, subnet: '10.99.0.0' } as const;
export const RIG_V6 = { master: 'fd99::1', prefix: 64 } as const;

export async function run(
  argv: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty argv');
  try {
    const r = await execFileP(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: (err.stderr ?? '') + (err.killed ? '\n[killed: timeout]' : ''),
    };
  }
}

async function ip(...args: string[]): Promise<void> {
  const r = await run(['ip', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

export interface Peer {
  ns: string;
  ifname: 'eth0';
  /** the bridge-side end of the veth, inside the master namespace */
  port: string;
}

export class NetnsRig {
  readonly id: string;
  readonly masterNs: string;
  readonly bridge = 'br0';
  readonly peers: Peer[] = [];
  private readonly children = new Set<ChildProcess>();
  private extraNs: string[] = [];
  private taps = 0;

  private constructor(id: string) {
    this.id = id;
    this.masterNs = `${id}m`;
  }

  private bridges = 0;
  /**
   * A fixed MAC per bridge: without one a bridge takes the lowest MAC of its ports and changes it when
   * a peer with a lower one joins, and the peers already up keep sending to the old one (ARP cache).
   */
  private nextBridgeMac(): string {
    return `02:00:00:00:b0:${(++this.bridges).toString(16).padStart(2, '0')}`;
  }

  /** Creates the master namespace and bridge. `tag` keeps names readable in `ip netns`. */
  static async create(tag = 'r'): Promise<NetnsRig> {
    const id = `rc${tag.slice(0, 4)}${process.pid % 100000}x${rigCounter++}`;
    const rig = new NetnsRig(id);
    try {
      await ip('netns', 'add', rig.masterNs);
      await ip('-n', rig.masterNs, 'link', 'set', 'lo', 'up');
      await rig.addBridge('br0', `${RIG_V4.master}/${RIG_V4.prefix}`, `${RIG_V6.master}/${RIG_V6.prefix}`);
    } catch (e) {
      await rig.teardown();
      throw e;
    }
    return rig;
  }

  /** Adds a bridge in the master namespace (br0 is made by create(); more make other segments), with addresses. */
  async addBridge(name: string, ...cidrs: string[]): Promise<void> {
    await ip('-n', this.masterNs, 'link', 'add', name, 'address', this.nextBridgeMac(), 'type', 'bridge');
    await ip(
      '-n',
      this.masterNs,
      'link',
      'set',
      name,
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
    );
    for (const cidr of cidrs)
      await ip(
        '-n',
        this.masterNs,
        'addr',
        'add',
        cidr,
        'dev',
        name,
        ...(cidr.includes(':') ? ['nodad'] : []),
      );
    await ip('-n', this.masterNs, 'link', 'set', name, 'up');
  }

  /** Adds a peer namespace with eth0 bridged to br0 (or to another bridge made by addBridge). */
  async addPeer(mac?: string, bridge = 'br0'): Promise<Peer> {
    const n = this.peers.length;
    const ns = `${this.id}p${n}`;
    const port = `vp${n}`;
    await ip('netns', 'add', ns);
    this.extraNs.push(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip(
      'link',
      'add',
      port,
      'netns',
      this.masterNs,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    );
    if (mac) await ip('-n', ns, 'link', 'set', 'eth0', 'address', mac);
    await ip('-n', this.masterNs, 'link', 'set', port, 'master', bridge);
    await ip('-n', this.masterNs, 'link', 'set', port, 'up');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    const peer: Peer = { ns, ifname: 'eth0', port };
    this.peers.push(peer);
    return peer;
  }

  /** Adds a tap device on the bridge (for a QEMU NIC) and returns its name. */
  async addTap(): Promise<string> {
    const name = `tap${this.taps++}`;
    await ip('-n', this.masterNs, 'tuntap', 'add', 'dev', name, 'mode', 'tap');
    await ip('-n', this.masterNs, 'link', 'set', name, 'master', 'br0');
    await ip('-n', this.masterNs, 'link', 'set', name, 'up');
    return name;
  }

  /** Creates a namespace not attached to the bridge (e.g. a second, unrelated segment). */
  async addNamespace(suffix: string): Promise<string> {
    const ns = `${this.id}${suffix}`;
    await ip('netns', 'add', ns);
    this.extraNs.push(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  exec(ns: string, argv: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', ns, ...argv], opts);
  }

  /** Starts a long-running process inside a namespace; teardown() kills it if still alive. */
  spawn(ns: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async teardown(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    const all = [this.masterNs, ...this.extraNs];
    for (const ns of all) {
      const pids = await run(['ip', 'netns', 'pids', ns]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of all.reverse()) await run(['ip', 'netns', 'del', ns]);
    this.extraNs = [];
  }
}

/** What a rig test works with: the rig, a temp dir of its own, and `defer` for its own cleanups. */
export interface RigScope {
  rig: NetnsRig;
  dir: string;
  /** runs `cleanup` when the test ends, pass or fail: last deferred first, then the rig and the dir go */
  defer: (cleanup: () => unknown) => void;
}

/**
 * Runs `body` on a fresh rig and temp dir and removes everything afterwards, also when `body` throws:
 * the deferred cleanups (servers, masters), then every namespace and process of the rig, then the dir.
 */
export async function withRig<T>(tag: string, body: (scope: RigScope) => Promise<T>): Promise<T> {
  const rig = await NetnsRig.create(tag);
  const cleanups: (() => unknown)[] = [];
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), `recon-${tag}-`));
    return await body({ rig, dir, defer: (c) => void cleanups.push(c) });
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        process.stderr.write(`rig ${tag}: a cleanup failed: ${(e as Error).message}\n`);
      }
    }
    await rig.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

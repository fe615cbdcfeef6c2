// The lab's isolated network (root only): a master namespace with a bridge, one namespace per peer with
// a veth on the bridge. Addresses: a private /24 that no host route covers, and a ULA /64.
// teardown() kills every process inside the namespaces and deletes them; it is safe to call twice.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface LabSubnet {
  /** first three octets, e.g. "10.213.7" */
  v4: string;
  /** the /64 prefix without its last groups, e.g. "fd5a:1ab0:7" */
  v6: string;
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await execFileP('ip', args, { timeout: 20_000 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;

/** Whether a route destination ("default", "10.0.0.0/8", "192.0.2.1") overlaps a /24. Pure. */
export function routeOverlaps(dst: string, net24: string): boolean {
  if (dst === 'default') return false; // the default route covers everything; it is no collision
  const [addr, len] = dst.split('/');
  if (!addr || addr.includes(':')) return false;
  const bits = len === undefined ? 32 : Number(len);
  const shorter = Math.min(bits, 24);
  const mask = shorter === 0 ? 0 : (~0 << (32 - shorter)) >>> 0;
  return (toInt(addr) & mask) >>> 0 === (toInt(`${net24}.0`) & mask) >>> 0;
}

/** The first candidate /24 (10.<a>.<b>.0, seeded) that no host route overlaps. Pure. */
export function pickSubnet(routeDsts: string[], seed: number): LabSubnet {
  for (let i = 0; i < 4096; i++) {
    const n = (seed + i * 7919) % 65536;
    const v4 = `10.${100 + ((n >> 8) % 150)}.${n & 0xff}`;
    if (!routeDsts.some((d) => routeOverlaps(d, v4)))
      return { v4, v6: `fd5a:1ab0:${(n & 0xffff).toString(16)}` };
  }
  throw new Error('no free private /24 for the lab');
}

export class LabNetwork {
  readonly masterNs: string;
  readonly bridge = 'br0';
  private readonly namespaces: string[] = [];

  private constructor(
    readonly id: string,
    readonly subnet: LabSubnet,
  ) {
    this.masterNs = `${id}m`;
  }

  get masterV4(): string {
    return `${this.subnet.v4}.1`;
  }
  get masterV6(): string {
    return `${this.subnet.v6}::1`;
  }

  static async create(): Promise<LabNetwork> {
    const routes = JSON.parse(await ip('-j', 'route')) as { dst: string }[];
    const subnet = pickSubnet(
      routes.map((r) => r.dst),
      process.pid,
    );
    const net = new LabNetwork(`rlab${process.pid % 100000}`, subnet);
    try {
      await net.addNamespace(net.masterNs);
      const n = ['-n', net.masterNs];
      await ip(...n, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      await ip(...n, 'addr', 'add', `${net.masterV4}/24`, 'dev', 'br0');
      await ip(...n, 'addr', 'add', `${net.masterV6}/64`, 'dev', 'br0', 'nodad');
      await ip(...n, 'link', 'set', 'br0', 'up');
    } catch (e) {
      await net.teardown();
      throw e;
    }
    return net;
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip('netns', 'add', ns);
    this.namespaces.push(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  /** A peer namespace `<id>p<n>` with eth0 (MAC `mac`) bridged to the master. */
  async addPeer(n: number, mac: string): Promise<string> {
    const ns = `${this.id}p${n}`;
    const port = `vp${n}`;
    await this.addNamespace(ns);
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
    await ip('-n', ns, 'link', 'set', 'eth0', 'address', mac);
    await ip('-n', this.masterNs, 'link', 'set', port, 'master', 'br0');
    await ip('-n', this.masterNs, 'link', 'set', port, 'up');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    return ns;
  }

  /** Kills what runs inside, then deletes the namespaces (their veths go with them). */
  async teardown(): Promise<void> {
    const all = [...this.namespaces].reverse();
    for (const ns of all) {
      const pids = await ip('netns', 'pids', ns).catch(() => '');
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of all) await ip('netns', 'del', ns).catch(() => '');
    this.namespaces.length = 0;
  }
}

// Where a lab runs. As root: an isolated network, a master namespace with a bridge, one namespace per
// peer with a veth on the bridge; addresses a private /24 that no host route covers, and a ULA /64.
// Without root: loopback, a 127.x.y.0/24 on `lo` and unprivileged ports, every process in the host's
// network. teardown() kills every process inside the namespaces and deletes them; it is safe to call twice.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
/** The master's bridge: locally administered, outside the peers' 02:1a:b0:<nic>:… range (machine-instance.ts). */
const BRIDGE_MAC = '02:1a:b1:00:00:01';

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

/** The master's ports in a lab; the standard ones in namespaces, seven in a row above 1024 on loopback. */
export interface LabPorts {
  dhcp4: number;
  dhcp4Client: number;
  proxyDhcp: number;
  dhcp6: number;
  dns: number;
  tftp: number;
  http: number;
}

/** What the master's config needs to know about where the lab runs. */
export interface LabSite {
  interface: string;
  subnet: { v4: string; v6?: string };
  /** unset: the standard ports */
  ports?: LabPorts;
  /** every peer reaches the master from the same loopback address, so uploads are taken from any source */
  sharedSource: boolean;
}

/** How one peer is run: its process argv wrapped for its place, and the sim-peer flags for its network. */
export interface PeerPlace {
  wrap(argv: string[]): string[];
  simPeerFlags: string[];
}

export interface LabPlace {
  readonly site: LabSite;
  /** one line for the operator: addresses, and namespace or ports */
  readonly where: string;
  /** argv that runs `argv` where the master lives */
  wrapMaster(argv: string[]): string[];
  addPeer(n: number, mac: string): Promise<PeerPlace>;
  teardown(): Promise<void>;
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

export class LabNetwork implements LabPlace {
  readonly masterNs: string;
  readonly bridge = 'br0';
  private readonly namespaces: string[] = [];

  private constructor(
    readonly id: string,
    readonly subnet: LabSubnet,
  ) {
    this.masterNs = `${id}m`;
  }

  get site(): LabSite {
    return { interface: this.bridge, subnet: this.subnet, sharedSource: false };
  }
  get where(): string {
    return `network ${this.subnet.v4}.0/24 and ${this.subnet.v6}::/64 in namespace ${this.masterNs}`;
  }
  wrapMaster(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.masterNs, ...argv];
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
      // a fixed address: a bridge without one takes the lowest MAC of its ports and changes it when a
      // peer's port with a lower one joins; the peers already up then send to the old MAC, and the
      // master hears nothing from them until their ARP entries expire (about 30 s)
      await ip(
        ...n,
        'link',
        'add',
        'br0',
        'address',
        BRIDGE_MAC,
        'type',
        'bridge',
        'stp_state',
        '0',
        'forward_delay',
        '0',
      );
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

  /** A namespace `ns` with eth0 (MAC `mac`) on a veth whose other end `port` is bridged to the master. */
  private async attach(ns: string, port: string, mac: string): Promise<void> {
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
  }

  /** A peer namespace `<id>p<n>` with eth0 (MAC `mac`) bridged to the master. */
  async addPeer(n: number, mac: string): Promise<PeerPlace> {
    const ns = `${this.id}p${n}`;
    await this.attach(ns, `vp${n}`, mac);
    return {
      wrap: (argv) => ['ip', 'netns', 'exec', ns, ...argv],
      simPeerFlags: ['--ifname', 'eth0', '--dhcp6'],
    };
  }

  /** A BMC's namespace `<id>b<n>`: eth0 (MAC `mac`) bridged to the master with a fixed IPv4 address. */
  async addBmc(n: number, mac: string, address: string): Promise<string> {
    const ns = `${this.id}b${n}`;
    await this.attach(ns, `vb${n}`, mac);
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    return ns;
  }

  /** A tap device on the bridge, for a QEMU NIC. */
  async addTap(name: string): Promise<void> {
    await ip('-n', this.masterNs, 'tuntap', 'add', 'dev', name, 'mode', 'tap');
    await ip('-n', this.masterNs, 'link', 'set', name, 'master', this.bridge);
    await ip('-n', this.masterNs, 'link', 'set', name, 'up');
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

/** A 127.x.y /24 for a loopback lab, away from 127.0.0.x (where the host's own services listen). Pure. */
export function loopbackSubnet(seed: number): string {
  const n = seed % (254 * 256);
  return `127.${1 + (n >> 8)}.${n & 0xff}`;
}

/** The seven ports from `base` up. Pure. */
export function portsFrom(base: number): LabPorts {
  return {
    dhcp4: base,
    dhcp4Client: base + 1,
    proxyDhcp: base + 2,
    dhcp6: base + 3,
    dns: base + 4,
    tftp: base + 5,
    http: base + 6,
  };
}

function udpFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.bind({ port, exclusive: true }, () => s.close(() => res(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.listen({ port, exclusive: true }, () => s.close(() => res(true)));
  });
}

/** Whether `port` is free for both UDP and TCP on every address. */
export async function portFree(port: number): Promise<boolean> {
  return (await udpFree(port)) && (await tcpFree(port));
}

/** Seven consecutive ports, each free for UDP and TCP on every address, starting between 20000 and 60000. */
export async function freePortBase(seed: number, tries = 50): Promise<number> {
  for (let i = 0; i < tries; i++) {
    const base = 20000 + ((seed + i * 4099) % 40000);
    let free = true;
    for (let p = base; free && p < base + 7; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error(`no seven free ports in a row after ${tries} tries`);
}

/**
 * The loopback lab (no root): the master on 127.x.y.1 bound to `lo`, peers in the host's network on the
 * same device. Every 127/8 address is already local on lo, so a peer's leased address needs no setup.
 */
export class LoopbackPlace implements LabPlace {
  private constructor(
    readonly subnet: string,
    readonly ports: LabPorts,
  ) {}

  static async create(seed = process.pid): Promise<LoopbackPlace> {
    return new LoopbackPlace(loopbackSubnet(seed), portsFrom(await freePortBase(seed)));
  }

  get site(): LabSite {
    return { interface: 'lo', subnet: { v4: this.subnet }, ports: this.ports, sharedSource: true };
  }
  get where(): string {
    return `loopback ${this.subnet}.0/24 on lo, ports ${this.ports.dhcp4}-${this.ports.http} (DHCP ${this.ports.dhcp4}, TFTP ${this.ports.tftp}, HTTP ${this.ports.http})`;
  }
  wrapMaster(argv: string[]): string[] {
    return argv;
  }
  addPeer(): Promise<PeerPlace> {
    const p = this.ports;
    const flags = ['--ifname', 'lo', '--loopback'];
    flags.push('--dhcp-port', String(p.dhcp4), '--dhcp-client-port', String(p.dhcp4Client));
    flags.push('--tftp-port', String(p.tftp));
    return Promise.resolve({ wrap: (argv) => argv, simPeerFlags: flags });
  }
  teardown(): Promise<void> {
    return Promise.resolve();
  }
}

// A raw ICMPv6 socket on one interface, through libc (koffi), for router advertisements: Node has no
// raw sockets. Hop limit 255 (receivers drop NDP packets with any other, RFC 4861 §6.1.2), bound to the
// device, joined to all-routers ff02::2 so solicitations arrive, and filtered to Router Solicitations.
// The socket is not bound to an address (that would also filter what it receives); the kernel picks
// the interface's link-local address as the source, so the caller waits until DAD has finished.
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';
import { ICMP6_ROUTER_SOLICIT } from './codec.js';
import {
  AF_INET6,
  EAGAIN,
  errnoName,
  int32,
  loadLibc,
  MSG_DONTWAIT,
  SOCK_CLOEXEC,
  SO_BINDTODEVICE,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  type Libc,
} from '../libc.js';

const SOCK_RAW = 3;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_ADD_MEMBERSHIP = 20;
const ICMP6_FILTER = 1;

export const ALL_NODES = 'ff02::1';
export const ALL_ROUTERS = 'ff02::2';

export class Icmp6SocketError extends Error {
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'Icmp6SocketError';
  }
}

function sockaddr6(address: string, scopeId: number): Buffer {
  const sa = Buffer.alloc(28);
  sa.writeUInt16LE(AF_INET6, 0);
  ipv6ToBytes(address).copy(sa, 8);
  sa.writeUInt32LE(scopeId, 24);
  return sa;
}

export class Icmp6Socket {
  private closed = false;

  private constructor(
    private readonly c: Libc,
    private readonly fd: number,
    readonly ifname: string,
    readonly ifindex: number,
  ) {}

  static async open(ifname: string): Promise<Icmp6Socket> {
    if (process.platform !== 'linux')
      throw new Icmp6SocketError(`raw ICMPv6 needs Linux (running on ${process.platform})`);
    const c = await loadLibc();
    const ifindex = c.if_nametoindex(ifname);
    if (ifindex === 0) throw new Icmp6SocketError(`no interface ${ifname}`, 'ENODEV');
    const fd = c.socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    const sock = new Icmp6Socket(c, fd, ifname, ifindex);
    if (fd < 0) sock.fail('socket(AF_INET6, SOCK_RAW, ICMPv6)');
    // ICMP6_FILTER: a bitmap of 256 types where a set bit blocks the type; let only RS through
    const filter = Buffer.alloc(32, 0xff);
    const word = 4 * (ICMP6_ROUTER_SOLICIT >> 5);
    filter.writeUInt32LE((filter.readUInt32LE(word) & ~(1 << (ICMP6_ROUTER_SOLICIT & 31))) >>> 0, word);
    const mreq = Buffer.concat([ipv6ToBytes(ALL_ROUTERS), int32(ifindex)]);
    const dev = Buffer.from(`${ifname}\0`, 'latin1');
    const steps: [string, number, number, Buffer][] = [
      ['SO_BINDTODEVICE', SOL_SOCKET, SO_BINDTODEVICE, dev],
      ['IPV6_MULTICAST_HOPS', IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int32(255)],
      ['IPV6_UNICAST_HOPS', IPPROTO_IPV6, IPV6_UNICAST_HOPS, int32(255)],
      ['IPV6_MULTICAST_IF', IPPROTO_IPV6, IPV6_MULTICAST_IF, int32(ifindex)],
      ['IPV6_MULTICAST_LOOP', IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int32(0)],
      ['ICMP6_FILTER', IPPROTO_ICMPV6, ICMP6_FILTER, filter],
      ['IPV6_ADD_MEMBERSHIP ff02::2', IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq],
    ];
    for (const [name, level, opt, value] of steps)
      if (c.setsockopt(fd, level, opt, value, value.length) !== 0) sock.fail(name);
    return sock;
  }

  private fail(what: string): never {
    const errno = errnoName(this.c.errno());
    this.close();
    throw new Icmp6SocketError(`${what} on ${this.ifname}: ${errno}`, errno);
  }

  send(packet: Buffer, to = ALL_NODES): void {
    const sa = sockaddr6(to, this.ifindex);
    if (this.c.sendto(this.fd, packet, packet.length, 0, sa, sa.length) < 0) {
      const errno = errnoName(this.c.errno());
      throw new Icmp6SocketError(`sendto(${to}%${this.ifname}): ${errno}`, errno);
    }
  }

  /** Reads every queued Router Solicitation without blocking; returns their source addresses ("::" for unspecified). */
  drainSolicitations(): string[] {
    const buf = Buffer.alloc(1500);
    const from = Buffer.alloc(28);
    const fromLen = Buffer.alloc(4);
    const sources: string[] = [];
    for (let i = 0; i < 1000; i++) {
      fromLen.writeUInt32LE(from.length, 0);
      const r = this.c.recvfrom(this.fd, buf, buf.length, MSG_DONTWAIT, from, fromLen);
      if (r < 0) {
        const e = this.c.errno();
        if (e === EAGAIN) break;
        throw new Icmp6SocketError(`recv on ${this.ifname}: ${errnoName(e)}`, errnoName(e));
      }
      if (r >= 8 && buf[0] === ICMP6_ROUTER_SOLICIT && buf[1] === 0)
        sources.push(bytesToIpv6(from.subarray(8, 24)));
    }
    return sources;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd >= 0) this.c.close(this.fd);
  }
}

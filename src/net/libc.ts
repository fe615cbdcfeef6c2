// The libc calls recon's sockets need beyond Node's own (raw ICMPv6 for router advertisements,
// AF_PACKET for the rogue-DHCP guard, SO_BINDTODEVICE for DHCP, the sd_notify datagram, and
// sendfile/poll/eventfd for the HTTP sender threads), bound once per thread through koffi. The sockets
// are non-blocking and polled by their owners, so no thread ever blocks in libc but the HTTP sender
// threads in poll(2), which is what they are for.
import { constants as osConstants } from 'node:os';
import { ipv4ToInt, ipv6ToBytes } from '../shared/ip.js';

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  /** `len` holds the buffer's size going in and the address's length coming out (socklen_t) */
  getsockname(fd: number, addr: Buffer, len: Buffer): number;
  getpeername(fd: number, addr: Buffer, len: Buffer): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, alen: number): number;
  recvfrom(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, alen: Buffer): number;
  close(fd: number): number;
  if_nametoindex(name: string): number;
  dup(fd: number): number;
  read(fd: number, buf: Buffer, count: number): number;
  write(fd: number, buf: Buffer, count: number): number;
  eventfd(initval: number, flags: number): number;
  poll(fds: Buffer, nfds: number, timeoutMs: number): number;
  /** `offset` is read and advanced by the kernel (a one-element array) */
  sendfile(outFd: number, inFd: number, offset: number[], count: number): number;
  errno(): number;
}

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_DGRAM = 2;
export const SOL_SOCKET = 1;
export const SO_BINDTODEVICE = 25;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;
export const EAGAIN = osConstants.errno.EAGAIN;

let libc: Libc | undefined;

export async function loadLibc(): Promise<Libc> {
  if (libc) return libc;
  if (process.platform !== 'linux')
    throw new Error(`recon's sockets need Linux (running on ${process.platform})`);
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libc.so.6');
  libc = {
    socket: lib.func('int socket(int, int, int)') as Libc['socket'],
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as Libc['setsockopt'],
    bind: lib.func('int bind(int, const void *, uint32_t)') as Libc['bind'],
    getsockname: lib.func('int getsockname(int, void *, void *)') as Libc['getsockname'],
    getpeername: lib.func('int getpeername(int, void *, void *)') as Libc['getpeername'],
    sendto: lib.func(
      'intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)',
    ) as Libc['sendto'],
    recvfrom: lib.func('intptr_t recvfrom(int, void *, size_t, int, void *, void *)') as Libc['recvfrom'],
    close: lib.func('int close(int)') as Libc['close'],
    if_nametoindex: lib.func('unsigned int if_nametoindex(const char *)') as Libc['if_nametoindex'],
    dup: lib.func('int dup(int)') as Libc['dup'],
    read: lib.func('intptr_t read(int, void *, size_t)') as Libc['read'],
    write: lib.func('intptr_t write(int, const void *, size_t)') as Libc['write'],
    eventfd: lib.func('int eventfd(unsigned int, int)') as Libc['eventfd'],
    poll: lib.func('int poll(void *, unsigned long, int)') as Libc['poll'],
    sendfile: lib.func('intptr_t sendfile(int, int, _Inout_ int64_t *, size_t)') as Libc['sendfile'],
    errno: () => koffi.errno(),
  };
  return libc;
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

export function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return b;
}

/** struct sockaddr_in / sockaddr_in6 for bind(2), connect(2) and sendto(2). */
export function sockaddr(family: 4 | 6, address: string, port: number): Buffer {
  if (family === 4) {
    const sa = Buffer.alloc(16);
    sa.writeUInt16LE(AF_INET, 0); // sa_family is host order (little-endian on every Linux Node runs on)
    sa.writeUInt16BE(port, 2);
    sa.writeUInt32BE(ipv4ToInt(address), 4);
    return sa;
  }
  const sa = Buffer.alloc(28);
  sa.writeUInt16LE(AF_INET6, 0);
  sa.writeUInt16BE(port, 2);
  ipv6ToBytes(address).copy(sa, 8);
  return sa;
}

/** struct sockaddr_un (the same on every Linux architecture); a leading '@' names the abstract namespace. */
export function sockaddrUnix(path: string): Buffer {
  const name = Buffer.from(path.startsWith('@') ? `\0${path.slice(1)}` : path);
  if (name.length >= 108) throw new Error(`unix socket path too long: ${path}`);
  const sa = Buffer.alloc(2 + name.length + (path.startsWith('@') ? 0 : 1));
  sa.writeUInt16LE(AF_UNIX, 0);
  name.copy(sa, 2);
  return sa;
}

// UDP sockets tied to one network interface (Linux SO_BINDTODEVICE), which Node's dgram cannot do.
// The socket is created, bound to the device and to its port through libc (koffi), then handed to
// dgram by file descriptor (`bind({ fd })`, public API), so no dgram internals are touched and the
// device binding is in place before the first packet can arrive. DHCP servers need this: a wildcard
// socket on port 67 would otherwise answer on every interface of the machine.
import dgram from 'node:dgram';
import {
  AF_INET,
  AF_INET6,
  errnoName,
  int32,
  loadLibc,
  SO_BINDTODEVICE,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  sockaddr,
  SOL_SOCKET,
  type Libc,
} from './libc.js';

const SO_REUSEADDR = 2;
const SO_BROADCAST = 6;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

/** Why a device-bound socket could not be made; `errno` is the libc error name when there is one. */
export class BindDeviceError extends Error {
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'BindDeviceError';
  }
}

async function libc(): Promise<Libc> {
  try {
    return await loadLibc();
  } catch (e) {
    throw new BindDeviceError(`cannot load libc through koffi: ${(e as Error).message}`);
  }
}

export interface DeviceSocketOptions {
  family: 4 | 6;
  /** the interface name, e.g. "lan0" */
  ifname: string;
  port: number;
  /** local address to bind; the wildcard by default (DHCP servers must see broadcasts) */
  address?: string;
  /** allow sending to 255.255.255.255 (IPv4) */
  broadcast?: boolean;
  /** receive buffer in bytes; a DHCP burst from hundreds of clients must not overflow it */
  recvBufferBytes?: number;
}

/** A bound dgram socket that only sends and receives through `ifname`. */
export async function openDeviceSocket(opts: DeviceSocketOptions): Promise<dgram.Socket> {
  const c = await libc();
  const fail = (what: string, fd: number): never => {
    const errno = errnoName(c.errno());
    if (fd >= 0) c.close(fd);
    throw new BindDeviceError(`${what} (${opts.ifname}, port ${opts.port}): ${errno}`, errno);
  };
  const fd = c.socket(opts.family === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket()', fd);
  const one = int32(1);
  if (c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) !== 0) fail('SO_REUSEADDR', fd);
  if (opts.family === 6 && c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, one, 4) !== 0) fail('IPV6_V6ONLY', fd);
  const dev = Buffer.from(`${opts.ifname}\0`, 'latin1');
  if (c.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length) !== 0) fail('SO_BINDTODEVICE', fd);
  if (opts.broadcast && c.setsockopt(fd, SOL_SOCKET, SO_BROADCAST, one, 4) !== 0) fail('SO_BROADCAST', fd);
  const sa = sockaddr(opts.family, opts.address ?? (opts.family === 4 ? '0.0.0.0' : '::'), opts.port);
  if (c.bind(fd, sa, sa.length) !== 0) fail('bind()', fd);

  const sock = dgram.createSocket({ type: opts.family === 4 ? 'udp4' : 'udp6' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ fd }, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  if (opts.broadcast) sock.setBroadcast(true);
  if (opts.recvBufferBytes) sock.setRecvBufferSize(opts.recvBufferBytes);
  return sock;
}

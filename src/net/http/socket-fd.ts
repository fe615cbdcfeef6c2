// The kernel descriptor of a connected TCP socket, found without Node's internals: Node does not tell a
// socket's descriptor, but the kernel does tell every descriptor's addresses. A TCP connection is the
// only open socket with its pair of (address, port), so the descriptor among /proc/self/fd whose
// getsockname and getpeername match the socket's public localAddress/localPort and
// remoteAddress/remotePort is the socket's own.
import { readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { sockaddr } from '../libc.js';

export interface Endpoints {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** The two address calls, as libc has them (a sockaddr buffer and its length in a 4-byte buffer). */
export interface AddressCalls {
  getsockname(fd: number, addr: Buffer, len: Buffer): number;
  getpeername(fd: number, addr: Buffer, len: Buffer): number;
}

/** The bytes of a sockaddr_in / sockaddr_in6 that name an endpoint: family, port and address. */
function endpointBytes(sa: Buffer): Buffer {
  // sockaddr_in: family (2), port (2), address (4); sockaddr_in6: family, port, flowinfo (4), address (16)
  return sa.length === 16 ? sa.subarray(0, 8) : Buffer.concat([sa.subarray(0, 4), sa.subarray(8, 24)]);
}

/** What getsockname/getpeername return for `address`:`port` on a socket of the address's family. */
export function expectedEndpoint(address: string, port: number): Buffer | undefined {
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  return endpointBytes(sockaddr(family, address, port));
}

/** Whether the call filled `buf` with exactly the endpoint `want`. Pure. */
export function endpointMatches(buf: Buffer, len: number, want: Buffer): boolean {
  if (len !== 16 && len !== 28) return false;
  return endpointBytes(buf.subarray(0, len)).equals(want);
}

/** The descriptor among `fds` connecting `ends`, or undefined. */
export function findSocketFd(
  calls: AddressCalls,
  ends: Endpoints,
  fds: Iterable<number> = openDescriptors(),
): number | undefined {
  const local = expectedEndpoint(ends.localAddress, ends.localPort);
  const remote = expectedEndpoint(ends.remoteAddress, ends.remotePort);
  if (!local || !remote) return undefined;
  const buf = Buffer.alloc(28);
  const len = Buffer.alloc(4);
  const ask = (which: 'getsockname' | 'getpeername', fd: number, want: Buffer) => {
    len.writeUInt32LE(buf.length, 0);
    return calls[which](fd, buf, len) === 0 && endpointMatches(buf, len.readUInt32LE(0), want);
  };
  for (const fd of fds) {
    // the peer first: every connection shares the local end
    if (ask('getpeername', fd, remote) && ask('getsockname', fd, local)) return fd;
  }
  return undefined;
}

function openDescriptors(): number[] {
  return readdirSync('/proc/self/fd')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 2);
}

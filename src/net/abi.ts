// The kernel interface recon's own system calls depend on, per architecture: struct layouts and the
// flag bits that are not in Node's os/fs constants. Linux keeps these the same on x86-64 and arm64, but
// other architectures differ (O_NONBLOCK is 0x80 on MIPS, struct epoll_event is packed only on
// x86-64), so only the architectures in this table get the calls that need it; elsewhere their callers
// fall back to Node's own I/O. Pure data; what the system itself says wins where it says anything.
import { constants as fsConstants } from 'node:fs';

export interface LinuxAbi {
  /** struct pollfd { int fd; short events; short revents; } */
  pollfd: { size: number; fd: number; events: number; revents: number };
  POLLIN: number;
  POLLOUT: number;
  POLLERR: number;
  POLLHUP: number;
  POLLNVAL: number;
  /** also EFD_NONBLOCK and SOCK_NONBLOCK */
  O_NONBLOCK: number;
  /** also EFD_CLOEXEC and SOCK_CLOEXEC */
  O_CLOEXEC: number;
}

/** The asm-generic values, which both architectures use. */
const GENERIC: LinuxAbi = {
  pollfd: { size: 8, fd: 0, events: 4, revents: 6 },
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
};

/** By Node's process.arch. */
export const LINUX_ABI: Readonly<Record<string, LinuxAbi>> = { x64: GENERIC, arm64: GENERIC };

/**
 * The table's entry for `arch` with what the system reports taking precedence (fs.constants has
 * O_NONBLOCK), or undefined on an architecture the table does not know.
 */
export function linuxAbi(
  arch: string = process.arch,
  system: { O_NONBLOCK?: number } = fsConstants,
): LinuxAbi | undefined {
  const known = LINUX_ABI[arch];
  if (!known) return undefined;
  return { ...known, O_NONBLOCK: system.O_NONBLOCK ?? known.O_NONBLOCK };
}

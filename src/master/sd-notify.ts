// Tells systemd how `recon master` is doing (sd_notify(3)): READY=1 once every service is up, so units
// ordered after recon-master.service (the consoles) start against a master that answers, and STOPPING=1
// when an orderly stop begins. Node's dgram has no AF_UNIX, so the datagram goes out through libc.
// Outside systemd (no NOTIFY_SOCKET) this does nothing.
import { AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, errnoName, loadLibc, sockaddrUnix } from '../net/libc.js';

/** Sends `state` (newline-separated `KEY=value` lines) to $NOTIFY_SOCKET; false when there is none. */
export async function notifySystemd(state: string, socketPath = process.env.NOTIFY_SOCKET): Promise<boolean> {
  if (!socketPath) return false;
  const libc = await loadLibc();
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`sd_notify: socket: ${errnoName(libc.errno())}`);
  try {
    const addr = sockaddrUnix(socketPath);
    const msg = Buffer.from(state);
    if (libc.sendto(fd, msg, msg.length, 0, addr, addr.length) < 0)
      throw new Error(`sd_notify to ${socketPath}: ${errnoName(libc.errno())}`);
    return true;
  } finally {
    libc.close(fd);
  }
}

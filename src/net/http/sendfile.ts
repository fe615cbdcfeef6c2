// Zero-copy downloads: sendfile(2) from the file (or block device) straight into the client's TCP
// socket, the way nginx serves files. Node has no sendfile, so libc's is called through koffi on the
// socket's file descriptor, non-blocking: when the socket buffer is full (EAGAIN) the loop yields and
// tries again. Streaming through userspace copies every byte twice and, with 32 clients on two CPUs,
// delivered half of nginx's throughput (docs/BENCHMARKS.md). Falls back to a stream when libc or the
// descriptor is unavailable.
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

interface Libc {
  sendfile: (outFd: number, inFd: number, offset: [number], count: number) => number;
  errno: () => number;
}

const EAGAIN = 11;
const EINTR = 4;
/** Bytes per sendfile call: large enough to fill any socket buffer, small enough to stay fair. */
const SLICE = 8 << 20;

async function loadLibc(): Promise<Libc | undefined> {
  try {
    const koffi = (await import('koffi')).default;
    const lib = koffi.load('libc.so.6');
    const fn = lib.func(
      'intptr_t sendfile(int out_fd, int in_fd, _Inout_ int64_t *offset, size_t count)',
    ) as (...a: unknown[]) => number;
    return { sendfile: (o, i, off, n) => fn(o, i, off, n), errno: () => koffi.errno() };
  } catch {
    return undefined;
  }
}

const libc = process.platform === 'linux' ? await loadLibc() : undefined;

/** The kernel descriptor of a live TCP socket, or undefined (TLS, closed, not Linux). */
function socketFd(socket: Socket | null): number | undefined {
  if (!socket || socket.destroyed) return undefined;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export function canSendfile(res: ServerResponse): boolean {
  return libc !== undefined && socketFd(res.socket) !== undefined;
}

/**
 * Sends `length` bytes of `path` from `start` as the body of `res` (headers already set) and ends it.
 * `count` hears every chunk's size. Resolves true when every byte went out.
 */
export async function sendfileBody(
  res: ServerResponse,
  path: string,
  start: number,
  length: number,
  count: (bytes: number) => void,
): Promise<boolean> {
  const socket = res.socket;
  if (!libc || !socket) return false;
  // headers go out through Node first; the body must follow only once they have left its queue
  res.flushHeaders();
  await new Promise<void>((resolve) => socket.write('', () => resolve()));
  const fh = await open(path, 'r');
  const offset: [number] = [start];
  let remaining = length;
  let calls = 0;
  try {
    while (remaining > 0) {
      // checked right before each call: once Node closes the socket its fd number may be reused
      const fd = socketFd(socket);
      if (fd === undefined || res.destroyed) return false;
      const n = libc.sendfile(fd, fh.fd, offset, Math.min(remaining, SLICE));
      if (n > 0) {
        remaining -= n;
        count(n);
        if (++calls % 4 === 0) await yieldToLoop();
      } else if (n === 0)
        return false; // the file shrank under us
      else {
        const err = libc.errno();
        if (err === EAGAIN) await sleep(1);
        else if (err !== EINTR) return false;
      }
    }
  } finally {
    await fh.close();
  }
  res.end();
  return true;
}

// Zero-copy downloads: sendfile(2) from the file (or block device) straight into the client's TCP
// socket, the way nginx serves files. Node has no sendfile, so libc's is called through koffi, on a
// libuv worker thread: the kernel's work per call (TCP and, on a local bridge, the receiver's side
// too) then runs beside the event loop and on every CPU, as nginx's worker processes do, instead of
// serially on the main thread. The socket is non-blocking: when its buffer is full (EAGAIN) the next
// few KiB go through Node's own write, which libuv completes once epoll reports the socket writable
// (the wait for writability Node offers on a descriptor it owns; no timer polling). Streaming through
// userspace copies every byte twice and, with 32 clients on two CPUs, delivered half of nginx's
// throughput (docs/BENCHMARKS.md). Falls back to a stream when libc or the descriptor is unavailable.
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Libc {
  /** on the calling thread: errno() tells why it failed */
  sendfile: (outFd: number, inFd: number, offset: number, count: number) => number;
  /** on a libuv worker thread: errno does not come back with the result */
  sendfileOnWorker: (outFd: number, inFd: number, offset: number, count: number) => Promise<number>;
  dup: (fd: number) => number;
  close: (fd: number) => number;
  errno: () => number;
}

const EAGAIN = 11;
const EINTR = 4;
/** Bytes per sendfile call: large enough to fill any socket buffer, small enough to stay fair. */
const SLICE = 8 << 20;
/**
 * The last bytes of a body go out by a call on the main thread, followed by res.end() in the same turn:
 * a client closes as soon as it has them, and a worker's completion could reach the event loop after
 * that close, turning a whole download into "client went away".
 */
const TAIL = 1 << 20;
/** Bytes written through Node to wait for a full socket: a small share of what the socket buffer holds. */
const WAIT_CHUNK = 64 << 10;

type SendfileFn = ((...a: unknown[]) => number) & {
  async: (...a: unknown[]) => void;
};

async function loadLibc(): Promise<Libc | undefined> {
  try {
    const koffi = (await import('koffi')).default;
    const lib = koffi.load('libc.so.6');
    const fn = lib.func(
      'intptr_t sendfile(int out_fd, int in_fd, _Inout_ int64_t *offset, size_t count)',
    ) as SendfileFn;
    const dup = lib.func('int dup(int oldfd)') as (fd: number) => number;
    const close = lib.func('int close(int fd)') as (fd: number) => number;
    return {
      sendfile: (o, i, off, n) => fn(o, i, [off], n),
      sendfileOnWorker: (o, i, off, n) =>
        new Promise((resolve, reject) =>
          fn.async(o, i, [off], n, (err: Error | null, sent: number) => (err ? reject(err) : resolve(sent))),
        ),
      dup,
      close,
      errno: () => koffi.errno(),
    };
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

/**
 * Writes `length` bytes of the file at `position` through Node and resolves with how many once the
 * kernel took them (libuv waits for the socket to become writable), or 0 if the socket closed first.
 */
async function writeWhenWritable(
  socket: Socket,
  fh: FileHandle,
  position: number,
  length: number,
): Promise<number> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead === 0 || socket.destroyed) return 0;
  return new Promise<number>((resolve) => {
    const onClose = () => resolve(0);
    socket.once('close', onClose);
    socket.write(buf.subarray(0, bytesRead), (err) => {
      socket.off('close', onClose);
      resolve(err ? 0 : bytesRead);
    });
  });
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
  const nodeFd = socketFd(socket);
  if (nodeFd === undefined) return false;
  // our own descriptor of the socket: Node may close its one (and the number be reused for another
  // connection) while a call is queued for a worker thread
  const fd = libc.dup(nodeFd);
  if (fd < 0) return false;
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    let offset = start;
    let remaining = length;
    let full = false;
    while (remaining > 0) {
      if (socket.destroyed || res.destroyed) return false;
      const onWorker = remaining > TAIL;
      const slice = onWorker ? Math.min(remaining - TAIL, SLICE) : remaining;
      let sent: number;
      let bySendfile = false;
      if (full) {
        sent = await writeWhenWritable(socket, fh, offset, Math.min(remaining, WAIT_CHUNK));
      } else {
        sent = onWorker
          ? await libc.sendfileOnWorker(fd, fh.fd, offset, slice)
          : libc.sendfile(fd, fh.fd, offset, slice);
        // the worker thread's errno is lost: a failed call is repeated here, where errno is readable
        if (sent < 0 && onWorker) sent = libc.sendfile(fd, fh.fd, offset, slice);
        if (sent < 0) {
          const err = libc.errno();
          if (err === EINTR) continue;
          if (err !== EAGAIN) return false;
          sent = await writeWhenWritable(socket, fh, offset, Math.min(remaining, WAIT_CHUNK));
        } else bySendfile = true;
      }
      // 0: the file shrank under us, or the socket closed while waiting
      if (sent === 0) return false;
      // a short sendfile means the socket buffer is full: the next step waits for it to drain
      full = bySendfile && sent < slice;
      offset += sent;
      remaining -= sent;
      count(sent);
    }
    res.end();
  } finally {
    libc.close(fd);
    await fh?.close();
  }
  return true;
}

// Zero-copy downloads: sendfile(2) from the file (or block device) straight into the client's TCP
// socket, the way nginx serves files. Node has no sendfile, so libc's is called through koffi. The
// body, but for its last bytes, goes to one sender thread (sender-thread.ts) that polls every socket
// with bytes left and refills each as soon as it has room, so the sockets stay stocked: one call per
// body on a libuv worker, with a wait for the socket to drain in between, left the sockets empty for
// half of each cycle and reached 0.70× nginx with 32 clients (docs/BENCHMARKS.md). Streaming through
// userspace copies every byte twice: 32 peers fetching the live ISO cost the master 6–7 times the CPU
// (docs/BENCHMARKS.md, "Threads: what they earn"). Falls back to a stream when libc, the architecture's
// entry in abi.ts or the socket's descriptor is unavailable.
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { linuxAbi } from '../abi.js';
import { loadLibc, type Libc } from '../libc.js';
import { sendOnThread } from './sender.js';
import { findSocketFd } from './socket-fd.js';
import { eventfdWakeup, type Wakeup } from '../threads.js';

interface HttpLibc {
  dup: (fd: number) => number;
  close: (fd: number) => number;
  /** the socket's descriptor (the kernel's, found by its addresses) */
  socketFd: (socket: Socket) => number | undefined;
  wakeup: Wakeup;
}

/**
 * The last bytes of a body go out through Node, followed by res.end() in the same turn: a client
 * closes as soon as it has them, and the sender thread's report could reach the event loop after that
 * close, turning a whole download into "client went away". Bodies no longer than this never reach the
 * sender thread.
 */
const TAIL = 256 << 10;

async function httpLibc(): Promise<HttpLibc | undefined> {
  const abi = linuxAbi();
  if (process.platform !== 'linux' || !abi) return undefined;
  let c: Libc;
  try {
    c = await loadLibc();
  } catch {
    return undefined;
  }
  // a kept-alive connection sends many bodies: its descriptor is looked up once
  const known = new WeakMap<Socket, number>();
  const socketFd = (socket: Socket) => {
    let fd = known.get(socket);
    if (fd === undefined) {
      const { localAddress, localPort, remoteAddress, remotePort } = socket;
      if (!localAddress || !localPort || !remoteAddress || !remotePort) return undefined;
      fd = findSocketFd(c, { localAddress, localPort, remoteAddress, remotePort });
      if (fd !== undefined) known.set(socket, fd);
    }
    return fd;
  };
  return { dup: (fd) => c.dup(fd), close: (fd) => c.close(fd), socketFd, wakeup: eventfdWakeup(c, abi) };
}

const libc = await httpLibc();

/**
 * A live plain TCP socket (not TLS, not closed) whose descriptor is known, on a system where the sender
 * thread can run. Decided before any header is sent, so a refusal can still stream the body.
 */
export function canSendfile(res: ServerResponse): boolean {
  const socket = res.socket;
  if (!libc || !socket || socket.destroyed || 'encrypted' in socket) return false;
  return libc.socketFd(socket) !== undefined;
}

/** Sends `length` bytes of the file at `offset` on the sender thread; resolves true when all went out. */
async function sendOnSenderThread(
  lib: HttpLibc,
  socket: Socket,
  fh: FileHandle,
  offset: number,
  length: number,
  count: (bytes: number) => void,
): Promise<boolean> {
  // looked up and duplicated in one turn: Node closes its descriptor only on the event loop
  const nodeFd = socket.destroyed ? undefined : lib.socketFd(socket);
  if (nodeFd === undefined) return false;
  // the thread's own descriptor of the socket: Node may close its one (and the number be reused for
  // another connection) while the thread still writes
  const fd = lib.dup(nodeFd);
  if (fd < 0) return false;
  try {
    const body = sendOnThread(lib.wakeup, { socketFd: fd, fileFd: fh.fd, offset, length }, count);
    // the dup keeps the connection open: when Node closes its socket the thread must stop
    const onClose = () => body.drop();
    socket.once('close', onClose);
    if (socket.destroyed) body.drop();
    const end = await body.ended;
    socket.off('close', onClose);
    return end.outcome === 'done';
  } finally {
    // only once the thread reported the end: it no longer uses the descriptor
    lib.close(fd);
  }
}

/**
 * Writes the last bytes through Node and ends the response in the same turn. Resolves true once the
 * kernel took them, false if the socket closed first.
 */
async function sendTail(
  res: ServerResponse,
  socket: Socket,
  fh: FileHandle,
  position: number,
  length: number,
  count: (bytes: number) => void,
): Promise<boolean> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  // the file shrank under us
  if (bytesRead < length || socket.destroyed) return false;
  return new Promise<boolean>((resolve) => {
    const onClose = () => resolve(false);
    socket.once('close', onClose);
    count(length);
    socket.write(buf, (err) => {
      socket.off('close', onClose);
      resolve(!err);
    });
    res.end();
  });
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
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const head = Math.max(0, length - TAIL);
    if (head > 0 && !(await sendOnSenderThread(libc, socket, fh, start, head, count))) return false;
    if (socket.destroyed || res.destroyed) return false;
    return await sendTail(res, socket, fh, start + head, length - head, count);
  } finally {
    await fh?.close();
  }
}

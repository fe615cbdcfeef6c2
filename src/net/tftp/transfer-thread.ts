// A TFTP transfer thread (a worker_threads entry): owns the sockets of its transfers and runs their
// protocol (transfer.ts) in a poll(2) loop. Each transfer has its own UDP socket (the server's transfer
// ID), connected to the client's, so the kernel drops strangers' packets and an ICMP "port unreachable"
// from a client that went away ends the transfer at once. A thread blocked in poll answers an ACK with
// the next block in two system calls, without an event loop turn, and one thread per CPU spreads the
// kernel's send work the way a server forking per transfer does (docs/BENCHMARKS.md "## TFTP").
// New transfers and aborts arrive as messages (with a write to the eventfd so a poll returns); starts,
// progress and ends go back in one batched report per loop turn that has any.
import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  AF_INET,
  EAGAIN,
  errnoName,
  int32,
  loadLibc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  sockaddr,
} from '../libc.js';
import { encodeError, ERR } from './codec.js';
import { openSource, type ResolvedFile } from './files.js';
import type { Negotiated } from './options.js';
import { TftpTransfer, type TransferEnd } from './transfer.js';

export interface TransferThreadData {
  port: MessagePort;
  /** eventfd the main thread writes to after each message */
  wakeFd: number;
}

/** Main thread → transfer thread. */
export type ToTransferThread =
  | {
      type: 'add';
      id: number;
      local: string;
      client: { address: string; port: number };
      file: ResolvedFile;
      negotiated: Negotiated;
      retries: number;
    }
  | { type: 'abort'; id: number; reason: string };

/** Transfer thread → main thread. */
export interface TransferReport {
  /** transfers whose first DATA block went out */
  data: number[];
  progress: [id: number, bytes: number][];
  ended: [id: number, end: TransferEnd][];
}

/** At most this many progress reports per transfer per second (they drive a progress bar, nothing more). */
const PROGRESS_PER_SECOND = 4;
/** A poll with nothing due still returns this often, so the thread stays terminable. */
const IDLE_POLL_MS = 1000;
const POLLIN = 0x1;
const POLLOUT = 0x4;
/** struct pollfd { int fd; short events; short revents; } */
const POLLFD_SIZE = 8;
const SO_SNDBUF = 7;
/** room for a whole window in the socket, so a send rarely has to wait for POLLOUT */
const SEND_BUFFER = 1 << 20;
const ECONNREFUSED = 111;
const ENOBUFS = 105;

const libc = await loadLibc();
const { port, wakeFd } = workerData as TransferThreadData;

interface Entry {
  id: number;
  fd: number;
  transfer: TftpTransfer;
  lastProgress: number;
  /** datagrams the socket had no room for, sent when it reports POLLOUT */
  queue: Buffer[];
  /** the client's port was reported unreachable; the transfer fails unless what it already sent ends it */
  refused: boolean;
}

const entries = new Map<number, Entry>();
let report: TransferReport = { data: [], progress: [], ended: [] };
const scratch = Buffer.allocUnsafe(65536);
const received = Buffer.allocUnsafe(65536);
const counter = Buffer.alloc(8);
let pollfds = Buffer.alloc(POLLFD_SIZE * 64);

/**
 * Sends one datagram; false when the socket is full (EAGAIN/ENOBUFS). A refusal (an ICMP "port
 * unreachable" from an earlier datagram) is noted, not acted on: see receive().
 */
function trySend(e: Entry, packet: Buffer): boolean {
  if (libc.send(e.fd, packet, packet.length, 0) >= 0) return true;
  const errno = libc.errno();
  if (errno === EAGAIN || errno === ENOBUFS) return false;
  if (errno === ECONNREFUSED) e.refused = true;
  else e.transfer.fail(`socket error ${errnoName(errno)}`);
  return true;
}

function sendParts(e: Entry, parts: Buffer[]): void {
  let packet = parts[0]!;
  if (parts.length > 1) {
    let at = 0;
    for (const p of parts) at += p.copy(scratch, at);
    packet = scratch.subarray(0, at);
  }
  if (e.queue.length > 0 || !trySend(e, packet)) e.queue.push(Buffer.from(packet));
}

function flushQueue(e: Entry): void {
  while (e.queue.length > 0 && !e.transfer.done) {
    if (!trySend(e, e.queue[0]!)) return;
    e.queue.shift();
  }
}

function end(id: number, result: TransferEnd): void {
  report.ended.push([id, result]);
  const e = entries.get(id);
  if (!e) return;
  entries.delete(id);
  libc.close(e.fd);
}

/** A socket bound to the server's address (a fresh port: the transfer ID) and connected to the client. */
function openSocket(local: string, client: { address: string; port: number }): number | string {
  const fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return `socket(): ${errnoName(libc.errno())}`;
  const here = sockaddr(4, local, 0);
  const there = sockaddr(4, client.address, client.port);
  // the kernel caps the size at net.core.wmem_max: best effort
  libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, int32(SEND_BUFFER), 4);
  let failed: string | undefined;
  if (libc.bind(fd, here, here.length) !== 0) failed = `bind(): ${errnoName(libc.errno())}`;
  else if (libc.connect(fd, there, there.length) !== 0) failed = `connect(): ${errnoName(libc.errno())}`;
  if (failed === undefined) return fd;
  libc.close(fd);
  return failed;
}

function add(msg: Extract<ToTransferThread, { type: 'add' }>): void {
  const fd = openSocket(msg.local, msg.client);
  if (typeof fd === 'string') {
    report.ended.push([msg.id, { ok: false, bytes: 0, ms: 0, reason: fd }]);
    return;
  }
  let source;
  try {
    source = openSource(msg.file);
  } catch (err) {
    const refusal = encodeError(ERR.UNDEFINED, 'read error');
    libc.send(fd, refusal, refusal.length, 0);
    libc.close(fd);
    report.ended.push([
      msg.id,
      { ok: false, bytes: 0, ms: 0, reason: `read error: ${(err as Error).message}` },
    ]);
    return;
  }
  const { id } = msg;
  const e: Entry = {
    id,
    fd,
    lastProgress: 0,
    queue: [],
    refused: false,
    transfer: undefined as unknown as TftpTransfer,
  };
  e.transfer = new TftpTransfer({
    source,
    negotiated: msg.negotiated,
    retries: msg.retries,
    link: { send: (parts) => sendParts(e, parts), now: () => performance.now() },
    hooks: {
      onData: () => report.data.push(id),
      onProgress: (bytes) => {
        const now = performance.now();
        if (now - e.lastProgress < 1000 / PROGRESS_PER_SECOND) return;
        e.lastProgress = now;
        report.progress.push([id, bytes]);
      },
      onEnd: (result) => end(id, result),
    },
  });
  entries.set(id, e);
  e.transfer.begin();
}

function takeMessages(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as ToTransferThread;
    if (msg.type === 'add') add(msg);
    else entries.get(msg.id)?.transfer.abort(msg.reason);
  }
}

/**
 * Reads every datagram waiting on the socket and hands each to the transfer. The kernel reports a
 * pending "port unreachable" before the datagrams queued behind it, and a client that acknowledged
 * the last block and closed its port makes one out of any duplicate still in flight, so a refusal
 * only ends the transfer once the queue is empty and the transfer still wants an answer.
 */
function receive(e: Entry): void {
  while (!e.transfer.done) {
    const n = libc.recv(e.fd, received, received.length, 0);
    if (n >= 0) {
      e.transfer.onPacket(received.subarray(0, n));
      continue;
    }
    const errno = libc.errno();
    if (errno === ECONNREFUSED) e.refused = true;
    else if (errno !== EAGAIN) e.transfer.fail(`socket error ${errnoName(errno)}`);
    else if (e.refused) e.transfer.fail('client went away (port unreachable)');
    else return;
  }
}

for (;;) {
  takeMessages();
  const polled = [...entries.values()];
  if (pollfds.length < POLLFD_SIZE * (polled.length + 1))
    pollfds = Buffer.alloc(POLLFD_SIZE * 2 * (polled.length + 1));
  pollfds.writeInt32LE(wakeFd, 0);
  pollfds.writeInt16LE(POLLIN, 4);
  pollfds.writeInt16LE(0, 6);
  let due = Infinity;
  polled.forEach((e, i) => {
    const at = POLLFD_SIZE * (i + 1);
    pollfds.writeInt32LE(e.fd, at);
    pollfds.writeInt16LE(e.queue.length > 0 ? POLLIN | POLLOUT : POLLIN, at + 4);
    pollfds.writeInt16LE(0, at + 6);
    due = Math.min(due, e.transfer.deadline);
  });
  if (report.data.length + report.progress.length + report.ended.length > 0) {
    port.postMessage(report);
    report = { data: [], progress: [], ended: [] };
  }
  const wait = Math.max(0, Math.min(IDLE_POLL_MS, Math.ceil(due - performance.now())));
  const ready = libc.poll(pollfds, polled.length + 1, wait);
  if (ready > 0) {
    if (pollfds.readInt16LE(6) & POLLIN) libc.read(wakeFd, counter, 8);
    polled.forEach((e, i) => {
      const revents = pollfds.readInt16LE(POLLFD_SIZE * (i + 1) + 6);
      if (revents === 0 || e.transfer.done) return;
      if (revents & POLLOUT) flushQueue(e);
      // POLLIN, and POLLERR/POLLHUP: the next recv reports the error
      if (revents & ~POLLOUT) receive(e);
    });
  }
  for (const e of polled) if (e.refused && !e.transfer.done) receive(e);
  const now = performance.now();
  for (const e of polled) if (!e.transfer.done && now >= e.transfer.deadline) e.transfer.onTimeout();
}

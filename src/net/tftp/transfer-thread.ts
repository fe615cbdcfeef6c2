// A TFTP transfer thread (a worker_threads entry): owns the sockets of its transfers and runs their
// protocol (transfer.ts) in an epoll(7) loop. Each transfer has its own UDP socket (the server's
// transfer ID), connected to the client's, so the kernel drops strangers' packets and an ICMP "port
// unreachable" from a client that went away ends the transfer at once. A thread blocked in epoll_wait
// answers an ACK with a recv and a send, without an event loop turn, and one thread per CPU spreads the
// kernel's send work the way a server forking per transfer does (docs/BENCHMARKS.md "## TFTP"). epoll
// rather than poll: a wake-up costs the same with 1 transfer as with 100, where poll(2) walks every
// socket each time. New transfers and aborts arrive as messages (with a write to the eventfd so a wait
// returns); starts, progress and ends go back in one batched report per loop turn that has any.
import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
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
import type { PolledThreadData } from '../threads.js';

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
/** A wait with nothing due still returns this often, so the thread stays terminable. */
const IDLE_POLL_MS = 1000;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
/** struct epoll_event { uint32_t events; uint64_t data; }, packed on x86-64 (data holds the fd) */
const EPOLL_EVENT_SIZE = 12;
const EVENTS_PER_WAIT = 64;
const SO_SNDBUF = 7;
/** room for a whole window in the socket, so a send rarely has to wait for EPOLLOUT */
const SEND_BUFFER = 1 << 20;
const ECONNREFUSED = 111;
const ENOBUFS = 105;

const libc = await loadLibc();
const { port, wakeFd } = workerData as PolledThreadData;

interface Entry {
  id: number;
  fd: number;
  transfer: TftpTransfer;
  lastProgress: number;
  /** datagrams the socket had no room for, sent when it reports EPOLLOUT */
  queue: Buffer[];
  /** the client's port was reported unreachable; the transfer fails unless what it already sent ends it */
  refused: boolean;
  /** datagrams received: the thread looks where they arrive at the first and every STEER_EVERY-th */
  received: number;
}

const entries = new Map<number, Entry>();
let report: TransferReport = { data: [], progress: [], ended: [] };
const scratch = Buffer.allocUnsafe(65536);
const received = Buffer.allocUnsafe(65536);
const counter = Buffer.alloc(8);
const epfd = libc.epoll_create1(EPOLL_CLOEXEC);
if (epfd < 0) throw new Error(`epoll_create1: ${errnoName(libc.errno())}`);
const epollEvent = Buffer.alloc(EPOLL_EVENT_SIZE);
const readyEvents = Buffer.alloc(EPOLL_EVENT_SIZE * EVENTS_PER_WAIT);
/** the transfers by socket, for epoll's answers */
const byFd = new Map<number, Entry>();

function watch(op: number, fd: number, events: number): void {
  epollEvent.writeUInt32LE(events, 0);
  epollEvent.writeUInt32LE(fd, 4);
  libc.epoll_ctl(epfd, op, fd, epollEvent);
}
watch(EPOLL_CTL_ADD, wakeFd, EPOLLIN);

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
  if (e.queue.length > 0 || !trySend(e, packet)) {
    if (e.queue.length === 0 && !e.transfer.done) watch(EPOLL_CTL_MOD, e.fd, EPOLLIN | EPOLLOUT);
    e.queue.push(Buffer.from(packet));
  }
}

function flushQueue(e: Entry): void {
  while (e.queue.length > 0 && !e.transfer.done) {
    if (!trySend(e, e.queue[0]!)) return;
    e.queue.shift();
  }
  if (!e.transfer.done) watch(EPOLL_CTL_MOD, e.fd, EPOLLIN);
}

function end(id: number, result: TransferEnd): void {
  report.ended.push([id, result]);
  const e = entries.get(id);
  if (!e) return;
  entries.delete(id);
  byFd.delete(e.fd);
  watch(EPOLL_CTL_DEL, e.fd, 0);
  libc.close(e.fd);
  if (entries.size !== 1) unpin();
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
    received: 0,
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
  byFd.set(fd, e);
  watch(EPOLL_CTL_ADD, fd, EPOLLIN);
  if (entries.size !== 1) unpin();
  e.transfer.begin();
}

function takeMessages(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as ToTransferThread;
    if (msg.type === 'add') add(msg);
    else entries.get(msg.id)?.transfer.abort(msg.reason);
  }
}

const CPU_MASK_BYTES = 128;
const SO_INCOMING_CPU = 49;
/** the client may move to another CPU during a transfer: the thread looks again after this many datagrams */
const STEER_EVERY = 64;
const optValue = Buffer.alloc(4);
const optLength = Buffer.alloc(4);
/** the CPU this thread pinned itself to, and the affinity it had before (taskset, cpuset), or undefined */
let pinned: { cpu: number; before: Buffer } | undefined;

function affinity(): Buffer | undefined {
  const mask = Buffer.alloc(CPU_MASK_BYTES);
  return libc.sched_getaffinity(0, CPU_MASK_BYTES, mask) === 0 ? mask : undefined;
}

function onlyCpu(cpu: number): Buffer {
  const mask = Buffer.alloc(CPU_MASK_BYTES);
  mask[cpu >> 3] = 1 << (cpu & 7);
  return mask;
}

/**
 * Pins the thread to `cpu` if the affinity it had before pinning itself (whatever set it) includes that
 * CPU and others.
 */
function pinTo(cpu: number): void {
  if (cpu < 0 || cpu >= CPU_MASK_BYTES * 8 || pinned?.cpu === cpu) return;
  const before = pinned?.before ?? affinity();
  if (!before || !(before[cpu >> 3]! & (1 << (cpu & 7)))) return;
  if (before.equals(onlyCpu(cpu))) return;
  // pinned elsewhere, and someone else has changed the affinity since: theirs stands
  if (pinned && !affinity()?.equals(onlyCpu(pinned.cpu))) return;
  if (libc.sched_setaffinity(0, CPU_MASK_BYTES, onlyCpu(cpu)) === 0) pinned = { cpu, before };
}

/** Gives back the affinity the thread had, unless someone else has changed it since: theirs stands. */
function unpin(): void {
  if (!pinned) return;
  if (affinity()?.equals(onlyCpu(pinned.cpu))) libc.sched_setaffinity(0, CPU_MASK_BYTES, pinned.before);
  pinned = undefined;
}

/**
 * A lock-step transfer is a ping-pong of hundreds of round trips: each costs a cheap hand-over when
 * the client's packets are processed on the CPU this thread runs on, and two cross-CPU wake-ups each
 * when not (two to three times slower on a virtual machine). The scheduler does not reliably bring the
 * two together, so a thread serving a single transfer moves to the CPU its client's packets arrive on
 * (SO_INCOMING_CPU: the receive-side CPU, as RFS steers to), and runs free again when it has more or none.
 */
function steer(e: Entry): void {
  if (entries.size !== 1) return;
  optLength.writeUInt32LE(4, 0);
  if (libc.getsockopt(e.fd, SOL_SOCKET, SO_INCOMING_CPU, optValue, optLength) === 0)
    pinTo(optValue.readInt32LE(0));
}

/**
 * Reads a datagram and hands it to the transfer: one per wake-up, since epoll (level-triggered)
 * reports the socket again while more wait, and a lock-step client never has more than one. The
 * kernel reports a pending "port unreachable" before the datagrams queued behind it, and a client that
 * acknowledged the last block and closed its port makes one out of any duplicate still in flight, so a
 * refusal only ends the transfer once the queue is empty and the transfer still wants an answer.
 */
function receive(e: Entry): void {
  while (!e.transfer.done) {
    const n = libc.recv(e.fd, received, received.length, 0);
    if (n >= 0) {
      if (e.received++ % STEER_EVERY === 0) steer(e);
      e.transfer.onPacket(received.subarray(0, n));
      if (!e.refused) return;
      continue;
    }
    const errno = libc.errno();
    if (errno === ECONNREFUSED) e.refused = true;
    else if (errno !== EAGAIN) e.transfer.fail(`socket error ${errnoName(errno)}`);
    else if (e.refused) e.transfer.fail('client went away (port unreachable)');
    else return;
  }
}

/** One turn: new messages, the report, a wait, what became ready, what timed out. */
function turn(): void {
  takeMessages();
  let due = Infinity;
  for (const e of entries.values()) if (e.transfer.deadline < due) due = e.transfer.deadline;
  if (report.data.length + report.progress.length + report.ended.length > 0) {
    port.postMessage(report);
    report = { data: [], progress: [], ended: [] };
  }
  const wait = Math.max(0, Math.min(IDLE_POLL_MS, Math.ceil(due - performance.now())));
  const ready = libc.epoll_wait(epfd, readyEvents, EVENTS_PER_WAIT, wait);
  for (let i = 0; i < ready; i++) {
    const events = readyEvents.readUInt32LE(i * EPOLL_EVENT_SIZE);
    const fd = readyEvents.readUInt32LE(i * EPOLL_EVENT_SIZE + 4);
    if (fd === wakeFd) {
      libc.read(wakeFd, counter, 8);
      continue;
    }
    // a transfer that ended earlier in this batch has left the map (and its number may be reused)
    const e = byFd.get(fd);
    if (!e || e.transfer.done) continue;
    if (events & EPOLLOUT) flushQueue(e);
    // EPOLLIN, and EPOLLERR/EPOLLHUP: the next recv reports the error
    if (events & ~EPOLLOUT) receive(e);
  }
  const now = performance.now();
  // (a Map may lose entries while it is iterated)
  for (const e of entries.values()) {
    if (e.refused) receive(e);
    if (!e.transfer.done && now >= e.transfer.deadline) e.transfer.onTimeout();
  }
}

try {
  for (;;) turn();
} catch (err) {
  // a fault in this thread: end its transfers (their sockets are not the runtime's to close), say so,
  // and let the thread die; the main thread starts another for the next transfer
  const reason = `transfer thread failed: ${(err as Error).message}`;
  for (const e of [...entries.values()]) e.transfer.fail(reason);
  port.postMessage(report);
  libc.close(epfd);
  throw err;
}

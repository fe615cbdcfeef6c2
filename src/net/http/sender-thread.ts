// The sender thread (a worker_threads entry): owns every body in flight and keeps each socket stocked,
// the way nginx's event loop does. It poll(2)s every socket with bytes left and, as soon as one has
// room (POLLOUT), calls non-blocking sendfile(2) on it until the socket is full, so a socket never waits
// for a call to be queued and scheduled after it drained. New jobs and drops arrive as messages; the
// main thread writes to an eventfd after each so that a poll in progress returns at once. Progress and
// job ends go back as batched reports (see send-jobs.ts).
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { linuxAbi } from '../abi.js';
import { loadLibc } from '../libc.js';
import type { PolledThreadData } from '../threads.js';
import { SendJobs, classifySendfile, type SendJob, type ToSender } from './send-jobs.js';

// the main thread starts no sender thread where the table has no entry (sendfile.ts)
const abi = linuxAbi()!;
const { POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL } = abi;
const { size: POLLFD_SIZE, fd: FD_AT, events: EVENTS_AT, revents: REVENTS_AT } = abi.pollfd;
/** Bytes per sendfile call: more than a socket buffer holds, so one call fills a drained socket. */
const SLICE = 8 << 20;
/** How often progress goes back while bodies are in flight; an ended job is reported at once. */
const REPORT_EVERY_MS = 20;
/** A poll with nothing to do still returns this often, so the thread stays terminable. */
const IDLE_POLL_MS = 1000;

const libc = await loadLibc();

const { port, wakeFd } = workerData as PolledThreadData;
const jobs = new SendJobs();
const counter = Buffer.alloc(8);
let pollfds = Buffer.alloc(POLLFD_SIZE * 64);
let lastReport = Date.now();

function takeMessages(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as ToSender;
    if (msg.type === 'add') jobs.add(msg);
    else jobs.drop(msg.id);
  }
}

/** Sends on one socket until it is full, its body is done, or it failed. */
function pump(job: SendJob): void {
  for (let again = true; again; ) {
    const asked = jobs.nextCount(job.id, SLICE);
    const sent = libc.sendfile(job.socketFd, job.fileFd, [job.offset], asked);
    again = jobs.apply(job.id, classifySendfile(sent, sent < 0 ? libc.errno() : 0, asked));
  }
}

/** Fills the struct pollfd at byte `at`. */
function entry(at: number, fd: number, events: number): void {
  pollfds.writeInt32LE(fd, at + FD_AT);
  pollfds.writeInt16LE(events, at + EVENTS_AT);
  pollfds.writeInt16LE(0, at + REVENTS_AT);
}

for (;;) {
  takeMessages();
  const polled = jobs.list();
  if (pollfds.length < POLLFD_SIZE * (polled.length + 1))
    pollfds = Buffer.alloc(POLLFD_SIZE * 2 * (polled.length + 1));
  entry(0, wakeFd, POLLIN);
  polled.forEach((job, i) => entry(POLLFD_SIZE * (i + 1), job.socketFd, POLLOUT));
  const ready = libc.poll(pollfds, polled.length + 1, polled.length > 0 ? REPORT_EVERY_MS : IDLE_POLL_MS);
  if (ready > 0) {
    if (pollfds.readInt16LE(REVENTS_AT) & POLLIN) libc.read(wakeFd, counter, 8);
    polled.forEach((job, i) => {
      // an error or hang-up is reported by the next sendfile's errno
      const revents = pollfds.readInt16LE(POLLFD_SIZE * (i + 1) + REVENTS_AT);
      if (revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) pump(job);
    });
  }
  const now = Date.now();
  if (jobs.reportDue(now, lastReport, REPORT_EVERY_MS)) {
    port.postMessage(jobs.takeReport());
    lastReport = now;
  }
}

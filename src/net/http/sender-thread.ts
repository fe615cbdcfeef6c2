// The sender thread (a worker_threads entry): owns every body in flight and keeps each socket stocked,
// the way nginx's event loop does. It poll(2)s every socket with bytes left and, as soon as one has
// room (POLLOUT), calls non-blocking sendfile(2) on it until the socket is full, so a socket never waits
// for a call to be queued and scheduled after it drained. New jobs and drops arrive as messages; the
// main thread writes to an eventfd after each so that a poll in progress returns at once. Progress and
// job ends go back as batched reports (see send-jobs.ts).
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { loadLibc } from '../libc.js';
import type { PolledThreadData } from '../threads.js';
import { SendJobs, classifySendfile, type SendJob, type ToSender } from './send-jobs.js';

const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
/** struct pollfd { int fd; short events; short revents; } */
const POLLFD_SIZE = 8;
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

for (;;) {
  takeMessages();
  const polled = jobs.list();
  if (pollfds.length < POLLFD_SIZE * (polled.length + 1))
    pollfds = Buffer.alloc(POLLFD_SIZE * 2 * (polled.length + 1));
  pollfds.writeInt32LE(wakeFd, 0);
  pollfds.writeInt16LE(POLLIN, 4);
  pollfds.writeInt16LE(0, 6);
  polled.forEach((job, i) => {
    const at = POLLFD_SIZE * (i + 1);
    pollfds.writeInt32LE(job.socketFd, at);
    pollfds.writeInt16LE(POLLOUT, at + 4);
    pollfds.writeInt16LE(0, at + 6);
  });
  const ready = libc.poll(pollfds, polled.length + 1, polled.length > 0 ? REPORT_EVERY_MS : IDLE_POLL_MS);
  if (ready > 0) {
    if (pollfds.readInt16LE(6) & POLLIN) libc.read(wakeFd, counter, 8);
    polled.forEach((job, i) => {
      // an error or hang-up is reported by the next sendfile's errno
      if (pollfds.readInt16LE(POLLFD_SIZE * (i + 1) + 6) & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))
        pump(job);
    });
  }
  const now = Date.now();
  if (jobs.reportDue(now, lastReport, REPORT_EVERY_MS)) {
    port.postMessage(jobs.takeReport());
    lastReport = now;
  }
}

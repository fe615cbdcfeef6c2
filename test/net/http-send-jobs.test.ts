// Table tests for the sender thread's bookkeeping: what a sendfile(2) result means, how a body
// advances, ends, fails or is dropped, and when progress is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { SendJobs, classifySendfile, type SendStep } from '../../src/net/http/send-jobs.js';

const { EAGAIN, EINTR, EPIPE, ECONNRESET } = constants.errno;

void test('classifySendfile: bytes, a full socket, interruptions, failures and a short file', () => {
  const cases: [result: number, errno: number, asked: number, step: SendStep][] = [
    [65536, 0, 65536, { kind: 'sent', bytes: 65536, full: false }],
    [1000, 0, 65536, { kind: 'sent', bytes: 1000, full: true }],
    [-1, EAGAIN, 65536, { kind: 'wait' }],
    [-1, EINTR, 65536, { kind: 'retry' }],
    [-1, EPIPE, 65536, { kind: 'failed', errno: EPIPE }],
    [-1, ECONNRESET, 65536, { kind: 'failed', errno: ECONNRESET }],
    [0, 0, 65536, { kind: 'failed', errno: 0 }],
  ];
  for (const [result, errno, asked, step] of cases)
    assert.deepEqual(classifySendfile(result, errno, asked), step, `${result}/${errno}`);
});

const add = (jobs: SendJobs, id: number, length: number, offset = 0) =>
  jobs.add({ type: 'add', id, socketFd: 100 + id, fileFd: 200 + id, offset, length });

void test('a body advances by what each call sent and ends done at its last byte', () => {
  const jobs = new SendJobs();
  add(jobs, 1, 10_000, 500);
  assert.equal(jobs.nextCount(1, 4096), 4096);
  // a whole slice went out: call again at once
  assert.equal(jobs.apply(1, classifySendfile(4096, 0, 4096)), true);
  // a short call: the socket is full, wait for it to drain
  assert.equal(jobs.apply(1, classifySendfile(1000, 0, 4096)), false);
  assert.deepEqual(jobs.list(), [{ id: 1, socketFd: 101, fileFd: 201, offset: 5596, remaining: 4904 }]);
  assert.equal(jobs.apply(1, classifySendfile(-1, EAGAIN, 4096)), false);
  assert.equal(jobs.apply(1, classifySendfile(-1, EINTR, 4096)), true);
  assert.equal(jobs.nextCount(1, 8192), 4904);
  assert.equal(jobs.apply(1, classifySendfile(4904, 0, 4904)), false);
  assert.equal(jobs.size, 0);
  assert.deepEqual(jobs.takeReport(), { sent: [[1, 10_000]], ended: [{ id: 1, outcome: 'done' }] });
  assert.deepEqual(jobs.takeReport(), { sent: [], ended: [] });
});

void test('failures and drops end a body once; a drop after the end is ignored', () => {
  const jobs = new SendJobs();
  add(jobs, 1, 1000);
  add(jobs, 2, 1000);
  add(jobs, 3, 1000);
  add(jobs, 4, 0);
  assert.deepEqual(
    jobs.list().map((j) => j.id),
    [1, 2, 3],
  );
  jobs.apply(1, classifySendfile(-1, EPIPE, 1000));
  jobs.apply(2, classifySendfile(0, 0, 1000));
  jobs.drop(3);
  jobs.drop(3);
  jobs.drop(1);
  jobs.drop(99);
  // a job that ended no longer moves
  assert.equal(jobs.apply(1, classifySendfile(500, 0, 1000)), false);
  assert.equal(jobs.nextCount(1, 4096), 0);
  assert.equal(jobs.size, 0);
  assert.deepEqual(jobs.takeReport(), {
    sent: [],
    ended: [
      { id: 4, outcome: 'done' },
      { id: 1, outcome: 'failed', errno: EPIPE },
      { id: 2, outcome: 'failed', errno: 0 },
      { id: 3, outcome: 'dropped' },
    ],
  });
});

void test('reportDue: at once for an end, progress only after the interval, nothing when idle', () => {
  const jobs = new SendJobs();
  assert.equal(jobs.reportDue(1000, 0, 20), false, 'nothing to report');
  add(jobs, 1, 1000);
  jobs.apply(1, classifySendfile(100, 0, 1000));
  assert.equal(jobs.reportDue(1010, 1000, 20), false, 'progress before the interval');
  assert.equal(jobs.reportDue(1020, 1000, 20), true, 'progress after the interval');
  jobs.apply(1, classifySendfile(200, 0, 900));
  assert.deepEqual(jobs.takeReport(), { sent: [[1, 300]], ended: [] });
  jobs.drop(1);
  assert.equal(jobs.reportDue(1021, 1020, 20), true, 'an end at once');
});

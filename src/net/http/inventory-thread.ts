// The inventory checker thread (see inventory-check.ts): checks each body it is sent, in order.
import { parentPort } from 'node:worker_threads';
import { checkInventoryBody, type CheckJob, type CheckReply } from './inventory-check.js';

const port = parentPort;
if (!port) throw new Error('inventory-thread runs as a worker thread');
port.on('message', (job: CheckJob) => {
  port.postMessage({ id: job.id, result: checkInventoryBody(job.body) } satisfies CheckReply);
});

// The TFTP transfer threads on their own: a fault inside a thread ends that thread's transfers with the
// reason, leaves the other thread's transfers alone, and the next transfer gets a new thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encodeAck, OP } from '../../src/net/tftp/codec.js';
import type { Negotiated } from '../../src/net/tftp/options.js';
import type { TransferEnd } from '../../src/net/tftp/transfer.js';
import {
  startTransfer,
  startTransferThreads,
  type TransferRequest,
} from '../../src/net/tftp/transfer-threads.js';

const skip = availableParallelism() < 2 ? 'skipped: needs 2 CPUs (one transfer thread each)' : false;

/** A client socket that answers nothing: its transfer stays in flight until its timeout. */
async function silentClient(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

/** How many UDP sockets in this namespace are connected to 127.0.0.1:`port` (from /proc/net/udp). */
async function connectedTo(port: number): Promise<number> {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await readFile('/proc/net/udp', 'utf8');
  return table.split('\n').filter((l) => l.trim().split(/\s+/)[2] === remote).length;
}

function run(req: TransferRequest): { ended: Promise<TransferEnd>; data: () => boolean } {
  let data = false;
  let settle!: (end: TransferEnd) => void;
  const ended = new Promise<TransferEnd>((r) => (settle = r));
  startTransfer(req, { onData: () => (data = true), onProgress: () => undefined, onEnd: settle });
  return { ended, data: () => data };
}

void test(
  'a fault in a transfer thread ends its own transfers only; the next transfer gets a new thread',
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-tftp-threads-'));
    const sockets: Socket[] = [];
    try {
      const path = join(dir, 'file.bin');
      await writeFile(path, Buffer.alloc(5000, 7));
      const st = await stat(path);
      const file = { path, size: st.size, mtimeMs: st.mtimeMs };
      const negotiated: Negotiated = { blksize: 512, windowsize: 1, timeoutMs: 5000 };
      await startTransferThreads();
      const to = async () => {
        const s = await silentClient();
        sockets.push(s);
        return { address: '127.0.0.1', port: s.address().port };
      };
      // one waiting transfer on each thread: the first here
      const firstClient = await to();
      const first = run({ local: '127.0.0.1', client: firstClient, file, negotiated, retries: 3 });
      // the others, one per remaining thread (the least busy thread takes the next transfer)
      const others = [];
      for (let t = 1; t < availableParallelism(); t++)
        others.push(run({ local: '127.0.0.1', client: await to(), file, negotiated, retries: 3 }));
      const second = others[others.length - 1]!;
      // a request no thread can run (no negotiated options): with every thread as busy, it lands on the
      // first thread, which fails
      const broken = run({
        local: '127.0.0.1',
        client: await to(),
        file,
        negotiated: undefined as unknown as Negotiated,
        retries: 3,
      });
      const [b, f] = await Promise.all([broken.ended, first.ended]);
      assert.match(b.reason ?? '', /^transfer thread failed: /);
      assert.match(f.reason ?? '', /^transfer thread failed: /, 'the same thread: ended with the reason');
      assert.equal(f.ok, false);
      assert.equal(await connectedTo(firstClient.port), 0, "the failed thread's sockets are closed");

      // a whole transfer after the fault: a new thread serves it, the other thread's transfer is untouched
      const client = createSocket('udp4');
      sockets.push(client);
      await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
      let received = 0;
      client.on('message', (msg, r) => {
        const pkt = decode(msg);
        if (pkt.op !== OP.DATA) return;
        received += pkt.data.length;
        client.send(encodeAck(pkt.block), r.port, '127.0.0.1');
      });
      const fresh = run({
        local: '127.0.0.1',
        client: { address: '127.0.0.1', port: client.address().port },
        file,
        negotiated,
        retries: 3,
      });
      const end = await fresh.ended;
      assert.ok(end.ok, end.reason);
      assert.equal(received, 5000);
      assert.ok(second.data(), 'the other thread sent its first block');
      let secondEnded = false;
      void second.ended.then(() => (secondEnded = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(secondEnded, false, 'the other thread still waits for its client');
    } finally {
      for (const s of sockets) s.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

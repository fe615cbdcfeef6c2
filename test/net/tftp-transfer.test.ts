// The TFTP service on loopback (unprivileged, port 0) driven by a scriptable client, for the protocol
// corners real clients do not reproduce on demand: the EDK2 tsize probe, lost and partial windows,
// block-number rollover, silent and vanished clients, and the events each transfer leaves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import { StateStore } from '../../src/model/store.js';
import type { ReconEvent } from '../../src/model/events.js';
import type { RunningService } from '../../src/model/service.js';
import { startTftp } from '../../src/net/tftp/service.js';
import {
  decode,
  encodeAck,
  encodeError,
  encodeRequest,
  OP,
  type TftpPacket,
} from '../../src/net/tftp/codec.js';

let dir: string;
let store: StateStore;
let service: RunningService;
let port: number;
const events: ReconEvent[] = [];
const blob = Buffer.alloc(300_000);
for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;

/** A TFTP client whose every reaction is decided by the test. */
class ScriptedClient {
  readonly sock: Socket = createSocket('udp4');
  private queue: { pkt: TftpPacket; port: number }[] = [];
  private wake: (() => void) | undefined;
  private constructor() {
    this.sock.on('message', (msg, r) => {
      this.queue.push({ pkt: decode(msg), port: r.port });
      this.wake?.();
    });
  }
  static async open(): Promise<ScriptedClient> {
    const c = new ScriptedClient();
    await new Promise<void>((r) => c.sock.bind(0, '127.0.0.1', r));
    return c;
  }
  /** resolves once the datagram is out: closing the socket before that would drop it */
  send(buf: Buffer, to = port): Promise<void> {
    return new Promise((resolve) => this.sock.send(buf, to, '127.0.0.1', () => resolve()));
  }
  async recv(timeoutMs = 5000): Promise<{ pkt: TftpPacket; port: number } | undefined> {
    const end = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = end - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return this.queue.shift();
  }
  close(): void {
    this.sock.close();
  }
}

/**
 * Downloads `file`; `onData(block, absoluteBlock)` returns which block to ACK (or undefined to stay silent).
 * Returns the bytes received in order, the OACK options and the number of DATA packets seen.
 */
async function fetch(
  file: string,
  options: Record<string, string>,
  onData: (block: number, next: number) => number | undefined = (b) => b,
) {
  const c = await ScriptedClient.open();
  try {
    await c.send(encodeRequest(OP.RRQ, file, 'octet', options));
    const parts: Buffer[] = [];
    let blksize = 512;
    let expected = 1;
    let oack: Record<string, string> | undefined;
    let packets = 0;
    for (;;) {
      const m = await c.recv();
      if (!m) throw new Error(`no packet (expected block ${expected})`);
      if (m.pkt.op === OP.ERROR) return { error: m.pkt, parts, oack, packets };
      if (m.pkt.op === OP.OACK) {
        oack = Object.fromEntries(m.pkt.options);
        blksize = Number(oack.blksize ?? 512);
        await c.send(encodeAck(0), m.port);
        continue;
      }
      assert.ok(m.pkt.op === OP.DATA);
      packets++;
      const abs = expected + ((m.pkt.block - expected) & 0xffff);
      if (abs === expected) {
        parts.push(m.pkt.data);
        expected++;
      }
      // the final block is always acknowledged: that is how the transfer ends
      const last = abs === expected - 1 && m.pkt.data.length < blksize;
      const ack = last ? m.pkt.block : onData(m.pkt.block, expected);
      if (ack !== undefined) await c.send(encodeAck(ack), m.port);
      if (abs === expected - 1 && m.pkt.data.length < blksize)
        return { data: Buffer.concat(parts), oack, packets };
    }
  } finally {
    c.close();
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ofType = (type: string) => events.filter((e) => e.type === type);
/** Events reach listeners once durable (after an fsync): wait until the store has caught up. */
/** `until`: an event that must arrive first (a loaded machine may take longer than the 20 ms grace). */
async function settled(until: () => boolean = () => true): Promise<void> {
  const end = Date.now() + 5000;
  do {
    await store.flush();
    await new Promise((r) => setTimeout(r, 20));
  } while (!until() && Date.now() < end);
}
const doneSeen = () => ofType('transfer.done').length > 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-tftp-'));
  await mkdir(join(dir, 'root'));
  await mkdir(join(dir, 'ipxe'));
  await writeFile(join(dir, 'root', 'blob.bin'), blob);
  await writeFile(join(dir, 'ipxe', 'ipxe.efi'), blob.subarray(0, 100_000));
  const config = parseConfig({
    interface: 'lo',
    ipv4: { address: '127.0.0.1', prefix: 8, range: ['127.0.0.50', '127.0.0.60'] },
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'root'),
    boot: { ipxeDir: [join(dir, 'ipxe')] },
    ports: { tftp: 0 },
    tftp: { maxTransfers: 2, timeoutSeconds: 1, retries: 2, maxWindowsize: 16 },
  });
  store = await StateStore.open(config.dataDir);
  store.subscribe((ev) => events.push(ev));
  service = await startTftp({
    config,
    store,
    log: pino({ level: process.env.RECON_TEST_LOG ?? 'silent' }),
    flags: { proxyDhcp: false, forceDhcp: false },
    version: 't',
  });
  port = Number(store.state.services.tftp?.detail?.split(':')[1]);
});

after(async () => {
  await service?.stop();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

void test('EDK2 pattern: tsize probe aborted after the OACK is quiet, the re-request succeeds', async () => {
  events.length = 0;
  const c = await ScriptedClient.open();
  await c.send(encodeRequest(OP.RRQ, 'ipxe.efi', 'octet', { tsize: '0', blksize: '1468' }));
  const first = await c.recv();
  assert.ok(first?.pkt.op === OP.OACK);
  assert.deepEqual(Object.fromEntries(first.pkt.options), { blksize: '1468', tsize: '100000' });
  await c.send(encodeError(8, 'User aborted the transfer'), first.port);
  c.close();
  const r = await fetch('ipxe.efi', { blksize: '1468', windowsize: '4' });
  assert.equal(sha(r.data!), sha(blob.subarray(0, 100_000)));
  await settled(doneSeen);
  assert.equal(ofType('transfer.failed').length, 0, 'the probe is not a failure');
  assert.equal(ofType('transfer.start').length, 1, 'only the real download is a transfer');
  const start = ofType('transfer.start')[0]!;
  assert.ok(start.type === 'transfer.start');
  assert.deepEqual([start.data.kind, start.data.size, start.data.file], ['bootloader', 100_000, 'ipxe.efi']);
  assert.equal(ofType('transfer.done').length, 1);
});

void test('a lost window is resent after the timeout; a partial ACK restarts the window there', async () => {
  let dropped = false;
  const lossy = await fetch('blob.bin', { blksize: '1000', windowsize: '8', timeout: '1' }, (block) => {
    if (block === 16 && !dropped) {
      dropped = true;
      return undefined;
    }
    return block % 8 === 0 ? block : undefined;
  });
  assert.equal(sha(lossy.data!), sha(blob));
  // the client ACKs block 5 of the window 1..8 only: blocks 6.. must come again
  let partial = true;
  const seen: number[] = [];
  const r = await fetch('blob.bin', { blksize: '1000', windowsize: '8' }, (block) => {
    seen.push(block);
    if (partial && block === 8) {
      partial = false;
      return 5;
    }
    return block % 8 === 0 ? block : undefined;
  });
  assert.equal(sha(r.data!), sha(blob));
  assert.deepEqual(seen.slice(0, 11), [1, 2, 3, 4, 5, 6, 7, 8, 6, 7, 8]);
});

void test('block numbers roll over past 65535', { timeout: 60_000 }, async () => {
  // 600 kB in 8-byte blocks: 75 001 blocks; ACK every 16th (65 536 is a multiple of 16, so the
  // window ends stay aligned across the wrap)
  const big = Buffer.concat([blob, blob]);
  await writeFile(join(dir, 'root', 'big.bin'), big);
  const r = await fetch('big.bin', { blksize: '8', windowsize: '16' }, (block) =>
    block % 16 === 0 ? block : undefined,
  );
  assert.equal(r.data!.length, big.length);
  assert.equal(sha(r.data!), sha(big));
  assert.ok(r.packets > 65536);
});

void test('refusals: write, traversal, absolute path, unknown mode, missing file', async () => {
  const ask = async (buf: Buffer) => {
    const c = await ScriptedClient.open();
    await c.send(buf);
    const m = await c.recv();
    c.close();
    assert.ok(m?.pkt.op === OP.ERROR, 'an ERROR packet');
    return m.pkt.code;
  };
  assert.equal(await ask(encodeRequest(OP.WRQ, 'new.bin')), 2);
  assert.equal(await ask(encodeRequest(OP.RRQ, '../data/events.jsonl')), 2);
  assert.equal(await ask(encodeRequest(OP.RRQ, '/etc/passwd')), 1);
  assert.equal(await ask(encodeRequest(OP.RRQ, 'blob.bin', 'mail')), 4);
  assert.equal(await ask(encodeRequest(OP.RRQ, 'nothing-here')), 1);
});

void test(
  'silent and vanished clients free their slots; busy answers meanwhile',
  { timeout: 30_000 },
  async () => {
    events.length = 0;
    // maxTransfers is 2: one client goes silent, one vanishes (socket closed → ICMP port unreachable)
    const silent = await ScriptedClient.open();
    await silent.send(encodeRequest(OP.RRQ, 'blob.bin', 'octet', { blksize: '1000', timeout: '1' }));
    const vanishing = await ScriptedClient.open();
    await vanishing.send(encodeRequest(OP.RRQ, 'blob.bin', 'octet', { blksize: '1000', timeout: '2' }));
    assert.ok((await silent.recv())?.pkt.op === OP.OACK);
    assert.ok((await vanishing.recv())?.pkt.op === OP.OACK);
    const busy = await fetch('blob.bin', {});
    assert.ok(busy.error && busy.error.code === 0, 'third client told the server is busy');
    const t0 = Date.now();
    vanishing.close();
    // the silent client's OACK is resent twice (retries 2), then the transfer is dropped: ~3 s
    let probes = 0;
    for (;;) {
      const m = await silent.recv(2500);
      if (!m) break;
      probes++;
    }
    silent.close();
    assert.equal(probes, 2, 'two retransmissions of the OACK, then silence');
    assert.ok(Date.now() - t0 < 8000);
    await settled();
    // neither got past the OACK, so neither was ever a transfer for the console
    assert.equal(ofType('transfer.start').length + ofType('transfer.failed').length, 0);
    const r = await fetch('blob.bin', { blksize: '1400' });
    assert.equal(sha(r.data!), sha(blob), 'slots were freed');
  },
);

void test(
  'progress events are throttled to at most 4 per second per transfer',
  { timeout: 30_000 },
  async () => {
    events.length = 0;
    const t0 = Date.now();
    // lock-step with 512-byte blocks: 586 ACKs, each a chance to report progress
    const r = await fetch('blob.bin', {});
    assert.equal(r.data!.length, blob.length);
    const seconds = (Date.now() - t0) / 1000;
    await settled(doneSeen);
    const progress = ofType('transfer.progress').length;
    assert.ok(progress >= 1, 'some progress was reported');
    assert.ok(
      progress <= Math.ceil(seconds * 4) + 1,
      `${progress} progress events in ${seconds.toFixed(2)} s`,
    );
    const done = ofType('transfer.done')[0];
    assert.ok(done?.type === 'transfer.done' && done.data.bytes === blob.length);
  },
);

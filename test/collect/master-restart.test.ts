// A master that dies during an upload and comes back: the collector retries with backoff until the master
// acknowledges with the sha256 of what was sent, and the data dir ends with exactly one inventory. A TCP
// relay between collector and master (loopback) times the crash: either in the middle of the inventory
// request body, or after the master answered but before the answer reached the peer — the second case shows
// the master stores durably before it acknowledges (the inventory survives the crash that lost the answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconEvent } from '../../src/model/events.js';
import { validateInventory } from '../../src/shared/inventory/index.js';
import { loopbackConfig, startMaster, type RunningMaster } from '../helpers/master.js';

const root = new URL('../..', import.meta.url).pathname;
const MAC = '52:54:00:c0:11:77';

type Cut = 'request-body' | 'response';

/**
 * Relays 127.0.0.1:<port> → the master. Armed once: on the PUT of an inventory it stops relaying — after
 * 512 bytes of the request body, or after the whole request (holding back the master's answer) — and
 * tells the test; when the master side closes, the peer's connection is closed too.
 */
class CuttingRelay {
  readonly held: Promise<void>;
  private release!: () => void;
  private armed = true;
  /** the status line of the answer held back from the peer */
  answer: string | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    private readonly upstreamPort: number,
    private readonly cut: Cut,
  ) {
    this.held = new Promise((r) => (this.release = r));
  }

  static async start(upstreamPort: number, cut: Cut): Promise<CuttingRelay> {
    const server = createServer();
    const relay = new CuttingRelay(server, upstreamPort, cut);
    server.on('connection', (c) => relay.pipe(c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return relay;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private pipe(client: Socket): void {
    const up = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
    this.sockets.add(client).add(up);
    let seen = ''; // what the peer sent on this connection (latin1: one char per byte)
    let sent = 0;
    let holding = false;
    let holdResponse = false;
    client.on('data', (chunk: Buffer) => {
      if (holding) return;
      seen += chunk.toString('latin1');
      let upTo = seen.length;
      if (this.armed) {
        const put = seen.search(/PUT \/api\/v1\/nodes\/[^ ]+\/inventory HTTP\/1\.1\r\n/);
        const headersEnd = put >= 0 ? seen.indexOf('\r\n\r\n', put) : -1;
        if (headersEnd >= 0) {
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(seen.slice(put, headersEnd))?.[1]);
          const bodyStart = headersEnd + 4;
          const cutAt = this.cut === 'request-body' ? bodyStart + 512 : bodyStart + length;
          if (seen.length >= cutAt) {
            upTo = cutAt;
            this.armed = false;
            if (this.cut === 'request-body') {
              holding = true;
              this.release();
            } else holdResponse = true; // released when the master's answer comes
          }
        }
      }
      if (upTo > sent) up.write(Buffer.from(seen.slice(sent, upTo), 'latin1'));
      sent = upTo;
    });
    up.on('data', (d: Buffer) => {
      if (!holdResponse) client.write(d);
      else if (!this.answer) {
        this.answer = d.toString('latin1').split('\r\n')[0]!;
        this.release();
      }
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    up.on('close', end).on('error', end);
    client.on('close', end).on('error', end);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

function runCollector(dir: string, master: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src/collect/bundle-entry.ts'),
        '--cmdline',
        join(dir, 'cmdline'),
        '--master',
        master,
        '--once',
        '--lldp-wait',
        '0',
      ],
      { cwd: root, timeout: 150_000, maxBuffer: 64 << 20 },
      (err, _stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stderr });
      },
    );
  });
}

async function restartDuringUpload(cut: Cut): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-restart-'));
  const config = loopbackConfig(dir, { http: { roots: {}, trustAnySource: true } });
  await writeFile(join(dir, 'cmdline'), `BOOTIF=01-${MAC.replace(/:/g, '-')} postaction=liveboot\n`);
  let master: RunningMaster | undefined;
  let relay: CuttingRelay | undefined;
  try {
    master = await startMaster({ dir, config: () => config });
    relay = await CuttingRelay.start(config.ports!.http!, cut);
    const collector = runCollector(dir, `http://127.0.0.1:${relay.port}`);

    await Promise.race([
      relay.held,
      sleep(90_000, undefined, { ref: false }).then(() => {
        throw new Error('the collector never started the inventory upload');
      }),
    ]);
    if (cut === 'response') assert.equal(relay.answer, 'HTTP/1.1 200 OK', 'the master acknowledged');
    // the crash: no chance to finish anything
    assert.equal(await master.stop('SIGKILL'), null);
    await sleep(1500);
    master = await startMaster({ dir, config: () => config });

    const r = await collector;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /inventory upload failed \(.*\); retrying in \d+\.\d s/);
    assert.match(r.stderr, /inventory stored by master \(sha256 [0-9a-f]{12}\)/);
    assert.match(r.stderr, /raw outputs stored by master/);
    await master.stop();

    const node = join(dir, 'data', 'nodes', MAC);
    assert.deepEqual(
      (await readdir(node)).sort(),
      ['events.jsonl', 'inventory.json', 'raw.tar.gz'],
      'no temp files, no copies',
    );
    const bytes = await readFile(join(node, 'inventory.json'));
    assert.equal(validateInventory(JSON.parse(bytes.toString('utf8'))).ok, true);
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.ok(r.stderr.includes(`inventory stored by master (sha256 ${sha.slice(0, 12)})`));

    // the master's append-only event log: every inventory.stored it ever made durable
    const stored = (await readFile(join(dir, 'data', 'events.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReconEvent)
      .filter((e) => e.type === 'inventory.stored' && e.data.mac === MAC);
    // cut in the request: the first upload never reached the disk, so one store; cut in the answer: the
    // first upload was durable before the crash and the retry stored the same bytes again
    assert.equal(stored.length, cut === 'request-body' ? 1 : 2);
    for (const e of stored) assert.equal(e.type === 'inventory.stored' && e.data.sha256, sha);
  } finally {
    await relay?.close();
    await master?.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

test(
  'master killed in the middle of the inventory request body: retried, stored once',
  { timeout: 180_000 },
  () => restartDuringUpload('request-body'),
);

test(
  'master killed after storing, before its answer reached the peer: the inventory was already durable',
  {
    timeout: 180_000,
  },
  () => restartDuringUpload('response'),
);

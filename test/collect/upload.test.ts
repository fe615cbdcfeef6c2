// The collector's side of the peer API against a scripted HTTP server on loopback: an upload counts only
// when the master answers with the sha256 of exactly the bytes sent (a wrong or missing sha256 and server
// errors are retried with backoff, within the deadline); the raw archive holds every source's output; the
// command long-poll reads only known commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import {
  pollCommand,
  rawArchive,
  reportStage,
  uploadInventory,
  uploadRaw,
  type PeerApi,
} from '../../src/collect/upload.js';
import type { RawRun } from '../../src/collect/run-tools.js';
import { sampleInventory } from './sample-inventory.js';

interface Req {
  method: string;
  url: string;
  body: Buffer;
}

type Answer = (req: Req, res: ServerResponse) => void;

async function scripted(answers: Answer[]): Promise<{ base: string; seen: Req[]; server: Server }> {
  const seen: Req[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks) };
      seen.push(r);
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      answer(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const reply =
  (status: number, body: unknown): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
const storeIt: Answer = (req, res) =>
  reply(200, { sha256: createHash('sha256').update(req.body).digest('hex'), bytes: req.body.length })(
    req,
    res,
  );

function api(base: string, lines: string[], deadlineMs?: number): PeerApi {
  return { base, mac: '52:54:00:aa:00:01', log: (l) => lines.push(l), deadlineMs };
}

test(
  'an upload is done only when the master returns the sha256 of the bytes sent',
  { timeout: 30_000 },
  async () => {
    const s = await scripted([
      reply(200, { sha256: '0'.repeat(64) }), // stored something else
      reply(500, { error: 'disk full' }),
      reply(200, {}), // no sha256 at all
      storeIt,
    ]);
    try {
      const lines: string[] = [];
      const inv = sampleInventory();
      const sha = await uploadInventory(api(s.base, lines), inv);
      const sent = Buffer.from(JSON.stringify(inv, null, 2));
      assert.equal(sha, createHash('sha256').update(sent).digest('hex'));
      assert.equal(s.seen.length, 4);
      for (const r of s.seen) {
        assert.equal(`${r.method} ${r.url}`, 'PUT /api/v1/nodes/52-54-00-aa-00-01/inventory');
        assert.deepEqual(r.body, sent, 'every retry sends the same bytes');
      }
      assert.match(
        lines[0]!,
        new RegExp(
          `^inventory upload failed \\(master stored sha256 0{64}, sent ${sha}\\); retrying in \\d\\.\\d s$`,
        ),
      );
      assert.match(lines[1]!, /^inventory upload failed \(HTTP 500 \{"error":"disk full"\}\); retrying in/);
      assert.match(lines[2]!, /^inventory upload failed \(master stored sha256 undefined, sent/);
      assert.equal(lines.length, 3);
    } finally {
      s.server.close();
    }
  },
);

test(
  'a master that never acknowledges: the upload gives up at the deadline, with the reason',
  { timeout: 30_000 },
  async () => {
    const s = await scripted([reply(200, { sha256: 'nope' })]);
    try {
      const started = Date.now();
      await assert.rejects(
        uploadInventory(api(s.base, [], 2500), sampleInventory()),
        /^Error: inventory upload: master stored sha256 nope, sent [0-9a-f]{64}$/,
      );
      assert.ok(Date.now() - started < 6000, `gave up in time (${Date.now() - started} ms)`);
      assert.ok(s.seen.length >= 2, 'retried before giving up');
    } finally {
      s.server.close();
    }
  },
);

test(
  'a master with no room for the raw archive (507): given up at once, the inventory still retried',
  { timeout: 30_000 },
  async () => {
    const full = reply(507, { error: 'data partition full: 900 KiB free of 3.9 MiB' });
    const s = await scripted([full, full, storeIt]);
    try {
      const lines: string[] = [];
      assert.equal(await uploadRaw(api(s.base, lines), Buffer.from([0x1f, 0x8b, 1, 2])), undefined);
      assert.equal(s.seen.length, 1, 'the raw archive is not sent again');
      assert.match(
        lines[0]!,
        /^raw upload refused: the master has no room for it \(HTTP 507 .*\); not sent again$/,
      );
      // an inventory has the master's reserve: it is worth asking again
      await uploadInventory(api(s.base, lines), sampleInventory());
      assert.equal(s.seen.length, 3);
    } finally {
      s.server.close();
    }
  },
);

test(
  'stage events are posted as JSON; the command poll reads known commands only',
  { timeout: 30_000 },
  async () => {
    const s = await scripted([
      reply(200, { ok: true }),
      reply(200, { command: 'shutdown' }),
      reply(200, { command: 'recollect' }),
      reply(200, { command: 'format-disks' }),
      reply(200, {}),
    ]);
    try {
      const a = api(s.base, []);
      await reportStage(a, 'uploaded', 'all done');
      assert.deepEqual(JSON.parse(s.seen[0]!.body.toString()), { stage: 'uploaded', detail: 'all done' });
      assert.equal(s.seen[0]!.url, '/api/v1/nodes/52-54-00-aa-00-01/events');
      const got = [
        await pollCommand(a, 1),
        await pollCommand(a, 1),
        await pollCommand(a, 1),
        await pollCommand(a, 1),
      ];
      assert.deepEqual(got, ['shutdown', 'recollect', 'none', 'none']);
      assert.equal(s.seen[1]!.url, '/api/v1/nodes/52-54-00-aa-00-01/command?wait=1');
    } finally {
      s.server.close();
    }
  },
);

test('raw archive: every source stdout/stderr plus runs.json, readable with tar', async () => {
  const raws = new Map<string, RawRun>([
    [
      'dmidecode',
      {
        id: 'dmidecode',
        argv: ['dmidecode'],
        stdout: '# dmidecode 3.4\n',
        stderr: '',
        exitCode: 0,
        durationMs: 12,
      },
    ],
    [
      'smartctl:nvme0n1',
      {
        id: 'smartctl:nvme0n1',
        argv: ['smartctl', '-x', '-j', '/dev/nvme0n1'],
        stdout: '{}',
        stderr: 'warn',
        exitCode: 4,
        durationMs: 80,
      },
    ],
    [
      'lshw',
      { id: 'lshw', argv: ['lshw', '-json'], stdout: '', stderr: '', durationMs: 20000, error: 'timeout' },
    ],
  ]);
  const tgz = await rawArchive(raws);
  assert.deepEqual([tgz[0], tgz[1]], [0x1f, 0x8b]);
  const dir = await mkdtemp(join(tmpdir(), 'recon-raw-test-'));
  try {
    await writeFile(join(dir, 'raw.tar.gz'), tgz);
    await extract({ file: join(dir, 'raw.tar.gz'), cwd: dir });
    const runs = JSON.parse(await readFile(join(dir, 'runs.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(Object.keys(runs).sort(), ['dmidecode', 'lshw', 'smartctl:nvme0n1']);
    assert.deepEqual(runs['smartctl:nvme0n1'], {
      argv: ['smartctl', '-x', '-j', '/dev/nvme0n1'],
      exitCode: 4,
      durationMs: 80,
      stdout: 'smartctl_nvme0n1.stdout',
      stderr: 'smartctl_nvme0n1.stderr',
    });
    assert.equal(runs.lshw?.error, 'timeout');
    assert.equal(await readFile(join(dir, 'dmidecode.stdout'), 'utf8'), '# dmidecode 3.4\n');
    assert.equal(await readFile(join(dir, 'smartctl_nvme0n1.stderr'), 'utf8'), 'warn');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

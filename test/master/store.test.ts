import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { StateStore } from '../../src/model/store.js';
import { readLog } from '../../src/model/log.js';
import { writeFileDurable } from '../../src/shared/durable.js';

const MAC = '52:54:00:12:34:56';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'recon-store-'));
}

test('events persist and the state is rebuilt after a restart', async () => {
  const dir = await tmp();
  try {
    const a = await StateStore.open(dir);
    await a.emit({
      type: 'dhcp.discover',
      data: { mac: MAC, family: 4, firmware: 'bios', vendorClass: 'PXEClient' },
    });
    await a.emit({
      type: 'lease.granted',
      data: { mac: MAC, family: 4, ip: '10.99.0.100', expiresAt: '2030-01-01T00:00:00Z' },
    });
    await a.emit({ type: 'node.stage', data: { mac: MAC, stage: 'collecting' } });
    await a.emit({ type: 'transfer.progress', data: { id: 'x', bytes: 5 } }); // ephemeral: not written
    await a.close();
    const lines = (await readFile(join(dir, 'events.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 3);
    const b = await StateStore.open(dir);
    assert.equal(b.state.nodes[MAC]?.lease4?.ip, '10.99.0.100');
    assert.equal(b.state.nodes[MAC]?.stage, 'collecting');
    const next = await b.emit({ type: 'node.stage', data: { mac: MAC, stage: 'uploaded' } });
    assert.ok(next.seq > 3); // ephemeral events take a number but are never written
    await b.close();
    // per-node history is derived on snapshot
    const nodeLog = (await readFile(join(dir, 'nodes', MAC, 'events.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(nodeLog.length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('recovery without a snapshot and with a corrupt snapshot replays the whole log', async () => {
  const dir = await tmp();
  try {
    const a = await StateStore.open(dir);
    for (let i = 0; i < 10; i++)
      await a.emit({ type: 'node.stage', data: { mac: MAC, stage: 'collecting', detail: `${i}` } });
    await a.close();
    await writeFile(join(dir, 'state.json'), '{"version":1,"seq":'); // torn snapshot
    const b = await StateStore.open(dir);
    assert.match(b.recovery.snapshotProblem ?? '', /unreadable/);
    assert.equal(b.recovery.replayed, 10);
    assert.equal(b.state.nodes[MAC]?.stageDetail, '9');
    await b.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a torn last line is reported and cut; a corrupt middle line is skipped; nothing else is lost', async () => {
  const dir = await tmp();
  try {
    const a = await StateStore.open(dir);
    for (let i = 0; i < 5; i++)
      await a.emit({ type: 'node.stage', data: { mac: MAC, stage: 'collecting', detail: `${i}` } });
    await a.close();
    const log = join(dir, 'events.jsonl');
    const text = await readFile(log, 'utf8');
    const lines = text.trim().split('\n');
    lines.splice(2, 0, '{"this is": not json}');
    await writeFile(log, lines.join('\n') + '\n' + '{"seq":6,"at":"2026');
    await rm(join(dir, 'state.json'));
    const b = await StateStore.open(dir);
    assert.equal(b.recovery.replayed, 5);
    assert.equal(b.recovery.skipped.length, 2);
    assert.match(b.recovery.skipped[0]!.reason, /not valid JSON/);
    assert.match(b.recovery.skipped[1]!.reason, /torn last line/);
    assert.ok(b.recovery.truncatedBytes > 0);
    await b.emit({ type: 'node.stage', data: { mac: MAC, stage: 'uploaded' } });
    await b.close();
    const again = await readLog(log);
    assert.equal(again.events.length, 6);
    assert.equal(
      again.events.at(-1)?.data && 'stage' in again.events.at(-1)!.data
        ? (again.events.at(-1)!.data as { stage: string }).stage
        : '',
      'uploaded',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileDurable replaces atomically and leaves no temp files', async () => {
  const dir = await tmp();
  try {
    const p = join(dir, 'sub', 'f.json');
    await writeFileDurable(p, 'one');
    await writeFileDurable(p, 'two');
    assert.equal(await readFile(p, 'utf8'), 'two');
    assert.deepEqual(await readdir(join(dir, 'sub')), ['f.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('crash durability: SIGKILL at random points never loses an acknowledged event (50 rounds)', async () => {
  const dir = await tmp();
  try {
    let lastAcked = 0;
    for (let round = 0; round < 50; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/store-writer.ts', dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let ready = false;
      let maxAck = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('writer did not start')), 20_000);
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (c: string) => {
          out += c;
          const lines = out.split('\n');
          out = lines.pop() ?? '';
          for (const l of lines) {
            if (l.startsWith('ready')) {
              ready = true;
              // the recovered state must hold everything acknowledged in the previous round
              assert.ok(
                Number(l.split(' ')[1]) >= lastAcked,
                `round ${round}: recovered ${l}, acked ${lastAcked}`,
              );
              clearTimeout(timer);
              setTimeout(() => child.kill('SIGKILL'), 5 + Math.random() * 120);
            } else if (l.startsWith('ack ')) maxAck = Math.max(maxAck, Number(l.slice(4)));
          }
        });
        child.on('exit', () => {
          clearTimeout(timer);
          if (ready) resolve();
          else reject(new Error('writer exited before ready'));
        });
      });
      const rec = await readLog(join(dir, 'events.jsonl'));
      const seqs = new Set(rec.events.map((e) => e.seq));
      for (let s = 1; s <= maxAck; s++)
        assert.ok(seqs.has(s), `round ${round}: acknowledged event ${s} lost`);
      lastAcked = Math.max(lastAcked, maxAck);
    }
    assert.ok(lastAcked > 50, `only ${lastAcked} events acknowledged in 50 rounds`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

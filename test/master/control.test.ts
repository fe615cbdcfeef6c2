import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { ControlServer } from '../../src/master/control/server.js';
import { ControlClient } from '../../src/master/control/client.js';
import type { ReconEvent } from '../../src/model/events.js';
import { parseClientMessage, LineSplitter } from '../../src/master/control/protocol.js';

const MAC = '52:54:00:12:34:56';

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'recon-ctl-'));
  const store = await StateStore.open(join(dir, 'data'));
  const sock = join(dir, 'control.sock');
  const server = new ControlServer(sock, store, '9.9.9', pino({ level: 'silent' }));
  await server.start();
  return {
    dir,
    store,
    server,
    sock,
    async close() {
      await server.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function collect(c: ControlClient): ReconEvent[] {
  const got: ReconEvent[] = [];
  c.on('event', (e) => got.push(e));
  return got;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('two consoles subscribe; an action from one is seen by both; socket is 0660', async () => {
  const s = await setup();
  try {
    assert.equal((await stat(s.sock)).mode & 0o777, 0o660);
    s.server.registerAction('shutdown', async (a, ctx) => {
      ctx.progress('queueing');
      if (a.name !== 'shutdown') throw new Error('wrong action');
      for (const mac of a.macs)
        await s.store.emit({ type: 'command.queued', data: { mac, command: 'shutdown', by: ctx.by } });
      return { ok: true, message: `shutdown queued for ${a.macs.length} node(s)` };
    });
    const a = await ControlClient.connect(s.sock);
    const b = await ControlClient.connect(s.sock);
    const snaps: string[] = [];
    a.on('snapshot', (_st, v) => snaps.push(v));
    b.on('snapshot', (_st, v) => snaps.push(v));
    const ea = collect(a);
    const eb = collect(b);
    a.subscribe();
    b.subscribe();
    await until(() => snaps.length === 2);
    assert.deepEqual(snaps, ['9.9.9', '9.9.9']);
    const progress: string[] = [];
    const res = await a.action(
      { name: 'shutdown', macs: [MAC] },
      { by: 'tty1', onProgress: (m) => progress.push(m) },
    );
    assert.deepEqual(res, { ok: true, message: 'shutdown queued for 1 node(s)', data: undefined });
    assert.deepEqual(progress, ['queueing']);
    for (const got of [ea, eb]) {
      await until(() => got.some((e) => e.type === 'action.result'));
      assert.ok(got.some((e) => e.type === 'command.queued' && e.data.mac === MAC && e.data.by === 'tty1'));
    }
    const missing = await b.action({ name: 'poweroff', confirm: 'poweroff' });
    assert.equal(missing.ok, false);
    assert.equal(missing.message, 'poweroff: not available yet');
    a.close();
    b.close();
  } finally {
    await s.close();
  }
});

test('a console that disconnects mid-stream or sends garbage does not disturb the master', async () => {
  const s = await setup();
  try {
    const steady = await ControlClient.connect(s.sock);
    const got = collect(steady);
    steady.subscribe();
    // a client that subscribes and vanishes while events stream
    const rude = createConnection(s.sock);
    await new Promise((r) => rude.once('connect', r));
    rude.write('{"op":"subscribe"}\n');
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(
        s.store.emit({ type: 'node.stage', data: { mac: MAC, stage: 'collecting', detail: `${i}` } }),
      );
      if (i === 50) rude.destroy();
    }
    await Promise.all(writes);
    // garbage, an oversized line, and unknown ops
    const junk = createConnection(s.sock);
    await new Promise((r) => junk.once('connect', r));
    junk.resume(); // consume the replies so the close is seen
    junk.write('not json\n{"op":"nope","id":1}\n');
    junk.write('x'.repeat(70 * 1024));
    await new Promise((r) => junk.once('close', r));
    await until(() => got.filter((e) => e.type === 'node.stage').length === 200);
    const st = await steady.getState();
    assert.equal(st.state.nodes[MAC]?.stageDetail, '199');
    steady.close();
  } finally {
    await s.close();
  }
});

test('protocol: client lines are validated', () => {
  assert.deepEqual(parseClientMessage('{"op":"subscribe"}'), { op: 'subscribe' });
  assert.ok(
    'error' in parseClientMessage('{"op":"action","id":1,"action":{"name":"shutdown","macs":["bad"]}}'),
  );
  assert.ok('error' in parseClientMessage('{"op":"action","id":1,"action":{"name":"poweroff"}}'));
  assert.deepEqual(
    parseClientMessage('{"op":"action","id":2,"action":{"name":"poweroff","confirm":"poweroff"}}'),
    {
      op: 'action',
      id: 2,
      action: { name: 'poweroff', confirm: 'poweroff', waitSeconds: undefined },
      by: undefined,
    },
  );
  assert.ok('error' in parseClientMessage('[]'));
  const sp = new LineSplitter(10);
  assert.deepEqual(sp.push('ab\ncd'), ['ab']);
  assert.deepEqual(sp.push('e\n'), ['cde']);
  assert.throws(() => sp.push('x'.repeat(11)));
});

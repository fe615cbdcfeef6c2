// The expected node count on a real `recon master` (loopback): taken from the config's expectedNodes at
// start, changed by a console's `expect` action (0 clears it), kept across a restart whose config does
// not name one, and refused when the count is not a whole number in range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/master/control/client.js';
import { parseClientMessage } from '../../src/master/control/protocol.js';
import { loopbackConfig, startMaster, type RunningMaster } from '../helpers/master.js';

test('protocol: expect takes a whole count 0..1000000', () => {
  const parse = (action: unknown) => parseClientMessage(JSON.stringify({ op: 'action', id: 1, action }));
  assert.deepEqual(parse({ name: 'expect', count: 200 }), {
    op: 'action',
    id: 1,
    action: { name: 'expect', count: 200 },
    by: undefined,
  });
  for (const count of [-1, 2.5, '7', 1_000_001, undefined])
    assert.match(String((parse({ name: 'expect', count }) as { error?: string }).error), /whole number/);
});

test(
  'recon master: expectedNodes from the config at start, changed by a console, kept over a restart without it',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-expected-'));
    let master: RunningMaster | undefined;
    const start = async (expectedNodes?: number) => {
      await master?.stop();
      master = await startMaster({ dir, config: (d) => ({ ...loopbackConfig(d), expectedNodes }) });
      return master;
    };
    const ask = async (m: RunningMaster, count?: number) => {
      const c = await ControlClient.connect(m.socket);
      try {
        if (count !== undefined) {
          const r = await c.action({ name: 'expect', count }, { by: 'console:test' });
          assert.ok(r.ok, r.message);
        }
        return (await c.getState()).state.expectedNodes;
      } finally {
        c.close();
      }
    };
    try {
      let m = await start(12);
      assert.equal(await ask(m), 12, 'from the config');
      assert.equal(await ask(m, 40), 40, 'set from a console');
      m = await start(undefined);
      assert.equal(await ask(m), 40, 'a restart without expectedNodes keeps what the console set');
      m = await start(12);
      assert.equal(await ask(m), 12, 'a config that says otherwise wins at start');
      assert.equal(await ask(m, 0), undefined, '0 clears it');
    } finally {
      await master?.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

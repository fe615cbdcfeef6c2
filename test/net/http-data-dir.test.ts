// The data dir is no peer's to read: a running `recon master` laid out as the shipped config (data dir
// /export/nodes beside the served /export/install and /export/isos) answers 404/403 to curl for the log,
// the event log, the state snapshot, a node's events and inventory, under every URL a peer might try.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackConfig, startMaster, type RunningMaster } from '../helpers/master.js';
import { run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const MAC = '52:54:00:d8:00:01';

void test(
  'GET of the log, events, state and node files answers 404/403 and never their content',
  { skip: needs({ tools: ['curl'] }), timeout: 120_000 },
  async () => {
    let master: RunningMaster | undefined;
    try {
      let port = 0;
      master = await startMaster({
        config: (dir) => {
          const c = loopbackConfig(dir, {
            dataDir: join(dir, 'export', 'nodes'),
            http: {
              roots: { '/install': join(dir, 'export', 'install'), '/isos': join(dir, 'export', 'isos') },
              trustAnySource: true,
            },
          });
          port = c.ports!.http!;
          return c;
        },
      });
      const dataDir = join(master.dir, 'export', 'nodes');
      await mkdir(join(master.dir, 'export', 'isos'), { recursive: true });
      await writeFile(join(master.dir, 'export', 'isos', 'ok.txt'), 'served\n');
      const base = `http://127.0.0.1:${port}`;
      for (
        let i = 0;
        !(await fetch(`${base}/api/v1/hello`).then(
          (r) => r.ok,
          () => false,
        ));
        i++
      ) {
        assert.ok(i < 100, 'the HTTP service did not come up');
        await sleep(100);
      }
      const put = await fetch(`${base}/api/v1/nodes/${MAC}/inventory`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleInventory()),
      });
      assert.equal(put.status, 200, await put.text());
      const curl = async (path: string) => {
        const r = await run([
          'curl',
          '-sS',
          '--path-as-is',
          '-o',
          '-',
          '-w',
          '\n%{http_code}',
          `${base}${path}`,
        ]);
        const i = r.stdout.lastIndexOf('\n');
        return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
      };
      // the served trees still work
      assert.equal((await curl('/isos/ok.txt')).status, 200);

      const secrets = [
        await readFile(join(dataDir, 'events.jsonl'), 'utf8'),
        await readFile(join(dataDir, 'nodes', MAC, 'inventory.json'), 'utf8'),
      ].map((t) => t.slice(0, 60));
      const paths = [
        '/export/nodes/recon.log',
        '/export/nodes/events.jsonl',
        '/export/nodes/state.json',
        '/export/',
        '/nodes/',
        '/nodes/recon.log',
        `/nodes/${MAC}/events.jsonl`,
        `/nodes/${MAC}/inventory.json`,
        `/nodes/${encodeURIComponent(MAC)}/inventory.json`,
        '/isos/../nodes/events.jsonl',
        '/install/../nodes/recon.log',
        '/isos/%2e%2e/nodes/events.jsonl',
        `/api/v1/nodes/${MAC}/inventory`,
        `/api/v1/nodes/${MAC}/events`,
        '/events.jsonl',
        '/state.json',
        '/recon.log',
      ];
      for (const p of paths) {
        const r = await curl(p);
        assert.ok([403, 404, 405].includes(r.status), `${p} → ${r.status}`);
        for (const s of secrets) assert.ok(!r.body.includes(s), `${p} leaked data-dir content`);
        assert.ok(!r.body.includes('"level"'), `${p} leaked the log`);
      }
    } finally {
      await master?.cleanup();
    }
  },
);

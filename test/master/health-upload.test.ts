// The master judges an uploaded inventory itself, through `recon master` and curl: a disk whose own SMART
// verdict is `passed` but which has pending sectors is `fail` in the stored event and in `recon status`; an
// inventory that carries a verdict of its own is refused (the schema has no place for one), so a peer can
// never say it is healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { loopbackConfig, recon, startMaster } from '../helpers/master.js';
import { run } from '../helpers/netns.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const MAC = '52:54:00:5a:00:01';

test(
  'recon master computes the verdict of an upload; a peer-sent verdict is refused',
  { skip: needs({ tools: ['curl'] }), timeout: 60_000 },
  async () => {
    const m = await startMaster({
      config: (dir) => {
        const c = loopbackConfig(dir);
        return { ...c, http: { ...c.http, trustAnySource: true } };
      },
    });
    try {
      const config = JSON.parse(await readFile(m.configPath, 'utf8')) as { ports: { http: number } };
      const url = `http://127.0.0.1:${config.ports.http}/api/v1/nodes/${MAC}/inventory`;
      const put = async (doc: unknown): Promise<string> => {
        const file = join(m.dir, 'upload.json');
        await writeFile(file, JSON.stringify(doc));
        const r = await run([
          'curl',
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '-X',
          'PUT',
          '-H',
          'content-type: application/json',
          '--data-binary',
          `@${file}`,
          url,
        ]);
        return r.stdout.trim();
      };

      const inv = sampleInventory();
      inv.disks[0]!.smart = { ...inv.disks[0]!.smart!, health: 'passed', pendingSectors: 16 };
      assert.equal(
        await put({ ...inv, health: { verdict: 'ok', reasons: [] } }),
        '422',
        'a verdict of its own',
      );
      assert.equal(await put(inv), '200');

      const events = (await readFile(join(m.dir, 'data', 'events.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('"inventory.stored"'))
        .map(
          (l) => JSON.parse(l) as { data: { summary: { health?: { verdict: string; reasons: string[] } } } },
        );
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.data.summary.health, {
        verdict: 'fail',
        reasons: ['disk sda: pending sectors (unreadable, awaiting reallocation): 16'],
      });

      const status = await recon(['status', '--socket', m.socket]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^health: 0 ok, 0 warn, 1 fail$/m);
      assert.match(status.stdout, new RegExp(`^${MAC} .*FAIL: disk sda: pending sectors .*: 16$`, 'm'));
    } finally {
      await m.stop();
      await m.cleanup();
    }
  },
);

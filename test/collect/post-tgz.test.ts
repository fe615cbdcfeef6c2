// post.tgz end to end on this machine: build it, unpack into an empty dir, check the manifest, run post.sh with
// only `node` on PATH (every tool reported missing, never mistaken for data), then with the real tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { needs } from '../helpers/needs.js';

const root = new URL('../..', import.meta.url).pathname;

void test(
  'post.tgz builds, verifies and runs with only node on PATH',
  { skip: needs({ tools: ['tar', 'ip'] }) }, // ip: the second run reads this machine's NICs
  () => {
    execFileSync(process.execPath, [join(root, 'scripts/build-post.mjs')], { cwd: root, stdio: 'pipe' });
    // the bundle is the collector and the ground floor (and libraries): nothing of the master's
    const meta = JSON.parse(readFileSync(join(root, 'dist/post.meta.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    const ours = Object.keys(meta.inputs).filter((f) => f.startsWith('src/'));
    assert.ok(
      ours.some((f) => f.startsWith('src/collect/')),
      'the collector is in the bundle',
    );
    const foreign = ours.filter((f) => !/^src\/(collect|shared)\//.test(f));
    assert.deepEqual(foreign, [], 'modules from above the ground floor in post.tgz');
    const tgz = join(root, 'dist/post.tgz');
    assert.ok(statSync(tgz).size < 2 * 1024 * 1024, 'post.tgz must stay under 2 MB');
    const dir = mkdtempSync(join(tmpdir(), 'recon-post-test-'));
    try {
      execFileSync('tar', ['-xzf', tgz, '-C', dir]);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        entry: string;
        files: Record<string, { sha256: string; bytes: number }>;
      };
      assert.equal(manifest.entry, 'post.sh');
      for (const [f, m] of Object.entries(manifest.files)) {
        const data = readFileSync(join(dir, f));
        assert.equal(createHash('sha256').update(data).digest('hex'), m.sha256, f);
      }
      mkdirSync(join(dir, 'bin'));
      symlinkSync(process.execPath, join(dir, 'bin/node'));
      const bare = spawnSync('/bin/sh', ['./post.sh', '--dry-run', '--lldp-wait', '0'], {
        cwd: dir,
        env: { PATH: join(dir, 'bin') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(bare.status, 0, bare.stderr);
      const inv = JSON.parse(bare.stdout) as Inventory;
      assert.equal(validateInventory(inv).ok, true);
      for (const t of ['dmidecode', 'lsblk', 'ip', 'lspci']) assert.equal(inv.tools[t]?.status, 'missing', t);
      assert.equal(inv.tools.cpuinfo?.status, 'ok');
      assert.deepEqual(inv.disks, []); // no lsblk: no disks listed, and tools says why
      assert.match(bare.stderr, /recon-collect: inventory: \d+ sources/);

      const full = spawnSync('/bin/sh', ['./post.sh', '--dry-run', '--lldp-wait', '0'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(full.status, 0, full.stderr);
      const real = JSON.parse(full.stdout) as Inventory;
      const v = validateInventory(real);
      assert.equal(v.ok, true, JSON.stringify(v));
      assert.equal(real.tools.ip?.status, 'ok');
      assert.ok(real.nics.length > 0);
      assert.ok((real.cpu.threads ?? 0) > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

// findHolders on a real loop-mounted ext4: every way a process keeps a filesystem busy is found from /proc
// and named — an open file (also after it was deleted), a working directory, a mapped executable — while
// processes holding nothing there and the excepted pid are left out. umount agrees: busy until they are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { devToMajorMinor, findHolders } from '../../src/master/power/holders.js';
import { parseMountinfo, classifyDataMount } from '../../src/master/power/mounts.js';
import { runTool } from '../../src/master/power/seam.js';
import { readFile } from 'node:fs/promises';
import { needs } from '../helpers/needs.js';

const skip = needs({ root: true, tools: ['losetup', 'mkfs.ext4', 'mount', 'umount', 'sleep'] });

async function must(argv: string[]): Promise<string> {
  const r = await runTool(argv, 30_000);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.output}`);
  return r.output;
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

test('holders of a loop-mounted filesystem: open, deleted, cwd, mapped — each named', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-holders-'));
  const img = join(dir, 'data.img');
  const mnt = join(dir, 'data mount');
  const children: ChildProcess[] = [];
  let loop: string | undefined;
  let mounted = false;
  try {
    await writeFile(img, '');
    await must(['truncate', '-s', '16M', img]);
    await must(['mkfs.ext4', '-q', '-F', img]);
    loop = (await must(['losetup', '--show', '-f', img])).trim();
    await mkdir(mnt);
    await must(['mount', loop, mnt]);
    mounted = true;
    const where = classifyDataMount(parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')), mnt);
    assert.equal(where.kind, 'own');
    const dev = devToMajorMinor((await stat(mnt)).dev);
    assert.equal(where.kind === 'own' && where.mount.dev, dev, 'mountinfo and stat agree on the device');

    await mkdir(join(mnt, 'nodes'));
    await writeFile(join(mnt, 'nodes', 'open.json'), '{}');
    await writeFile(join(mnt, 'gone.log'), 'x');
    await copyFile('/bin/sleep', join(mnt, 'sleep-copy'));
    const start = (argv: string[], opts: Parameters<typeof spawn>[2] = {}): ChildProcess => {
      const c = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', ...opts });
      children.push(c);
      return c;
    };
    const openHolder = start(['sh', '-c', `exec sleep 60 < "$0"`, join(mnt, 'nodes', 'open.json')]);
    const deletedHolder = start(['sh', '-c', `exec sleep 60 3< "$0"`, join(mnt, 'gone.log')]);
    const cwdHolder = start(['sleep', '60'], { cwd: join(mnt, 'nodes') });
    const mappedHolder = start([join(mnt, 'sleep-copy'), '60'], { cwd: '/' });
    const bystander = start(['sleep', '60'], { cwd: '/' });
    await sleep(300);
    await unlink(join(mnt, 'gone.log'));

    const holders = await findHolders(dev, cwdHolder.pid);
    const byPid = new Map(holders.map((h) => [h.pid, h]));
    assert.deepEqual(byPid.get(openHolder.pid!)?.what, [`open ${join(mnt, 'nodes', 'open.json')}`]);
    assert.equal(byPid.get(openHolder.pid!)?.command, `sleep 60`);
    assert.deepEqual(byPid.get(deletedHolder.pid!)?.what, [`open ${join(mnt, 'gone.log')} (deleted)`]);
    // a process started from the mount: its executable is mapped from there (and nothing else is open)
    assert.ok(
      byPid.get(mappedHolder.pid!)?.what.includes(`mapped ${join(mnt, 'sleep-copy')}`),
      JSON.stringify(byPid.get(mappedHolder.pid!)),
    );
    assert.equal(byPid.has(cwdHolder.pid!), false, 'the excepted pid is left out');
    assert.equal(byPid.has(bystander.pid!), false, 'a process holding nothing there is left out');
    assert.equal(byPid.has(process.pid), false);
    const withCwd = await findHolders(dev);
    assert.deepEqual(withCwd.find((h) => h.pid === cwdHolder.pid)?.what, [`cwd ${join(mnt, 'nodes')}`]);
    assert.deepEqual(
      holders.map((h) => h.pid),
      [...holders.map((h) => h.pid)].sort((a, b) => a - b),
      'ordered by pid',
    );

    // umount says the same: busy while they run, free once they are gone
    const busy = await runTool(['umount', mnt], 30_000);
    assert.notEqual(busy.code, 0, 'busy filesystem must not unmount');
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    assert.deepEqual(await findHolders(dev), []);
    await must(['umount', mnt]);
    mounted = false;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (mounted) await runTool(['umount', mnt], 30_000);
    if (loop) await runTool(['losetup', '-d', loop], 30_000);
    await rm(dir, { recursive: true, force: true });
  }
});

// make-recipe-target: the original recipe's help texts, the target list, clear errors, and the `clean` and
// `http` targets run for real (http reads kernel + initrd out of a real ISO made here with xorriso).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';

const MRT = new URL('../../kiwi-description/make-recipe-target', import.meta.url).pathname;
const mrt = (args: string[], env: Record<string, string> = {}) =>
  run(['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), MRT, ...args], { timeoutMs: 60_000 });
const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');
const skip = needs({ tools: ['make'] });

void test('no argument: the usage of the original recipe, listing the recipes', { skip }, async () => {
  const r = await mrt([]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'Usage: make-recipe-target <recipe> <target>');
  assert.ok(lines.includes('possibilites include: debian-12 suse-leap-15.6'), r.stdout);
  assert.match(r.stdout, /use 'all' to get help from the makefile for the given recipe/);
  assert.match(r.stdout, /The script invokes make \('target' and 'http' being the most useful\)/);
});

void test('recipe alone (and target all): the list of targets', { skip }, async () => {
  for (const args of [['debian-12'], ['suse-leap-15.6', 'all']]) {
    const r = await mrt(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Possible targets are:\n'target' for a dracut live ISO that can also be used with USB storage\n/,
    );
    for (const t of ['http', 'clean', 'virtual', 'disk', 'validate'])
      assert.match(r.stdout, new RegExp(`^'${t}' `, 'm'), `${args.join(' ')} lists ${t}`);
    assert.match(
      r.stdout,
      new RegExp(`\\./make-recipe-target ${args[0]} target\\n.*\\n\\./builds/${args[0]}\\n$`),
    );
  }
});

void test('unknown recipe, unknown target, bad arguments: one clear line, exit 2', { skip }, async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['suse-leap-15.1'],
      /unknown recipe 'suse-leap-15\.1' \(possibilites include: debian-12 suse-leap-15\.6\)/,
    ],
    [['../descriptions'], /unknown recipe/],
    [
      ['debian-12', 'iso'],
      /unknown target 'iso' for recipe 'debian-12' \(one of: all target http clean virtual disk validate\)/,
    ],
    [['debian-12', 'stage'], /unknown target 'stage'/],
    [['debian-12', 'target', 'extra'], /expected <recipe> \[<target>\], got 3 arguments/],
  ];
  for (const [args, want] of cases) {
    const r = await mrt(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr.split('\n')[0] ?? '', want);
  }
});

void test('clean removes the recipe build directory', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-mrt-'));
  try {
    const build = join(dir, 'builds', 'debian-12');
    await mkdir(join(build, 'work-DracutLive'), { recursive: true });
    await writeFile(join(build, 'recon.x86_64-0.1.0.iso'), 'x');
    const r = await mrt(['debian-12', 'clean'], { BUILD_DIR: build });
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(stat(build), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test(
  'http: ISO, kernel and initrd (read out of the ISO) + SHA256SUMS in the served dir',
  { skip: needs({ tools: ['make', 'xorriso', 'sha256sum'] }) },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-mrt-'));
    try {
      const build = join(dir, 'build');
      const served = join(dir, 'export', 'install', 'recon');
      const tree = join(dir, 'tree', 'boot', 'x86_64', 'loader');
      await mkdir(tree, { recursive: true });
      await mkdir(build, { recursive: true });
      await writeFile(join(tree, 'linux'), Buffer.alloc(70_000, 7));
      await writeFile(join(tree, 'initrd'), Buffer.alloc(90_000, 9));
      const iso = join(build, 'recon.x86_64-0.1.0.iso');
      const mk = await run([
        'xorriso',
        '-as',
        'mkisofs',
        '-quiet',
        '-V',
        'RECON',
        '-o',
        iso,
        join(dir, 'tree'),
      ]);
      assert.equal(mk.code, 0, mk.stderr);
      // an install ISO next to it must not be mistaken for the live ISO
      await writeFile(join(build, 'recon.x86_64-0.1.0.install.iso'), 'not this one');

      const r = await mrt(['debian-12', 'http'], { BUILD_DIR: build, HTTP_DIR: served });
      assert.equal(r.code, 0, r.stderr);
      const base = join(served, 'recon.x86_64-0.1.0');
      assert.deepEqual(await readFile(`${base}.kernel`), Buffer.alloc(70_000, 7));
      assert.deepEqual(await readFile(`${base}.initrd`), Buffer.alloc(90_000, 9));
      assert.equal(await sha256(`${base}.iso`), await sha256(iso));
      const sums = await readFile(join(served, 'SHA256SUMS'), 'utf8');
      assert.match(
        sums,
        new RegExp(`^${await sha256(`${base}.kernel`)}  recon\\.x86_64-0\\.1\\.0\\.kernel$`, 'm'),
      );
      assert.equal(sums.trim().split('\n').length, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

void test('http without a built ISO: a clear error, exit != 0', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-mrt-'));
  try {
    const r = await mrt(['debian-12', 'http'], { BUILD_DIR: join(dir, 'none'), HTTP_DIR: join(dir, 'srv') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /expected one live ISO in .*found 0: run the 'target' first/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

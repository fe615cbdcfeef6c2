// test/tools.json is the one list of tools the tests use: needs() skips naming a tool and its package from
// it, and .ci/run installs its packages. These checks keep every test's tool list inside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { missingTool, needs, toolPackage } from '../helpers/needs.js';

const ROOT = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'fixtures') return [];
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

test('every tool a test or bench names in needs() is declared in test/tools.json', () => {
  const named = new Set<string>();
  const self = import.meta.filename;
  for (const file of [...sources(join(ROOT, 'test')), ...sources(join(ROOT, 'bench'))].filter(
    (f) => f !== self,
  ))
    for (const m of readFileSync(file, 'utf8').matchAll(/tools: \[([^\]]*)\]/g))
      for (const t of m[1]!.matchAll(/'([^']+)'/g)) named.add(t[1]!);
  assert.ok(named.size > 20, `found ${named.size} tools`);
  for (const t of named) assert.doesNotThrow(() => toolPackage(t), t);
});

test('a missing tool skips with its name and its package; an undeclared one is a mistake in the test', () => {
  assert.equal(missingTool('smartctl'), 'skipped: missing tool smartctl (Debian package smartmontools)');
  assert.throws(() => needs({ tools: ['no-such-tool-anywhere'] }), /not declared in test\/tools\.json/);
});

test('.ci/run installs exactly the packages of test/tools.json', () => {
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
  const fn = ci.slice(ci.indexOf('packages_of() {'), ci.indexOf('\n}\n') + 3);
  assert.ok(fn.length > 20, 'packages_of in .ci/run');
  const listed = (section: string) =>
    execFileSync('bash', ['-c', `${fn}\npackages_of ${section}`], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  const file = JSON.parse(readFileSync(join(ROOT, 'test/tools.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  for (const section of ['tools', 'imageTools'])
    assert.deepEqual(listed(section), [...new Set(Object.values(file[section]!))].sort(), section);
  assert.doesNotMatch(ci, /PACKAGES=\(/, 'no second package list in .ci/run');
});

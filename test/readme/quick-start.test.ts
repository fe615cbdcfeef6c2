// The README's quick start, as a new user meets it: a fresh clone of this repository, the README's two
// commands run as written by an unprivileged user (nobody when the tests run as root) with an empty home,
// and `recon` put on the PATH the README's way. The lab command runs whole (the loopback lab, headless
// because its output is not a terminal, ends by itself after the final power-down). The suite command runs
// with a file filter appended (`npm test -- …`): the whole suite inside this test would take as long as the
// suite itself. A second run of `npm test` in the same clone has only a minimal Debian system's programs on
// the PATH (none of .ci/run's packages) and runs as root, where tests get furthest: no test may fail, and
// every skip must say why, a missing program with its Debian package.
// Slow (two installs and builds of the clone): it runs when RECON_CLONE_TEST=1, which .ci/run sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unprivileged } from '../helpers/as-user.js';
import { minimalPathDir } from '../helpers/minimal-path.js';
import { isRoot, needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';

const ROOT = resolve(import.meta.dirname, '../..');
const user = unprivileged(join(ROOT, 'package.json'));
const skip = needs({ env: 'RECON_CLONE_TEST', tools: ['git', 'dpkg-query'] }) || user.skip;

/** The commands of the README's quick-start block, comments stripped. Pure. */
export function quickStartCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** Runs `command` with sh in `cwd` with exactly `env`; output goes to the test's log as it comes. */
function sh(
  prefix: string[],
  command: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  const argv = [
    ...prefix,
    'env',
    '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    'sh',
    '-c',
    command,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (c: string) => (out += c);
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  return new Promise((res) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      res({ code, out });
    }),
  );
}

/** Every `# skipped: …` reason in a spec-reporter log. Pure. */
export function skipReasons(log: string): string[] {
  return [...log.matchAll(/^\s*﹣ .* # (.*)$/gm)].map((m) => m[1]!);
}

const KNOWN_SKIP =
  /^skipped: (needs root|missing tool \S+ \(Debian package \S+\)|set [A-Z_]+=1 to run|the real image build runs in npm run test:image|needs dist\/post\.tgz \(npm run build\))$/;

test('quickStartCommands reads the two commands of the README', () => {
  const cmds = quickStartCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.equal(cmds.length, 2, JSON.stringify(cmds));
  assert.match(cmds[0]!, /npm start/);
  assert.match(cmds[1]!, /npm test/);
  assert.ok(!cmds.some((c) => c.includes('sudo')), 'no sudo: a fresh Debian 12 machine has none');
});

test(
  "the README's two commands on a fresh clone, as an unprivileged user; then npm test with a minimal system's PATH",
  { skip, timeout: 1_800_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-clone-'));
    try {
      chmodSync(dir, 0o755);
      const clone = join(dir, 'recon');
      const home = join(dir, 'home');
      const cache = join(dir, 'npm-cache');
      const tmp = join(dir, 'tmp');
      for (const d of [home, cache, tmp]) await mkdir(d);
      chmodSync(tmp, 0o1777);
      const cloned = await run(['git', 'clone', '--quiet', ROOT, clone], { timeoutMs: 120_000 });
      assert.equal(cloned.code, 0, cloned.stderr);
      // this machine's npm cache, so the installs need not fetch what is already here
      const ownCache = join(process.env.HOME ?? '/root', '.npm', '_cacache');
      if (existsSync(ownCache)) cpSync(ownCache, join(cache, '_cacache'), { recursive: true });
      if (isRoot()) {
        const owned = await run(['chown', '-R', `${user.uid}:${user.gid}`, clone, home, cache]);
        assert.equal(owned.code, 0, owned.stderr);
      }
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        TMPDIR: tmp,
        npm_config_cache: cache,
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      };
      const [labCommand, testCommand] = quickStartCommands(readFileSync(join(clone, 'README.md'), 'utf8'));

      let started = Date.now();
      const lab = await sh(user.prefix, labCommand!, clone, env, 900_000);
      t.diagnostic(`${labCommand}: exit ${lab.code} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      assert.equal(lab.code, 0, lab.out.slice(-4000));
      assert.match(lab.out, /lab: not root, so this is the loopback lab/);
      assert.match(lab.out, /lab: torn down; data and report in /);

      // the README's way onto the PATH for a user, then a README example through it
      const link = await sh(user.prefix, 'npm_config_prefix=~/.local npm link', clone, env, 300_000);
      assert.equal(link.code, 0, link.out);
      const onPath = { ...env, PATH: `${home}/.local/bin:${env.PATH}` };
      const help = await sh(
        user.prefix,
        'recon --help && recon master --print-config',
        clone,
        onPath,
        60_000,
      );
      assert.equal(help.code, 0, help.out);
      assert.match(help.out, /Usage: recon <command>/);

      const filter = 'test/ci/ test/cli/first-mistakes test/lab/machines';
      started = Date.now();
      const suite = await sh(user.prefix, `${testCommand} -- ${filter}`, clone, env, 900_000);
      t.diagnostic(
        `${testCommand} -- ${filter}: exit ${suite.code} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      assert.equal(suite.code, 0, suite.out.slice(-4000));
      assert.match(suite.out, /ℹ fail 0/);

      // the same clone, root (when we are), only a minimal Debian system's programs on the PATH; back in
      // root's hands first, as npm runs a package's scripts as the owner of its directory
      if (isRoot()) {
        const back = await run(['chown', '-R', '0:0', clone, home, cache]);
        assert.equal(back.code, 0, back.stderr);
      }
      const minimal = { ...env, PATH: minimalPathDir(join(dir, 'minimal-bin')) };
      const hidden = [
        'test/ci/',
        'test/collect/non-destructive',
        'test/collect/bmc-ipmi-sim',
        'test/collect/lldp-live',
        'test/net/dhcp4-clients',
        'test/net/dns-service',
        'test/net/guard.test',
        'test/net/ra.test',
        'test/power/ipmi-sim',
        'test/lab/lab-headless',
        'test/lab/lab-tmux',
        'test/e2e/collector-chain',
        'test/kiwi/scripts',
        'test/tui/terminal',
      ].join(' ');
      started = Date.now();
      const bare = await sh([], `npm test -- ${hidden}`, clone, minimal, 900_000);
      t.diagnostic(
        `npm test with a minimal PATH: exit ${bare.code} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      assert.equal(bare.code, 0, bare.out.slice(-4000));
      assert.match(bare.out, /ℹ fail 0/);
      const reasons = skipReasons(bare.out);
      const unknown = reasons.filter((r) => !KNOWN_SKIP.test(r));
      assert.deepEqual(unknown, [], 'every skip says why');
      const tools = new Set(reasons.flatMap((r) => /missing tool (\S+)/.exec(r)?.[1] ?? []));
      assert.ok(tools.size >= 5, `skips name the missing programs: ${[...tools].join(', ')}`);
      t.diagnostic(`skips naming a program: ${[...tools].sort().join(', ')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

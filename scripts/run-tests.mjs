// Runs every test file under test/ with node's test runner (through tsx for TypeScript).
// Node 20's `--test` does not expand globs, so the file list is built here.
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains one of the substrings.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.RECON_TEST_CONCURRENCY ?? '1';
// Every temp file of the run lives under one directory that goes when the run ends, passed or failed, so
// a test that dies before its own clean-up leaves nothing in the system temp dir. Sticky and writable by
// all, like /tmp itself: some tests run recon as an unprivileged user.
const runTmp = mkdtempSync(join(tmpdir(), 'recon-tests-'));
chmodSync(runTmp, 0o1777);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: runTmp } },
);
// a stopped run (Ctrl-C, a CI timeout) stops the test runner first, then cleans up like a finished one
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => {
  try {
    rmSync(runTmp, { recursive: true, force: true });
  } catch (e) {
    console.error(`run-tests: could not remove ${runTmp}: ${e.message}`);
  }
  process.exit(code ?? 1);
});

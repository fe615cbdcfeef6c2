// A PATH with only what a minimal Debian 12 system has (the packages of priority "required": coreutils,
// util-linux, mount, tar, e2fsprogs, dash, …) plus node, npm, npx and git, as links in one directory. Tests
// run under it the way they would on a fresh machine where none of .ci/run's packages is installed.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

const BIN_DIRS = /^\/(usr\/)?s?bin\/[^/]+$/;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Creates `dir` with the links; returns it, for PATH. */
export function minimalPathDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const required = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Priority}\n'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.endsWith('\trequired'))
    .map((l) => l.split('\t')[0]!);
  const files = execFileSync('dpkg-query', ['-L', ...required], { encoding: 'utf8' }).split('\n');
  const own = ['node', 'npm', 'npx', 'git'].map((t) =>
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', t], { encoding: 'utf8' }).trim(),
  );
  const linked = new Set<string>();
  for (const f of [...own, ...files.filter((f) => BIN_DIRS.test(f))]) {
    const name = basename(f);
    if (linked.has(name) || !executable(f)) continue;
    symlinkSync(f, join(dir, name));
    linked.add(name);
  }
  return dir;
}

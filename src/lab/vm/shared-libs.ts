// The shared libraries a host binary needs, from `ldd`'s output, so the initramfs can carry the binary
// with exactly the libraries its dynamic loader will look for, at the same paths. The parser is pure.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export class LibraryError extends Error {}

export type LddResult = { static: true } | { static: false; paths: string[] };

/**
 * Paths named by one `ldd` run: `name => /path (addr)` and the loader's own `/path (addr)`. The vDSO has no
 * file and is skipped. A library that is `not found` is an error: the binary could not start in the VM.
 */
export function parseLdd(binary: string, stdout: string): LddResult {
  if (/^\s*(statically linked|not a dynamic executable)\s*$/m.test(stdout)) return { static: true };
  const paths: string[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const mapped = /^(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(t);
    if (mapped) {
      if (mapped[2] === 'not found') throw new LibraryError(`${binary}: library ${mapped[1]} not found`);
      if (mapped[2]?.startsWith('/')) paths.push(mapped[2]);
      continue;
    }
    const direct = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(t);
    if (direct?.[1]) paths.push(direct[1]);
  }
  if (paths.length === 0)
    throw new LibraryError(`${binary}: ldd named no libraries: ${stdout.slice(0, 200)}`);
  return { static: false, paths };
}

/** Every library the given binaries need (union, sorted). */
export async function sharedLibraries(binaries: readonly string[]): Promise<string[]> {
  const all = new Set<string>();
  for (const bin of binaries) {
    let out: string;
    try {
      out = (await execFileP('ldd', [bin], { timeout: 30_000 })).stdout;
    } catch (e) {
      // ldd exits 1 for static binaries and prints the reason
      const err = e as { stdout?: string; stderr?: string };
      out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    const r = parseLdd(bin, out);
    if (!r.static) for (const p of r.paths) all.add(p);
  }
  return [...all].sort();
}

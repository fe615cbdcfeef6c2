// Runs inventory tools: execFile with a time limit, no shell, stdin closed, output captured; never throws.
// Also reads the few files the inventory needs. Nothing here writes to a disk or opens a device for writing.
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink, stat } from 'node:fs/promises';

/** The raw result of one source, kept verbatim for raw.tar.gz and read by the pure normalizer. */
export interface RawRun {
  id: string;
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode?: number;
  durationMs: number;
  /** the tool could not be run at all, or was killed */
  error?: 'missing' | 'timeout' | 'spawn' | 'skipped';
}

export function runTool(id: string, argv: string[], timeoutMs: number): Promise<RawRun> {
  const [cmd, ...args] = argv;
  const started = performance.now();
  return new Promise((resolve) => {
    if (!cmd) {
      resolve({ id, argv, stdout: '', stderr: 'empty argv', durationMs: 0, error: 'spawn' });
      return;
    }
    const child = execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 32 << 20,
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        const durationMs = Math.round(performance.now() - started);
        const run: RawRun = { id, argv, stdout, stderr, durationMs };
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          if (e.code === 'ENOENT') run.error = 'missing';
          else if (e.killed) run.error = 'timeout';
          else if (typeof e.code === 'number') run.exitCode = e.code;
          else {
            run.error = 'spawn';
            run.stderr = `${stderr}${e.message}`;
          }
        } else run.exitCode = 0;
        resolve(run);
      },
    );
    child.stdin?.end();
  });
}

/** Reads a text file (procfs, sysfs) as a source; a missing file is recorded as missing. */
export async function readSource(id: string, path: string): Promise<RawRun> {
  const started = performance.now();
  const argv = ['read', path];
  try {
    const stdout = await readFile(path, 'utf8');
    return { id, argv, stdout, stderr: '', exitCode: 0, durationMs: Math.round(performance.now() - started) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const durationMs = Math.round(performance.now() - started);
    return {
      id,
      argv,
      stdout: '',
      stderr: err.message,
      durationMs,
      ...(err.code === 'ENOENT' ? { error: 'missing' as const } : { exitCode: 1 }),
    };
  }
}

/** Boot mode probe: the kernel exposes /sys/firmware/efi only when it was started by UEFI firmware. */
export async function probeEfi(): Promise<RawRun> {
  const started = performance.now();
  const present = await stat('/sys/firmware/efi').then(
    () => true,
    () => false,
  );
  const durationMs = Math.round(performance.now() - started);
  return {
    id: 'efi',
    argv: ['stat', '/sys/firmware/efi'],
    stdout: present ? 'uefi\n' : 'bios\n',
    stderr: '',
    exitCode: 0,
    durationMs,
  };
}

/** /dev/disk/by-path as JSON {link: target}; only readlink, the devices themselves are never opened. */
export async function listByPath(dir = '/dev/disk/by-path'): Promise<RawRun> {
  const started = performance.now();
  const links: Record<string, string> = {};
  let stderr = '';
  try {
    for (const name of await readdir(dir)) links[name] = await readlink(`${dir}/${name}`);
  } catch (e) {
    // no by-path directory (no udev, or no disks): nothing to report, which is itself the answer
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') stderr = (e as Error).message;
  }
  const durationMs = Math.round(performance.now() - started);
  return {
    id: 'by-path',
    argv: ['readlink', `${dir}/*`],
    stdout: JSON.stringify(links) + '\n',
    stderr,
    exitCode: stderr ? 1 : 0,
    durationMs,
  };
}

/** What `readTree` reads: the entries of a sysfs (or /dev) directory and a few files below each. */
export interface TreeSpec {
  /** the directory listed, e.g. /sys/bus/usb/devices */
  root: string;
  /** which entries are read: a regular expression's source, matched against the entry's name */
  entries: string;
  /** files below each entry, relative ("device/sriov_totalvfs"); one that is not there is left out */
  files?: string[];
  /** record each entry's link target instead of files (/dev/disk/by-id) */
  links?: boolean;
}

/** Bounds of one tree read: sysfs attributes are short, and a directory can list thousands of entries. */
const TREE_ENTRIES = 4096;
const TREE_FILE_BYTES = 4096;

/**
 * Reads a directory's matching entries as JSON {entry: {file: text}} (or {entry: link target}); a root that is
 * not there is a missing source. Only reads and readlink: nothing is opened for writing, no device is opened.
 */
export async function readTree(id: string, spec: TreeSpec): Promise<RawRun> {
  const started = performance.now();
  const argv = ['read', `${spec.root}/*`];
  const done = (run: Omit<RawRun, 'id' | 'argv' | 'durationMs'>): RawRun => ({
    id,
    argv,
    durationMs: Math.round(performance.now() - started),
    ...run,
  });
  let names: string[];
  try {
    names = (await readdir(spec.root)).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return done({
      stdout: '',
      stderr: err.message,
      ...(err.code === 'ENOENT' ? { error: 'missing' } : { exitCode: 1 }),
    });
  }
  const match = new RegExp(spec.entries);
  const out: Record<string, string | Record<string, string>> = {};
  await Promise.all(
    names
      .filter((n) => match.test(n))
      .slice(0, TREE_ENTRIES)
      .map(async (name) => {
        if (spec.links) {
          out[name] = await readlink(`${spec.root}/${name}`).catch(() => '');
          return;
        }
        const files: Record<string, string> = {};
        for (const f of spec.files ?? []) {
          const text = await readFile(`${spec.root}/${name}/${f}`, 'utf8').catch(() => undefined);
          if (text !== undefined) files[f] = text.slice(0, TREE_FILE_BYTES).trim();
        }
        out[name] = files;
      }),
  );
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  return done({ stdout: JSON.stringify(sorted) + '\n', stderr: '', exitCode: 0 });
}

const EDAC_MC_FILES = ['ce_noinfo_count', 'ue_noinfo_count'];
const EDAC_DIMM_FILES = ['dimm_label', 'dimm_ce_count', 'dimm_ue_count'];

/**
 * The EDAC error counters: per memory controller (errors the driver could not tie to a DIMM) and per DIMM (or
 * rank, for drivers that count per rank), as JSON ({"mc0": {...}, "mc0/dimm3": {...}}). No EDAC directory:
 * the kernel has no EDAC driver for this board, a missing source.
 */
export async function readEdac(dir = '/sys/devices/system/edac/mc'): Promise<RawRun> {
  const started = performance.now();
  const argv = ['read', dir];
  const out: Record<string, Record<string, string>> = {};
  const readAll = async (path: string, names: readonly string[]): Promise<Record<string, string>> => {
    const files: Record<string, string> = {};
    for (const f of names) {
      const v = await readFile(`${path}/${f}`, 'utf8').catch(() => undefined);
      if (v !== undefined) files[f] = v.trim();
    }
    return files;
  };
  try {
    for (const mc of (await readdir(dir)).filter((n) => /^mc\d+$/.test(n))) {
      out[mc] = await readAll(`${dir}/${mc}`, EDAC_MC_FILES);
      for (const d of (await readdir(`${dir}/${mc}`)).filter((n) => /^(?:dimm|rank)\d+$/.test(n)))
        out[`${mc}/${d}`] = await readAll(`${dir}/${mc}/${d}`, EDAC_DIMM_FILES);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      id: 'edac',
      argv,
      stdout: '',
      stderr: err.message,
      durationMs: Math.round(performance.now() - started),
      ...(err.code === 'ENOENT' ? { error: 'missing' as const } : { exitCode: 1 }),
    };
  }
  return {
    id: 'edac',
    argv,
    stdout: JSON.stringify(out) + '\n',
    stderr: '',
    exitCode: 0,
    durationMs: Math.round(performance.now() - started),
  };
}

// Where the collector's raw outputs come from: the live machine (run the tools, read /proc and /sys), or a
// recorded machine (a replay directory). A replay directory lets the lab and the tests run the real collector
// on hardware that is not there; `recordSources` writes one from a live collection.
//
// Replay directory layout:
//   sources.json   { "<source id>": { argv, exitCode?, error?, durationMs, stderr?, stdout?: "<file>" } }
//   <file>         the source's stdout, verbatim (e.g. dmidecode.txt, lshw.json)
// A source id the directory does not list was not on the recorded machine: it replays as `missing`.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../shared/durable.js';
import type { RawRun, TreeSpec } from './run-tools.js';

export interface SourceRunner {
  /** runs a tool (`id` names the source, `argv` is what a live run would execute) */
  run(id: string, argv: string[], timeoutMs: number): Promise<RawRun>;
  /** reads a procfs/sysfs text file */
  read(id: string, path: string): Promise<RawRun>;
  /** the boot-mode probe (uefi/bios) */
  efi(): Promise<RawRun>;
  /** the /dev/disk/by-path links */
  byPath(): Promise<RawRun>;
  /** the EDAC memory error counters in sysfs */
  edac(): Promise<RawRun>;
  /** a directory's entries and a few files below each (sysfs), as JSON */
  tree(id: string, spec: TreeSpec): Promise<RawRun>;
  /** whether a device node exists (e.g. /dev/ipmi0) */
  exists(path: string): Promise<boolean>;
  /** listens for LLDP neighbours on `nics` for up to `waitSeconds` */
  lldp(nics: string[], waitSeconds: number, timeoutMs: number): Promise<RawRun>;
}

export interface RecordedSource {
  argv: string[];
  exitCode?: number;
  error?: RawRun['error'];
  durationMs: number;
  stderr?: string;
  /** file name (inside the replay directory) holding stdout */
  stdout?: string;
}

export type ReplayIndex = Record<string, RecordedSource>;

export class ReplayError extends Error {
  constructor(dir: string, why: string) {
    super(`replay ${dir}: ${why}`);
    this.name = 'ReplayError';
  }
}

/** A file name for a source id: "ethtool-i:eno1" → "ethtool-i.eno1.out". Pure. */
export function stdoutFileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9_-]+/g, '.')}.out`;
}

/** Reads and checks a replay directory's index; a broken one is a ReplayError, never a crash later. */
export async function loadReplayIndex(dir: string): Promise<ReplayIndex> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(join(dir, 'sources.json'), 'utf8'));
  } catch (e) {
    throw new ReplayError(dir, `sources.json: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ReplayError(dir, 'sources.json is not an object');
  for (const [id, s] of Object.entries(v as Record<string, unknown>)) {
    const r = s as Partial<RecordedSource> | null;
    if (typeof r !== 'object' || r === null || !Array.isArray(r.argv))
      throw new ReplayError(dir, `source ${id}: needs argv`);
    if (r.stdout !== undefined && (typeof r.stdout !== 'string' || r.stdout.includes('/')))
      throw new ReplayError(dir, `source ${id}: stdout must be a file name in the directory`);
  }
  return v as ReplayIndex;
}

/** Replays a recorded machine. Every source answers from the directory; nothing on this host is run or read. */
export async function replaySources(dir: string): Promise<SourceRunner> {
  const index = await loadReplayIndex(dir);
  const replay = async (id: string, argv: string[]): Promise<RawRun> => {
    const s = index[id];
    if (!s)
      return {
        id,
        argv,
        stdout: '',
        stderr: `${argv[0] ?? id}: not on the recorded machine`,
        durationMs: 0,
        error: 'missing',
      };
    const stdout = s.stdout ? await readFile(join(dir, s.stdout), 'utf8') : '';
    const run: RawRun = { id, argv: s.argv, stdout, stderr: s.stderr ?? '', durationMs: s.durationMs };
    if (s.exitCode !== undefined) run.exitCode = s.exitCode;
    if (s.error !== undefined) run.error = s.error;
    return run;
  };
  return {
    run: (id, argv) => replay(id, argv),
    read: (id, path) => replay(id, ['read', path]),
    efi: () => replay('efi', ['stat', '/sys/firmware/efi']),
    byPath: () => replay('by-path', ['readlink', '/dev/disk/by-path/*']),
    edac: () => replay('edac', ['read', '/sys/devices/system/edac/mc']),
    tree: (id, spec) => replay(id, ['read', `${spec.root}/*`]),
    // a recorded machine has no device nodes here; its BMC shows through SMBIOS type 38
    exists: () => Promise.resolve(false),
    lldp: () => replay('lldpctl', ['lldpctl', '-f', 'json']),
  };
}

/** Writes the raw outputs of one collection as a replay directory. */
export async function recordSources(dir: string, raws: ReadonlyMap<string, RawRun>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const index: ReplayIndex = {};
  for (const [id, r] of [...raws].sort(([a], [b]) => a.localeCompare(b))) {
    const s: RecordedSource = { argv: r.argv, durationMs: r.durationMs };
    if (r.exitCode !== undefined) s.exitCode = r.exitCode;
    if (r.error !== undefined) s.error = r.error;
    if (r.stderr) s.stderr = r.stderr;
    if (r.stdout) {
      s.stdout = stdoutFileName(id);
      await writeFileDurable(join(dir, s.stdout), r.stdout);
    }
    index[id] = s;
  }
  await writeFileDurable(join(dir, 'sources.json'), JSON.stringify(index, null, 2) + '\n');
}

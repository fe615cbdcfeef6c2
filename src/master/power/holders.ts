// Which processes keep a filesystem busy: open files, working/root directories and mapped files, read
// from /proc. A file belongs to the filesystem when its device number is the mount's major:minor, which
// also catches deleted files and paths reached through other names.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

export interface Holder {
  pid: number;
  /** the command line (or the command name when it has none) */
  command: string;
  /** what it holds: "open /data/x", "cwd /data", "mapped /data/lib.so" (a few) */
  what: string[];
}

/** Linux dev_t (as Node's stat gives it) → "major:minor". Pure. */
export function devToMajorMinor(dev: number): string {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  return `${major}:${minor}`;
}

/** The files of /proc/<pid>/maps lying on device `dev` ("major:minor", maps prints it in hex). Pure. */
export function mappedFilesOn(maps: string, dev: string): string[] {
  const [maj, min] = dev.split(':').map(Number);
  const out = new Set<string>();
  for (const line of maps.split('\n')) {
    const m = /^\S+\s+\S+\s+\S+\s+([0-9a-f]+):([0-9a-f]+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m || m[3] === '0') continue;
    if (parseInt(m[1]!, 16) === maj && parseInt(m[2]!, 16) === min) out.add(m[4]!.trim());
  }
  return [...out];
}

/** A holder as one line for a message: "pid 1234 (sleep 600): open /data/x". Pure. */
export function describeHolder(h: Holder): string {
  return `pid ${h.pid} (${h.command}): ${h.what.join(', ')}`;
}

const MAX_WHAT = 3;

async function devOf(path: string): Promise<string | undefined> {
  try {
    return devToMajorMinor((await stat(path)).dev);
  } catch {
    return undefined;
  }
}

async function commandOf(pid: number): Promise<string> {
  try {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
    if (cmd) return cmd.length > 120 ? cmd.slice(0, 117) + '...' : cmd;
  } catch {
    /* gone */
  }
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}

async function holdsOf(pid: number, dev: string): Promise<string[]> {
  const what: string[] = [];
  const base = `/proc/${pid}`;
  for (const link of ['cwd', 'root'] as const) {
    if ((await devOf(`${base}/${link}`)) === dev)
      what.push(`${link} ${await readlink(`${base}/${link}`).catch(() => '?')}`);
  }
  const fds = await readdir(`${base}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    if (what.length >= MAX_WHAT) break;
    const p = `${base}/fd/${fd}`;
    if ((await devOf(p)) === dev) what.push(`open ${await readlink(p).catch(() => `fd ${fd}`)}`);
  }
  const maps = await readFile(`${base}/maps`, 'utf8').catch(() => '');
  for (const f of mappedFilesOn(maps, dev)) {
    if (what.length >= MAX_WHAT) break;
    what.push(`mapped ${f}`);
  }
  return what;
}

/** Every process (but `exceptPid`) holding something on the filesystem with device `dev` ("major:minor"). */
export async function findHolders(dev: string, exceptPid?: number): Promise<Holder[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const out: Holder[] = [];
  for (const pid of pids) {
    if (pid === exceptPid) continue;
    const what = await holdsOf(pid, dev);
    if (what.length > 0) out.push({ pid, command: await commandOf(pid), what });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

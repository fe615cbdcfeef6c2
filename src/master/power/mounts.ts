// Which mount holds the data dir, from /proc/self/mountinfo (pure parsing and decisions).
// The final power-down unmounts the data dir's filesystem only when it is a partition of its own
// (the stick's data partition); a data dir on the live overlay or a system mount is left to the OS.

export interface MountEntry {
  id: number;
  parentId: number;
  /** major:minor of the filesystem */
  dev: string;
  /** the directory of the filesystem that is mounted here ("/" for a whole filesystem) */
  root: string;
  mountPoint: string;
  options: string;
  fstype: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 ...). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/<pid>/mountinfo; malformed lines are skipped. Pure. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || f.length < sep + 3) continue;
    const id = Number(f[0]);
    const parentId = Number(f[1]);
    if (!Number.isInteger(id) || !Number.isInteger(parentId)) continue;
    out.push({
      id,
      parentId,
      dev: f[2]!,
      root: unescapeOctal(f[3]!),
      mountPoint: unescapeOctal(f[4]!),
      options: f[5]!,
      fstype: f[sep + 1]!,
      source: unescapeOctal(f[sep + 2]!),
    });
  }
  return out;
}

function covers(mountPoint: string, path: string): boolean {
  return mountPoint === '/' || path === mountPoint || path.startsWith(mountPoint + '/');
}

/** The mount `path` (absolute, symlinks resolved) lives on: the deepest, and of equals the latest. Pure. */
export function findMountFor(entries: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    if (!covers(e.mountPoint, path)) continue;
    if (!best || e.mountPoint.length >= best.mountPoint.length) best = e;
  }
  return best;
}

/** Mount points that belong to the running system: never unmounted by recon. */
const SYSTEM_MOUNTS = new Set([
  '/',
  '/usr',
  '/var',
  '/etc',
  '/home',
  '/boot',
  '/boot/efi',
  '/tmp',
  '/run',
  '/srv',
  '/opt',
  '/root',
]);
const LIVE_PREFIXES = ['/run/', '/sys/', '/proc/', '/dev/'];

export type DataMount =
  | { kind: 'own'; mount: MountEntry }
  | { kind: 'shared'; mount: MountEntry | undefined; why: string };

/** Decides whether the data dir sits on a partition of its own that recon should unmount. Pure. */
export function classifyDataMount(entries: MountEntry[], dataDir: string): DataMount {
  const m = findMountFor(entries, dataDir);
  if (!m) return { kind: 'shared', mount: undefined, why: 'no mount found for the data dir' };
  if (m.mountPoint === '/')
    return {
      kind: 'shared',
      mount: m,
      why: `the data dir is on the root filesystem (${m.fstype}${m.fstype === 'overlay' ? ', the live overlay' : ''})`,
    };
  if (SYSTEM_MOUNTS.has(m.mountPoint) || LIVE_PREFIXES.some((p) => m.mountPoint.startsWith(p)))
    return {
      kind: 'shared',
      mount: m,
      why: `the data dir is on the system mount ${m.mountPoint} (${m.fstype})`,
    };
  if (!m.source.startsWith('/dev/'))
    return {
      kind: 'shared',
      mount: m,
      why: `the data dir is on ${m.mountPoint} (${m.fstype} from ${m.source}), not a partition`,
    };
  // a bind mount shows part of a filesystem mounted elsewhere: unmounting it would release nothing
  if (m.root !== '/')
    return {
      kind: 'shared',
      mount: m,
      why: `the data dir is on a bind mount of ${m.root} from ${m.source} at ${m.mountPoint}`,
    };
  const elsewhere = entries.filter((e) => e.dev === m.dev && e.id !== m.id).map((e) => e.mountPoint);
  if (elsewhere.length)
    return {
      kind: 'shared',
      mount: m,
      why: `${m.source} is also mounted at ${elsewhere.join(', ')}: unmounting ${m.mountPoint} alone would not release it`,
    };
  return { kind: 'own', mount: m };
}

/** True when a mount with this mount point is still in the table. Pure. */
export function isMounted(entries: MountEntry[], mountPoint: string): boolean {
  return entries.some((e) => e.mountPoint === mountPoint);
}

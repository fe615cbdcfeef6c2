// Reads an `strace -f` log (open/openat/openat2/creat/truncate/mount/umount2/execve) and lists what a
// non-destructive inventory must never do: open a file for writing outside the allowed places, mount or
// unmount, or run a tool that changes disks. Pure, so the audit itself is table-tested.

export interface TracedCall {
  pid: number;
  call: string;
  /** the path argument (for mount: the target) */
  path: string;
  /** open flags, or "" for calls without flags */
  flags: string;
  /** execve only: the argv */
  argv?: string[];
  /** the return value as strace printed it ("0", "3", "-1 ENOENT (...)"), "" if never seen */
  result: string;
  /** the line as strace wrote it */
  line: string;
}

/** strace prints C-escaped strings: \" \\ \n \t and octal/hex escapes. */
function unescapeC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[e] ?? e;
  });
}

const STR = '"((?:[^"\\\\]|\\\\.)*)"';
const PATTERNS: [string, RegExp][] = [
  ['open', new RegExp(`^open\\(${STR}, ([A-Z_|0-9]+)`)],
  ['openat', new RegExp(`^openat\\([^,]+, ${STR}, ([A-Z_|0-9]+)`)],
  ['openat2', new RegExp(`^openat2\\([^,]+, ${STR}, \\{flags=([A-Z_|0-9]+)`)],
  ['creat', new RegExp(`^creat\\(${STR}`)],
  ['truncate', new RegExp(`^truncate\\(${STR}`)],
  ['mount', new RegExp(`^mount\\(${STR}, ${STR}`)],
  ['umount2', new RegExp(`^umount2\\(${STR}`)],
  ['execve', new RegExp(`^execve\\(${STR}, \\[((?:${STR}(?:, )?)*)\\]`)],
];

/** One entry per traced call; a call strace split (<unfinished ...> / <... resumed>) gets its result joined. */
export function parseStrace(text: string): TracedCall[] {
  const out: TracedCall[] = [];
  const unfinished = new Map<number, TracedCall>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const body = m[2]!;
    const resumed = /^<\.\.\. \w+ resumed>.*\) += (.*)$/.exec(body);
    if (resumed) {
      const c = unfinished.get(pid);
      if (c) c.result = resumed[1]!.trim();
      unfinished.delete(pid);
      continue;
    }
    for (const [call, re] of PATTERNS) {
      const c = re.exec(body);
      if (!c) continue;
      const done = /\) += (.*)$/.exec(body);
      const t: TracedCall = {
        pid,
        call,
        path: unescapeC(c[1]!),
        flags: '',
        result: done ? done[1]!.trim() : '',
        line,
      };
      if (call === 'open' || call === 'openat' || call === 'openat2') t.flags = c[2]!;
      if (call === 'mount') t.path = unescapeC(c[2]!);
      if (call === 'execve') t.argv = [...c[2]!.matchAll(new RegExp(STR, 'g'))].map((a) => unescapeC(a[1]!));
      if (/<unfinished \.\.\.>$/.test(body)) unfinished.set(pid, t);
      out.push(t);
      break;
    }
  }
  return out;
}

export function opensForWriting(c: TracedCall): boolean {
  if (c.call === 'creat' || c.call === 'truncate') return true;
  return /\b(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC)\b/.test(c.flags);
}

/** Tools that change disks or filesystems: the collector must never start one. */
const DISK_CHANGING =
  /^(mount|umount|fsck(\..*)?|e2fsck|xfs_repair|mkfs(\..*)?|mke2fs|mkswap|wipefs|dd|parted|sfdisk|sgdisk|fdisk|gdisk|blkdiscard|hdparm|nvme-format|sg_format|badblocks|tune2fs|resize2fs|cryptsetup|losetup|mdadm|lvm|pvcreate|vgcreate|lvcreate)$/;

export interface AuditOptions {
  /** write-mode opens allowed here (scratch space: lldpd's socket dir, the raw archive's staging dir) */
  scratchDirs: string[];
}

/** Character devices that are opened read-write by design and hold no data: never a disk. */
const HARMLESS_DEVICES = /^\/dev\/(null|zero|tty|pts\/\d+|ptmx|ipmi\d+|ipmidev\/\d+)$/;

export interface AuditFinding {
  what: 'write-open' | 'mount' | 'unmount' | 'disk-tool';
  line: string;
}

export function auditTrace(calls: TracedCall[], o: AuditOptions): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const c of calls) {
    if (c.call === 'mount') out.push({ what: 'mount', line: c.line });
    else if (c.call === 'umount2') out.push({ what: 'unmount', line: c.line });
    else if (c.call === 'execve') {
      const name = (c.argv?.[0] ?? c.path).split('/').pop() ?? '';
      const prog = c.path.split('/').pop() ?? '';
      if (DISK_CHANGING.test(name) || DISK_CHANGING.test(prog)) out.push({ what: 'disk-tool', line: c.line });
    } else if (opensForWriting(c)) {
      const allowed =
        HARMLESS_DEVICES.test(c.path) ||
        o.scratchDirs.some((d) => c.path === d || c.path.startsWith(d.endsWith('/') ? d : `${d}/`));
      if (!allowed) out.push({ what: 'write-open', line: c.line });
    }
  }
  return out;
}

/** The argv of every program the traced processes started (each distinct argv once, in order). */
export function startedPrograms(calls: TracedCall[]): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const c of calls) {
    if (c.call !== 'execve' || !c.argv || c.result !== '0') continue;
    const key = c.argv.join('\0');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c.argv);
    }
  }
  return out;
}

// The collector never changes a disk: it runs under `strace -f` on this machine with an extra loop-device
// disk holding an ext4 filesystem, and the trace shows no open for writing outside scratch space (so no
// block device opened O_WRONLY/O_RDWR), no mount/umount2 call and no disk-changing tool started; the loop
// disk's image is byte-identical afterwards. The audit of the trace is itself table-tested first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
// `node --import tsx` resolves tsx from the working directory: the tests run from the repository root
import { auditTrace, parseStrace, startedPrograms } from './strace-audit.js';

const root = new URL('../..', import.meta.url).pathname;

test('the strace audit flags writes, mounts and disk tools, and only those', () => {
  const log = [
    '9002  execve("/usr/bin/node", ["node", "collect.mjs", "--dry-run"], 0x7fff5eb763c0 /* 39 vars */) = 0',
    '9014  execve("/root/bin/ip", ["ip", "-j", "-d", "addr"], 0x28b7b080 /* 40 vars */) = -1 ENOENT (No such file or directory)',
    '9014  execve("/usr/sbin/ip", ["ip", "-j", "-d", "addr"], 0x28b7b080 /* 40 vars */ <unfinished ...>',
    '9030  openat(AT_FDCWD, "/dev/vda", O_RDONLY|O_NONBLOCK) = -1 EPERM (Operation not permitted)',
    '9014  <... execve resumed>)             = 0',
    '9031  openat(AT_FDCWD, "/dev/null", O_WRONLY|O_CLOEXEC) = 3',
    '9031  openat(AT_FDCWD, "/tmp/recon-lldp-x/lldpd.socket", O_RDWR|O_CREAT, 0600) = 4',
    '9032  openat(AT_FDCWD, "/dev/sda", O_RDWR|O_NONBLOCK) = 3',
    '9033  open("/dev/nvme0n1", O_WRONLY) = -1 EACCES (Permission denied)',
    '9034  openat2(AT_FDCWD, "/var/lib/x", {flags=O_RDONLY|O_CREAT, mode=0644, resolve=0}, 24) = 5',
    '9035  mount("/dev/sdb1", "/mnt/with\\"quote", "ext4", MS_RDONLY, NULL) = 0',
    '9036  umount2("/mnt/x", 0) = 0',
    '9037  execve("/usr/sbin/fsck.ext4", ["fsck.ext4", "-n", "/dev/sdb1"], 0x1 /* 3 vars */) = 0',
    '9038  execve("/usr/sbin/mkfs", ["mkfs", "-t", "ext4", "/dev/sdb1"], 0x1 /* 3 vars */) = -1 ENOENT (No such file or directory)',
    '9039  creat("/root/out", 0644) = 3',
    '9040  openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3',
    '9041  +++ exited with 0 +++',
  ].join('\n');
  const calls = parseStrace(log);
  assert.equal(calls.length, 15);
  assert.deepEqual(
    startedPrograms(calls).map((a) => a.join(' ')),
    ['node collect.mjs --dry-run', 'ip -j -d addr', 'fsck.ext4 -n /dev/sdb1'],
  );
  const findings = auditTrace(calls, { scratchDirs: ['/tmp/recon-lldp-x'] });
  assert.deepEqual(
    findings.map((f) => `${f.what} ${f.line.split(/\s+/)[0]}`),
    [
      'write-open 9032', // /dev/sda O_RDWR
      'write-open 9033', // /dev/nvme0n1 O_WRONLY, even though it failed
      'write-open 9034', // openat2 with O_CREAT
      'mount 9035',
      'unmount 9036',
      'disk-tool 9037', // fsck.ext4
      'disk-tool 9038', // mkfs, even though it was not found
      'write-open 9039', // creat
    ],
  );
  assert.equal(calls.find((c) => c.call === 'mount')?.path, '/mnt/with"quote');
  // a scratch dir is a directory, not a name prefix
  assert.equal(
    auditTrace(parseStrace('1  openat(AT_FDCWD, "/tmp/recon-lldp-xy/f", O_WRONLY|O_CREAT, 0644) = 3'), {
      scratchDirs: ['/tmp/recon-lldp-x'],
    }).length,
    1,
  );
});

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

test(
  'the collector on this machine, under strace: nothing opened for writing, nothing mounted, no disk tool',
  {
    skip: needs({ root: true, tools: ['strace', 'losetup', 'mkfs.ext4', 'truncate', 'smartctl'] }),
    timeout: 180_000,
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-strace-'));
    const img = join(dir, 'disk.img');
    let loop: string | undefined;
    try {
      assert.equal((await run(['truncate', '-s', '64M', img])).code, 0);
      assert.equal((await run(['mkfs.ext4', '-q', '-F', img])).code, 0);
      const attach = await run(['losetup', '--show', '-f', img]);
      assert.equal(attach.code, 0, attach.stderr);
      loop = attach.stdout.trim();
      const before = await sha256File(img);
      const trace = join(dir, 'trace.txt');
      const r = await run(
        [
          'strace',
          '-f',
          '-qq',
          '-s',
          '512',
          '-o',
          trace,
          '-e',
          'trace=open,openat,openat2,creat,truncate,mount,umount2,execve',
          process.execPath,
          '--import',
          'tsx',
          join(root, 'src/collect/bundle-entry.ts'),
          '--dry-run',
          '--lldp-wait',
          '0',
        ],
        { timeoutMs: 150_000 },
      );
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const inv = JSON.parse(r.stdout) as Inventory;
      assert.equal(validateInventory(inv).ok, true);

      const calls = parseStrace(await readFile(trace, 'utf8'));
      const started = startedPrograms(calls).map((a) => a.join(' '));
      // the trace saw the tools themselves, not only node: an audit of nothing would prove nothing
      for (const t of ['lsblk -J -O -b', 'ip -j -d addr'])
        assert.ok(started.includes(t) || inv.tools[t.split(' ')[0]!]?.status === 'missing', t);
      for (const d of inv.disks)
        assert.ok(started.includes(`smartctl -x -j ${d.path}`), `smartctl on ${d.path}`);
      assert.ok(calls.filter((c) => c.call.startsWith('open')).length > 100, 'opens were traced');

      const findings = auditTrace(calls, { scratchDirs: [join(tmpdir(), 'tsx-0'), dir] });
      assert.deepEqual(findings, [], findings.map((f) => f.line).join('\n'));

      // every open of a block device, whoever made it, was read-only
      const devOpens = calls.filter((c) => c.call.startsWith('open') && c.path.startsWith('/dev/'));
      for (const c of devOpens) {
        const st = await stat(c.path).catch(() => undefined);
        if (st?.isBlockDevice()) assert.match(c.flags, /^O_RDONLY\b/, c.line);
      }
      assert.equal(
        calls.some((c) => c.path === loop),
        false,
        'a loop device is not a disk of the peer: never opened',
      );
      assert.equal(await sha256File(img), before, 'the loop disk is byte-identical');
    } finally {
      if (loop) await run(['losetup', '-d', loop]);
      await rm(dir, { recursive: true, force: true });
    }
  },
);

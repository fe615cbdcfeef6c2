// Pure TFTP parts: the codec over requests captured from tftp-hpa, atftp, curl and busybox; option
// negotiation; request-name normalisation and root containment (with real files and symlinks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decode,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  ERR,
  OP,
  TftpDecodeError,
} from '../../src/net/tftp/codec.js';
import { negotiate } from '../../src/net/tftp/options.js';
import { normalizeRequestName, openSource, resolveRequest, TftpFileError } from '../../src/net/tftp/files.js';

const fixture = (name: string) =>
  Buffer.from(readFileSync(new URL(`../fixtures/tftp/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');

void test('decodes read requests captured from real clients', () => {
  const cases: [string, Record<string, string>][] = [
    ['rrq-tftp-hpa', {}],
    ['rrq-atftp-blksize-windowsize', { tsize: '0', blksize: '1428', windowsize: '8' }],
    ['rrq-curl', { tsize: '0', blksize: '1468', timeout: '6' }],
    ['rrq-busybox', { blksize: '1468', tsize: '0' }],
  ];
  for (const [name, options] of cases) {
    const p = decode(fixture(name));
    assert.ok(p.op === OP.RRQ, name);
    assert.deepEqual([p.file, p.mode, Object.fromEntries(p.options)], ['ipxe.efi', 'octet', options], name);
    assert.deepEqual(encodeRequest(OP.RRQ, p.file, p.mode, options), fixture(name), `${name} round trip`);
  }
  const w = decode(fixture('wrq-tftp-hpa'));
  assert.deepEqual([w.op, w.op === OP.WRQ && w.file], [OP.WRQ, 'x']);
});

void test('round trips and malformed packets', () => {
  assert.deepEqual(decode(encodeData(70000, Buffer.from('abc'))), {
    op: OP.DATA,
    block: 70000 & 0xffff,
    data: Buffer.from('abc'),
  });
  assert.deepEqual(decode(encodeAck(65535)), { op: OP.ACK, block: 65535 });
  assert.deepEqual(decode(encodeError(ERR.OPTION, 'User aborted the transfer')), {
    op: OP.ERROR,
    code: 8,
    message: 'User aborted the transfer',
  });
  const oack = decode(encodeOack({ blksize: '1468', tsize: '123' }));
  assert.ok(oack.op === OP.OACK);
  assert.deepEqual(Object.fromEntries(oack.options), { blksize: '1468', tsize: '123' });
  // an ERROR without its terminating NUL is still read (some clients omit it)
  assert.deepEqual(decode(Buffer.from([0, 5, 0, 8, 0x61])), { op: OP.ERROR, code: 8, message: 'a' });
  const bad: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['3 bytes', Buffer.from([0, 4, 0])],
    ['opcode 0', Buffer.from([0, 0, 0, 0])],
    ['opcode 7', Buffer.from([0, 7, 0, 0])],
    ['RRQ without NUL', Buffer.from('\x00\x01file\x00octet', 'latin1')],
    ['RRQ without mode', Buffer.from('\x00\x01file\x00\x00', 'latin1')],
    ['RRQ without file', Buffer.from('\x00\x01\x00octet\x00', 'latin1')],
    ['option without value', Buffer.from('\x00\x01f\x00octet\x00blksize\x00', 'latin1')],
    ['empty option name', Buffer.from('\x00\x01f\x00octet\x00\x001\x00', 'latin1')],
    ['ACK with trailing byte', Buffer.from([0, 4, 0, 1, 0])],
  ];
  for (const [what, buf] of bad) assert.throws(() => decode(buf), TftpDecodeError, what);
});

void test('option negotiation: clamps, declines, and RFC defaults', () => {
  const limits = { maxBlksize: 1468, mtu: 1500, maxWindowsize: 16, defaultTimeoutSeconds: 3 };
  const n = (o: Record<string, string>, l = limits) => negotiate(new Map(Object.entries(o)), l, 1048576);
  assert.deepEqual(n({}), { blksize: 512, windowsize: 1, timeoutMs: 3000 });
  assert.deepEqual(n({ tsize: '0', blksize: '1428', windowsize: '8' }), {
    blksize: 1428,
    windowsize: 8,
    timeoutMs: 3000,
    oack: { blksize: '1428', tsize: '1048576', windowsize: '8' },
  });
  assert.equal(n({ blksize: '65464' }).blksize, 1468, 'clamped to the config maximum');
  assert.equal(
    n({ blksize: '9000' }, { ...limits, maxBlksize: 65464, mtu: 1400 }).blksize,
    1368,
    'clamped to MTU - 32',
  );
  assert.equal(n({ windowsize: '64' }).windowsize, 16);
  assert.deepEqual(n({ timeout: '6' }).oack, { timeout: '6' });
  assert.equal(n({ timeout: '6' }).timeoutMs, 6000);
  const declined: Record<string, string>[] = [
    { blksize: '7' },
    { blksize: '65465' },
    { blksize: 'x' },
    { timeout: '0' },
    { timeout: '256' },
    { windowsize: '0' },
    { multicast: '' },
  ];
  for (const bad of declined) assert.equal(n(bad).oack, undefined, JSON.stringify(bad));
});

void test('request names: separators, dot segments, traversal', () => {
  assert.equal(normalizeRequestName('ipxe.efi'), 'ipxe.efi');
  assert.equal(normalizeRequestName('/ipxe.efi'), 'ipxe.efi');
  assert.equal(normalizeRequestName('//arm64-efi/./ipxe.efi'), 'arm64-efi/ipxe.efi');
  assert.equal(normalizeRequestName('boot\\x64\\wdsnbp.com'), 'boot/x64/wdsnbp.com');
  for (const bad of ['../etc/passwd', 'a/../../b', '..\\..\\windows', '/..', 'a\0b'])
    assert.throws(
      () => normalizeRequestName(bad),
      (e: unknown) => e instanceof TftpFileError && e.code === ERR.ACCESS,
      bad,
    );
  assert.throws(
    () => normalizeRequestName('/'),
    (e: unknown) => e instanceof TftpFileError && e.code === ERR.NOT_FOUND,
  );
});

void test('open: root containment, symlinks, iPXE fallback directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-tftp-files-'));
  try {
    const root = join(dir, 'root');
    const ipxe = join(dir, 'ipxe');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(ipxe);
    await writeFile(join(root, 'boot.ipxe'), '#!ipxe\n');
    await writeFile(join(dir, 'secret'), 'outside');
    await writeFile(join(dir, 'ipxe.efi'), 'EFI');
    // as Debian's /usr/lib/ipxe/ipxe.efi → /boot/ipxe.efi
    await symlink(join(dir, 'ipxe.efi'), join(ipxe, 'ipxe.efi'));
    await writeFile(join(ipxe, 'other.bin'), 'not a boot file');
    await symlink(join(dir, 'secret'), join(root, 'escape'));
    await symlink('../boot.ipxe', join(root, 'sub', 'inside-link'));
    await symlink(dir, join(root, 'dirlink'));
    const roots = {
      root,
      fallbackDirs: ['/nonexistent', ipxe],
      fallbackNames: new Set(['ipxe.efi', 'undionly.kpxe']),
    };
    const read = (name: string) => {
      const source = openSource(resolveRequest(name, roots));
      const data = source.read(0, 1000);
      source.close();
      return data.toString();
    };
    assert.equal(read('/boot.ipxe'), '#!ipxe\n');
    assert.equal(read('sub/inside-link'), '#!ipxe\n', 'a symlink that stays inside is fine');
    assert.equal(read('ipxe.efi'), 'EFI', 'boot file from the fallback directory, through its symlink');
    const refused = (name: string, code: number) =>
      assert.throws(
        () => resolveRequest(name, roots),
        (e: unknown) => e instanceof TftpFileError && e.code === code,
        name,
      );
    refused('escape', ERR.ACCESS);
    refused('dirlink/secret', ERR.ACCESS);
    refused('../secret', ERR.ACCESS);
    refused('/etc/passwd', ERR.NOT_FOUND);
    refused('other.bin', ERR.NOT_FOUND);
    refused('undionly.kpxe', ERR.NOT_FOUND);
    refused('sub', ERR.NOT_FOUND);
    // past the cache limit a file is read block by block, through its own descriptor
    const big = join(root, 'big.img');
    await writeFile(big, 'head');
    await truncate(big, (16 << 20) + 10);
    await appendFile(big, 'tail');
    const source = openSource(resolveRequest('big.img', roots));
    assert.equal(source.size, (16 << 20) + 14);
    assert.equal(source.read(0, 4).toString(), 'head');
    assert.equal(source.read(source.size - 6, 100).toString('hex'), '00007461696c', 'short read at the end');
    source.close();
    assert.throws(() => source.read(0, 4), /EBADF/, 'closed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

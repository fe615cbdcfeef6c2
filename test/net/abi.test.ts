// The per-architecture kernel interface table: x86-64 and arm64 layouts and flags as the kernel headers
// give them, unknown architectures left out, and the system's own constants preferred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants as fsConstants } from 'node:fs';
import { LINUX_ABI, linuxAbi } from '../../src/net/abi.js';

void test('x86-64 and arm64: struct pollfd, poll bits and O_ flags as their kernel headers have them', () => {
  for (const arch of ['x64', 'arm64']) {
    const abi = linuxAbi(arch, {});
    assert.ok(abi, arch);
    // struct pollfd { int fd; short events; short revents; }: no padding on either
    assert.deepEqual(abi.pollfd, { size: 8, fd: 0, events: 4, revents: 6 }, arch);
    assert.deepEqual(
      [abi.POLLIN, abi.POLLOUT, abi.POLLERR, abi.POLLHUP, abi.POLLNVAL],
      [0x1, 0x4, 0x8, 0x10, 0x20],
      arch,
    );
    assert.equal(abi.O_NONBLOCK, 0o4000, arch);
    assert.equal(abi.O_CLOEXEC, 0o2000000, arch);
  }
});

void test('an architecture the table does not know gets nothing, so its callers fall back', () => {
  for (const arch of ['mips', 'mipsel', 'ppc64', 's390x', 'riscv64', 'ia32', 'arm', 'loong64'])
    assert.equal(linuxAbi(arch), undefined, arch);
  assert.deepEqual(Object.keys(LINUX_ABI).sort(), ['arm64', 'x64']);
});

void test("the system's O_NONBLOCK wins over the table's", () => {
  assert.equal(linuxAbi('x64', { O_NONBLOCK: 0x80 })?.O_NONBLOCK, 0x80);
  if (process.platform === 'linux' && LINUX_ABI[process.arch])
    assert.equal(LINUX_ABI[process.arch]!.O_NONBLOCK, fsConstants.O_NONBLOCK, 'this machine agrees');
});

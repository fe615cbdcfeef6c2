// The live medium's kernel and initrd by TFTP (the Secure Boot chain's GRUB has no http): a file is a
// region of the boot device, read a window at a time, never past its end into the next file; a grub.cfg
// generated per request is served from memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource } from '../../src/net/tftp/files.js';

void test('a region of a device: its bytes only, short at its end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-tftp-region-'));
  try {
    const device = join(dir, 'medium.iso');
    await writeFile(
      device,
      Buffer.concat([Buffer.alloc(4096, 'a'), Buffer.alloc(3000, 'k'), Buffer.alloc(4096, 'i')]),
    );
    const src = openSource({ path: device, size: 3000, mtimeMs: 0, offset: 4096 });
    try {
      assert.equal(src.size, 3000);
      assert.deepEqual(src.read(0, 1468), Buffer.alloc(1468, 'k'));
      assert.deepEqual(src.read(2936, 1468), Buffer.alloc(64, 'k'), 'the last block stops at the region end');
      assert.equal(src.read(3000, 1468).length, 0);
    } finally {
      src.close();
    }
    const mem = openSource({ path: 'grub/grub.cfg', size: 5, mtimeMs: 0, data: Buffer.from('boot\n') });
    assert.equal(mem.read(0, 512).toString(), 'boot\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

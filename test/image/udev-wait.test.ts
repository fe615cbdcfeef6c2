// The role step waits for udev to have named each Ethernet NIC (its database entry n<ifindex>), bounded,
// instead of waiting for the whole udev queue; without a udev database it does not wait at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nicsAwaitingUdev, waitForUdevNics } from '../../src/image/sysfs.js';
import type { Nic } from '../../src/image/nic.js';

const nic = (name: string, ifindex: number, ethernet = true): Nic => ({
  name,
  mac: '52:54:00:00:00:01',
  ifindex,
  carrier: false,
  ethernet,
});

void test('NICs awaiting udev: Ethernet NICs without a database entry', () => {
  const nics = [nic('lo', 1, false), nic('eth0', 2), nic('enp1s0', 3), nic('br0', 4, false)];
  assert.deepEqual(
    nicsAwaitingUdev(nics, new Set(['n2'])).map((n) => n.name),
    ['enp1s0'],
  );
  assert.deepEqual(nicsAwaitingUdev(nics, new Set(['n2', 'n3', 'c1:1'])), []);
});

void test('waits until udev has an entry for every NIC, and gives up at the deadline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-udev-'));
  try {
    const sysNet = join(dir, 'net');
    const udev = join(dir, 'udev');
    await mkdir(udev, { recursive: true });
    for (const [name, index] of [
      ['eth0', 2],
      ['eth1', 3],
    ] as const) {
      await mkdir(join(sysNet, name), { recursive: true });
      await writeFile(join(sysNet, name, 'type'), '1\n');
      await writeFile(join(sysNet, name, 'ifindex'), `${index}\n`);
      await writeFile(join(sysNet, name, 'address'), '52:54:00:00:00:01\n');
    }
    await writeFile(join(udev, 'n2'), '');
    setTimeout(() => void writeFile(join(udev, 'n3'), ''), 300);
    const done = await waitForUdevNics(sysNet, udev, 10);
    assert.deepEqual(done.pending, []);
    assert.equal(done.nics.length, 2);

    await mkdir(join(sysNet, 'eth2'), { recursive: true });
    await writeFile(join(sysNet, 'eth2', 'type'), '1\n');
    await writeFile(join(sysNet, 'eth2', 'ifindex'), '4\n');
    const late = await waitForUdevNics(sysNet, udev, 0.3);
    assert.deepEqual(
      late.pending.map((n) => n.name),
      ['eth2'],
    );

    const noUdev = await waitForUdevNics(sysNet, join(dir, 'no-udev-here'), 10);
    assert.deepEqual(noUdev.pending, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

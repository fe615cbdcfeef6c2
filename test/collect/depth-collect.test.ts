// The whole collector on a replayed machine with the version-2 sources: what the PCI list shows decides which
// vendor tools run; every section lands in a schema-valid inventory; a machine that has none of the new sources
// (an older recording) still gives a valid inventory whose `tools` say "missing", never a failed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../../src/collect/collect.js';
import { replaySources, type RecordedSource } from '../../src/collect/sources.js';
import { SECURE_BOOT_EFIVAR } from '../../src/collect/parsers/firmware.js';
import { validateInventory } from '../../src/shared/inventory/index.js';

const fixture = (p: string): string => new URL(`../fixtures/collect/${p}`, import.meta.url).pathname;

type Source = [id: string, argv: string[], file: string | undefined, extra?: Partial<RecordedSource>];

/** Writes a replay directory: each source's stdout copied from a fixture (or, after `=`, given here). */
async function replayDir(sources: Source[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-depth-'));
  const index: Record<string, RecordedSource> = {};
  for (const [id, argv, file, extra] of sources) {
    const s: RecordedSource = { argv, durationMs: 1, exitCode: 0, ...extra };
    if (file) {
      s.stdout = `${id.replace(/[^A-Za-z0-9_-]+/g, '.')}.out`;
      if (file.startsWith('=')) await writeFile(join(dir, s.stdout), file.slice(1));
      else await copyFile(fixture(file), join(dir, s.stdout));
    }
    index[id] = s;
  }
  await writeFile(join(dir, 'sources.json'), JSON.stringify(index));
  return dir;
}

const BASE: Source[] = [
  ['ip', ['ip', '-j', '-d', 'addr'], 'machine/ip-d-addr.json'],
  ['lsblk', ['lsblk', '-J', '-O', '-b'], 'machine/lsblk.json'],
  ['cpuinfo', ['read', '/proc/cpuinfo'], 'machine/cpuinfo.txt'],
  ['meminfo', ['read', '/proc/meminfo'], 'machine/meminfo.txt'],
];

async function collect(dir: string) {
  const { inventory, raws } = await collectInventory({
    version: 't',
    lldpWaitSeconds: 0,
    sources: await replaySources(dir),
  });
  const v = validateInventory(inventory);
  assert.equal(v.ok, true, JSON.stringify(v));
  return { inventory, raws };
}

void test('a UEFI server with a MegaRAID, a V100 and an SFP+ module: every version-2 section', async () => {
  const dir = await replayDir([
    ...BASE,
    ['efi', ['stat', '/sys/firmware/efi'], '=uefi\n'],
    ['lspci', ['lspci', '-vmmnnk'], 'documented/lspci-gpu-raid.txt'],
    [
      'secureboot-efivar',
      ['od', '-An', '-tx1', '-v', SECURE_BOOT_EFIVAR],
      'documented/od-secureboot-enabled.txt',
    ],
    ['efibootmgr', ['efibootmgr'], 'documented/efibootmgr-v18-ovmf.txt'],
    ['lscpu-caches', ['lscpu', '-J', '-C', '-B'], 'machine/lscpu-caches.json'],
    ['numa', ['read', '/sys/devices/system/node/*'], 'machine/tree-numa.json'],
    ['usb', ['read', '/sys/bus/usb/devices/*'], 'documented/tree-usb.json'],
    ['tpm', ['read', '/sys/class/tpm/*'], 'documented/tree-tpm-2.json'],
    ['sriov', ['read', '/sys/class/net/*'], 'machine/tree-sriov.json'],
    ['by-id', ['read', '/dev/disk/by-id/*'], 'documented/tree-by-id.json'],
    ['pci-numa', ['read', '/sys/bus/pci/devices/*'], 'documented/tree-pci-numa.json'],
    ['mdstat', ['read', '/proc/mdstat'], 'documented/mdstat-raid5-degraded.txt'],
    ['smartctl-scan', ['smartctl', '--scan'], 'documented/smartctl-scan-megaraid.txt'],
    ['dmesg-errors', ['dmesg', '--level=err,crit,alert,emerg'], 'documented/dmesg-errors.txt'],
    ['ethtool:eth0', ['ethtool', 'eth0'], 'documented/ethtool-copper-1g.txt'],
    ['ethtool-m:eth0', ['ethtool', '-m', 'eth0'], 'documented/ethtool-m-sfp-sr.txt'],
    ['storcli', ['storcli64', '/call', 'show', 'J'], 'documented/storcli-call-show.json'],
    ['nvidia-smi', ['nvidia-smi'], 'documented/nvidia-smi-query.csv'],
  ]);
  try {
    const { inventory: inv, raws } = await collect(dir);
    assert.equal(inv.schemaVersion, 2);
    assert.equal(inv.firmware.secureBoot, 'enabled');
    assert.deepEqual(inv.firmware.bootOrder?.order, ['0001', '0000', '0002', '0003']);
    assert.equal(inv.cpu.caches?.length, 4);
    assert.deepEqual(inv.numaNodes, [{ node: 0, cpus: '0-1', memoryBytes: 14509896 * 1024 }]);
    assert.equal(inv.usb?.length, 3);
    assert.deepEqual(inv.tpm, { present: true, version: '2.0' });
    assert.equal(inv.kernelErrors?.count, 3);
    assert.deepEqual(
      inv.gpus?.map((g) => [g.pciAddress, g.model]),
      [
        ['3b:00.0', 'Tesla V100-PCIE-32GB'],
        ['03:00.0', 'Integrated Matrox G200eW3 Graphics Controller'],
      ],
    );
    const st = inv.storage;
    assert.deepEqual(
      st?.controllers.map((c) => [c.pciAddress, c.model]),
      [['18:00.0', 'MegaRAID SAS-3 3108 [Invader]']],
    );
    assert.deepEqual(
      st?.softwareRaid.map((a) => [a.name, a.failedMembers]),
      [
        ['md1', ['sdd1']],
        ['md0', []],
        ['md127', []],
      ],
    );
    assert.equal(st?.scanned.filter((d) => d.type.startsWith('megaraid')).length, 2);
    assert.equal(st?.virtualDisks[0]?.state, 'Dgrd');
    assert.equal(st?.physicalDisks[1]?.state, 'Failed');
    const eth0 = inv.nics.find((n) => n.name === 'eth0');
    assert.equal(eth0?.transceiver?.part, 'FTLX8571D3BCL');
    assert.equal(eth0?.supportedLinkModes?.at(-1), '1000baseT/Full');
    assert.deepEqual(
      inv.pci.map((d) => [d.slot, d.numaNode]),
      [
        ['18:00.0', 0],
        ['3b:00.0', 0],
        ['03:00.0', undefined],
      ],
    );
    const vda = inv.disks.find((d) => d.name === 'vda');
    assert.equal(vda?.physicalSectorBytes, 4096);
    // the PCI list called for storcli/perccli (Broadcom/LSI) and nvidia-smi; not for ssacli
    assert.equal(raws.get('perccli')?.error, 'missing'); // asked for, not on the recorded machine
    assert.equal(inv.tools.perccli?.status, 'missing');
    assert.equal(inv.tools.ssacli?.status, 'skipped');
    assert.equal(inv.tools['nvidia-smi']?.status, 'ok');
    assert.equal(inv.tools.mokutil?.status, 'missing');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('a recording without any version-2 source: a valid inventory, the new sources missing or skipped', async () => {
  const dir = await replayDir(BASE);
  try {
    const { inventory: inv } = await collect(dir);
    for (const id of [
      'lscpu-caches',
      'numa',
      'usb',
      'tpm',
      'sriov',
      'pci-numa',
      'by-id',
      'mdstat',
      'smartctl-scan',
      'dmesg-errors',
    ])
      assert.equal(inv.tools[id]?.status, 'missing', id);
    for (const id of [
      'secureboot-efivar',
      'mokutil',
      'efibootmgr',
      'nvidia-smi',
      'storcli',
      'perccli',
      'ssacli',
    ])
      assert.equal(inv.tools[id]?.status, 'skipped', id);
    assert.equal(inv.firmware.secureBoot, 'unknown'); // the boot mode itself is not known here
    for (const k of ['numaNodes', 'gpus', 'storage', 'usb', 'tpm', 'kernelErrors'] as const)
      assert.equal(inv[k], undefined, k);
    assert.equal(inv.cpu.caches, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

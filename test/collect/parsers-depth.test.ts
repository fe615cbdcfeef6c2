// Table tests of the parsers added for inventory version 2 (firmware state, topology, devices), on recordings of
// this project's KVM guest (`../fixtures/collect/machine/`) and on outputs written from the tools' documented
// formats (`../fixtures/collect/documented/`, see its README); truncated and garbage input fail, never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseEfibootmgr,
  parseMokutilSbState,
  parseSecureBootVar,
} from '../../src/collect/parsers/firmware.js';
import type { ParseResult } from '../../src/collect/parsers/result.js';
import { parseEthtoolLink, parseEthtoolModule } from '../../src/collect/parsers/ethtool.js';
import { gpusFrom, parseNvidiaSmi } from '../../src/collect/parsers/gpu.js';
import { parseLspci } from '../../src/collect/parsers/lspci.js';
import { parseLsblk } from '../../src/collect/parsers/lsblk.js';
import { parseDiskLinks, parseDmesgErrors } from '../../src/collect/parsers/misc.js';
import {
  parseMdstat,
  parseSmartctlScan,
  parseSsacli,
  parseStorcli,
} from '../../src/collect/parsers/storage.js';
import {
  parseNumaNodes,
  parsePciNuma,
  parseSriov,
  parseTpm,
  parseUsbDevices,
} from '../../src/collect/parsers/sysfs.js';
import { parseLscpuCaches } from '../../src/collect/parsers/topology.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');
function value<T>(r: ParseResult<T>): T {
  if (!r.ok) assert.fail(`parser failed: ${r.error}`);
  return r.value;
}

void test('SecureBoot efivar: 4 attribute bytes then the data byte', () => {
  const cases: [string, ParseResult<string>['ok'], string?][] = [
    [fx('documented/od-secureboot-enabled.txt'), true, 'enabled'],
    [fx('documented/od-secureboot-disabled.txt'), true, 'disabled'],
    [' 06 00 00 00\n', false],
    [' 06 00 00 00 02\n', false],
    ['', false],
    ['garbage', false],
  ];
  for (const [text, isOk, want] of cases) {
    const r = parseSecureBootVar(text);
    assert.equal(r.ok, isOk, JSON.stringify(text));
    if (r.ok) assert.equal(r.value, want);
  }
  // on a BIOS boot the variable is not there: od says so on stderr (the collector records it as missing)
  assert.match(fx('machine/od-secureboot-bios.stderr'), /No such file or directory/);
});

void test('mokutil --sb-state', () => {
  assert.equal(value(parseMokutilSbState(fx('documented/mokutil-sb-state-enabled.txt'))), 'enabled');
  assert.equal(value(parseMokutilSbState('SecureBoot disabled\nPlatform is in Setup Mode\n')), 'disabled');
  assert.equal(value(parseMokutilSbState("This system doesn't support Secure Boot\n")), 'disabled');
  assert.equal(parseMokutilSbState(fx('machine/mokutil-sb-state-bios.stderr')).ok, false);
  assert.equal(parseMokutilSbState('').ok, false);
});

void test('efibootmgr: the man page example (no device paths) and an OVMF listing with paths', () => {
  const man = value(parseEfibootmgr(fx('documented/efibootmgr-manpage.txt')));
  assert.equal(man.current, '0004');
  assert.equal(man.next, '0003');
  assert.deepEqual(man.order, ['0004', '0000', '0001', '0002', '0003']);
  assert.equal(man.entries.length, 5);
  assert.deepEqual(man.entries[3], { id: '0003', label: 'PXE Boot: MAC(00D0B7C15D91)', active: true });
  const ovmf = value(parseEfibootmgr(fx('documented/efibootmgr-v18-ovmf.txt')));
  assert.equal(ovmf.current, '0001');
  assert.equal(ovmf.next, undefined);
  assert.deepEqual(ovmf.entries[1], {
    id: '0001',
    label: 'UEFI PXEv4 (MAC:525400123457)',
    active: true,
    path: 'PciRoot(0x0)/Pci(0x2,0x0)/MAC(525400123457,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)',
  });
  assert.equal(ovmf.entries[3]?.active, false);
  assert.equal(ovmf.entries[3]?.label, 'EFI Internal Shell');
  // on a BIOS boot efibootmgr only complains; truncated or foreign text is not a boot order
  assert.equal(parseEfibootmgr(fx('machine/efibootmgr-bios.stderr')).ok, false);
  assert.equal(parseEfibootmgr('BootCurrent: 0001').ok, false);
  assert.equal(parseEfibootmgr('').ok, false);
});

void test('efibootmgr: a hostile listing is capped to the schema bounds', () => {
  const many = Array.from(
    { length: 1000 },
    (_, i) => `Boot${i.toString(16).padStart(4, '0')}* ${'x'.repeat(400)}\tp`,
  );
  const r = value(parseEfibootmgr(`BootOrder: ${'0001,'.repeat(500)}0002\n${many.join('\n')}\n`));
  assert.equal(r.entries.length, 128);
  assert.equal(r.order.length, 128);
  assert.equal(r.entries[0]?.label.length, 256);
});

void test('lscpu -C: this machine — four caches, sizes in bytes; a run without -B is not read as bytes', () => {
  const caches = value(parseLscpuCaches(fx('machine/lscpu-caches.json')));
  assert.deepEqual(
    caches.map((c) => [c.name, c.level, c.type, c.sizeBytes, c.totalBytes]),
    [
      ['L1d', 1, 'Data', 49152, 98304],
      ['L1i', 1, 'Instruction', 65536, 131072],
      ['L2', 2, 'Unified', 2097152, 4194304],
      ['L3', 3, 'Unified', 503316480, 503316480],
    ],
  );
  const human = value(parseLscpuCaches('{"caches": [{"name": "L1d", "one-size": "48 KiB", "level": 1}]}'));
  assert.equal(human[0]?.sizeBytes, undefined);
  for (const bad of ['', '{"caches": ', '{"cpus": []}']) assert.equal(parseLscpuCaches(bad).ok, false, bad);
});

void test('NUMA: this machine — one node with both CPUs and its memory', () => {
  assert.deepEqual(value(parseNumaNodes(fx('machine/tree-numa.json'))), [
    { node: 0, cpus: '0-1', memoryBytes: 14509896 * 1024 },
  ]);
  const two = value(
    parseNumaNodes(
      JSON.stringify({
        node1: { cpulist: '16-31,48-63', meminfo: 'Node 1 MemTotal:  264046204 kB\n' },
        node0: { cpulist: '0-15,32-47', meminfo: 'Node 0 MemTotal:  263958528 kB\n' },
        node2: { cpulist: '' }, // memory-only (CXL) node without meminfo read
        possible: {},
      }),
    ),
  );
  assert.deepEqual(
    two.map((n) => [n.node, n.cpus, n.memoryBytes]),
    [
      [0, '0-15,32-47', 263958528 * 1024],
      [1, '16-31,48-63', 264046204 * 1024],
      [2, '', undefined],
    ],
  );
  assert.equal(parseNumaNodes('{"node0": "x"}').ok, false);
  assert.equal(parseNumaNodes('[').ok, false);
});

void test('USB, TPM, SR-IOV and NUMA nodes of devices from sysfs', () => {
  const usb = value(parseUsbDevices(fx('documented/tree-usb.json')));
  assert.equal(usb.length, 3);
  assert.deepEqual(usb[1], {
    port: '1-1.1',
    bus: 1,
    device: 3,
    vendorId: '046b',
    productId: 'ff10',
    vendor: 'American Megatrends Inc.',
    product: 'Virtual Keyboard and Mouse',
    speedMbps: 480,
    classId: '00',
  });
  assert.equal(usb[2]?.speedMbps, 5000);
  assert.deepEqual(value(parseUsbDevices('{"usb1": {}, "1-1:1.0": {}}')), []);

  assert.deepEqual(value(parseTpm(fx('documented/tree-tpm-2.json'))), { present: true, version: '2.0' });
  assert.deepEqual(value(parseTpm(fx('documented/tree-tpm-1.2.json'))), { present: true, version: '1.2' });
  assert.deepEqual(value(parseTpm('{}')), { present: false });

  const sriov = value(parseSriov(fx('documented/tree-sriov.json')));
  assert.deepEqual(sriov.get('enp134s0f1'), { totalVfs: 64, vfs: 8, numaNode: 1 });
  assert.deepEqual(sriov.get('eno1'), { numaNode: 0 }); // no SR-IOV, a known node
  assert.equal(sriov.has('bond0'), false);
  assert.equal(value(parseSriov(fx('machine/tree-sriov.json'))).size, 0);

  // PCI functions' NUMA nodes: -1 (this guest: the platform does not say) is not a node
  const numa = value(parsePciNuma(fx('documented/tree-pci-numa.json')));
  assert.equal(numa.get('0000:86:00.1'), 1);
  assert.equal(numa.get('0000:18:00.0'), 0);
  assert.equal(value(parsePciNuma(fx('machine/tree-pci-numa.json'))).size, 0);
  assert.equal(parsePciNuma('{"0000:00:00.0": 1}').ok, false);
});

void test('disk ids and lsblk sector sizes, HCTL', () => {
  const ids = value(parseDiskLinks('by-id', fx('documented/tree-by-id.json')));
  assert.deepEqual(ids.get('sda'), [
    '/dev/disk/by-id/ata-MZ7KM480HMHQ0D3_S2HSNX0H500123',
    '/dev/disk/by-id/wwn-0x5002538c40123456',
  ]);
  assert.equal(ids.get('nvme0n1')?.length, 2);
  const vda = value(parseLsblk(fx('machine/lsblk.json')))[0];
  assert.equal(vda?.logicalSectorBytes, 512);
  assert.equal(vda?.physicalSectorBytes, 4096);
  const scsi = value(
    parseLsblk(
      '{"blockdevices": [{"name": "sda", "type": "disk", "log-sec": 512, "phy-sec": 4096, "hctl": "0:0:0:0"}]}',
    ),
  )[0];
  assert.deepEqual([scsi?.logicalSectorBytes, scsi?.physicalSectorBytes, scsi?.hctl], [512, 4096, '0:0:0:0']);
});

void test('ethtool: link modes of a copper port; a veth reports none', () => {
  const copper = value(parseEthtoolLink(fx('documented/ethtool-copper-1g.txt')));
  const modes = ['10baseT/Half', '10baseT/Full', '100baseT/Half', '100baseT/Full', '1000baseT/Full'];
  assert.deepEqual(copper.supportedLinkModes, modes);
  assert.deepEqual(copper.advertisedLinkModes, modes);
  assert.equal(copper.speedMbps, 100);
  const veth = value(parseEthtoolLink(fx('machine/ethtool-veth.txt')));
  assert.equal(veth.supportedLinkModes, undefined);
  assert.equal(veth.speedMbps, 10000);
  assert.equal(value(parseEthtoolLink(fx('machine/ethtool-eth0.txt'))).supportedLinkModes, undefined);
});

void test('ethtool -m: an SFP+ SR module; virtio and veth have no module EEPROM', () => {
  assert.deepEqual(value(parseEthtoolModule(fx('documented/ethtool-m-sfp-sr.txt'))), {
    identifier: 'SFP',
    connector: 'LC',
    type: '10G Ethernet: 10G Base-SR',
    vendor: 'FINISAR CORP.',
    part: 'FTLX8571D3BCL',
    revision: 'A',
    serial: 'AQA0EXAMPLE',
    wavelengthNm: 850,
  });
  assert.match(fx('machine/ethtool-m-eth0.stderr'), /Operation not supported/);
  assert.match(fx('machine/ethtool-m-veth.stderr'), /Operation not supported/);
  assert.equal(parseEthtoolModule('').ok, false);
  assert.equal(parseEthtoolModule('\tVendor name : X\n').ok, false);
});

void test('software RAID: a degraded RAID5 with a failed member, a clean RAID1, an inactive array', () => {
  const md = value(parseMdstat(fx('documented/mdstat-raid5-degraded.txt')));
  assert.deepEqual(md, [
    {
      name: 'md1',
      level: 'raid5',
      state: 'active, degraded [UU_]',
      members: ['sdc1', 'sdb1'],
      failedMembers: ['sdd1'],
      sizeBytes: 1953260544 * 1024,
    },
    {
      name: 'md0',
      level: 'raid1',
      state: 'active',
      members: ['sdb2', 'sda2'],
      failedMembers: [],
      sizeBytes: 976630336 * 1024,
    },
    { name: 'md127', state: 'inactive', members: ['sde'], failedMembers: [], sizeBytes: 976631512 * 1024 },
  ]);
  assert.deepEqual(value(parseMdstat('Personalities : \nunused devices: <none>\n')), []);
  assert.equal(parseMdstat('md0 : active raid1').ok, false);
});

void test('RAID controllers: smartctl --scan, storcli / perccli JSON, ssacli text', () => {
  const scan = value(parseSmartctlScan(fx('documented/smartctl-scan-megaraid.txt')));
  assert.deepEqual(
    scan.map((d) => [d.device, d.type]),
    [
      ['/dev/sda', 'scsi'],
      ['/dev/bus/0', 'megaraid,8'],
      ['/dev/bus/0', 'megaraid,9'],
      ['/dev/nvme0', 'nvme'],
    ],
  );
  assert.equal(scan[1]?.description, '/dev/bus/0 [megaraid_disk_08], SCSI device');
  assert.deepEqual(value(parseSmartctlScan('')), []);
  assert.equal(parseSmartctlScan('garbage line\n').ok, false);

  const perc = value(parseStorcli(fx('documented/storcli-call-show.json')));
  assert.deepEqual(perc.virtualDisks, [
    {
      controller: '0',
      id: '0/0',
      raidLevel: 'RAID1',
      state: 'Dgrd',
      sizeBytes: Math.round(446.625 * 2 ** 30),
      name: 'os',
    },
  ]);
  assert.deepEqual(
    perc.physicalDisks.map((d) => [d.id, d.state, d.interface, d.media, d.model]),
    [
      ['32:0', 'Onln', 'SATA', 'SSD', 'MZ7KM480HMHQ0D3'],
      ['32:1', 'Failed', 'SATA', 'SSD', 'MZ7KM480HMHQ0D3'],
    ],
  );
  assert.equal(parseStorcli('{"Controllers": ').ok, false);
  assert.equal(parseStorcli('{}').ok, false);

  const hp = value(parseSsacli(fx('documented/ssacli-config.txt')));
  assert.deepEqual(hp.virtualDisks, [
    { controller: 'slot 0', id: '1', raidLevel: 'RAID 1', state: 'OK', sizeBytes: 558.9e9 },
  ]);
  assert.deepEqual(hp.physicalDisks[0], {
    controller: 'slot 0',
    id: '1I:2:1',
    interface: 'SAS',
    media: 'HDD',
    sizeBytes: 600e9,
    state: 'OK',
  });
  assert.equal(parseSsacli('Error: No controllers detected.\n').ok, false);
});

void test('GPUs: PCI classes 03xx and 12xx, with what nvidia-smi adds', () => {
  const pci = value(parseLspci(fx('documented/lspci-gpu-raid.txt')));
  const smi = value(parseNvidiaSmi(fx('documented/nvidia-smi-query.csv')));
  const gpus = gpusFrom(pci, smi);
  assert.deepEqual(
    gpus.map((g) => [g.pciAddress, g.classId, g.model, g.memoryBytes, g.driverVersion]),
    [
      ['3b:00.0', '0302', 'Tesla V100-PCIE-32GB', 32 * 2 ** 30, '535.54.03'],
      ['03:00.0', '0300', 'Integrated Matrox G200eW3 Graphics Controller', undefined, undefined],
    ],
  );
  assert.equal(gpus[0]?.uuid, 'GPU-a1b2c3d4-e5f6-7890-abcd-ef0123456789');
  // this machine: a virtio GPU-less guest
  assert.deepEqual(gpusFrom(value(parseLspci(fx('machine/lspci.txt')))), []);
  assert.equal(parseNvidiaSmi('NVIDIA-SMI has failed\n').ok, false);
  assert.equal(parseNvidiaSmi('').ok, false);
});

void test('dmesg errors: none on this machine; a count and the newest lines otherwise', () => {
  assert.deepEqual(value(parseDmesgErrors('')), { count: 0, last: [] });
  const errs = value(parseDmesgErrors(fx('documented/dmesg-errors.txt')));
  assert.equal(errs.count, 3);
  assert.match(errs.last[2] ?? '', /I\/O error, dev sdb/);
  const flood = value(parseDmesgErrors(`${'x'.repeat(5000)}\n`.repeat(1000)));
  assert.equal(flood.count, 1000);
  assert.equal(flood.last.length, 20);
  assert.equal(flood.last[0]?.length, 1024);
});

// Table tests of the pure parsers on recorded real outputs (this machine, ipmi_sim, lldpd, public server samples),
// plus truncated and garbage input for every parser: a failure result, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDmidecode } from '../../src/collect/parsers/dmidecode.js';
import { parseLsblk } from '../../src/collect/parsers/lsblk.js';
import { parseSmartctl, smartctlFatal } from '../../src/collect/parsers/smartctl.js';
import { parseNvmeList } from '../../src/collect/parsers/nvme.js';
import { parseLspci } from '../../src/collect/parsers/lspci.js';
import { parseIpAddr } from '../../src/collect/parsers/ip.js';
import {
  parseEthtoolDriver,
  parseEthtoolLink,
  parseEthtoolPermanent,
} from '../../src/collect/parsers/ethtool.js';
import { parseLldpctl } from '../../src/collect/parsers/lldp.js';
import { parseIpmiFru, parseIpmiLan, parseIpmiMc } from '../../src/collect/parsers/ipmitool.js';
import { parseCpuinfo, parseMeminfo } from '../../src/collect/parsers/proc.js';
import { parseByPath, parseDetectVirt } from '../../src/collect/parsers/misc.js';
import { parseLshw } from '../../src/collect/parsers/lshw.js';
import type { ParseResult } from '../../src/collect/parsers/result.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');
function value<T>(r: ParseResult<T>): T {
  if (!r.ok) assert.fail(`parser failed: ${r.error}`);
  return r.value;
}

void test('dmidecode: Dell R440 — identity, firmware, 1 of 2 sockets, 2 DIMMs of 4 slots listed, IPMI KCS', () => {
  const d = value(parseDmidecode(fx('public/dmidecode-dell-r440.txt')));
  assert.deepEqual(d.system, {
    vendor: 'Dell Inc.',
    product: 'PowerEdge R440',
    version: undefined,
    serial: undefined, // published anonymised as "--": not data
    uuid: undefined,
    sku: 'SKU=07C9;ModelName=PowerEdge R440',
    family: 'PowerEdge',
  });
  assert.deepEqual(d.bios, {
    vendor: 'Dell Inc.',
    version: '2.18.1',
    date: '03/07/2023',
    uefiSupported: true,
  });
  assert.equal(d.chassis.type, 'Rack Mount Chassis');
  assert.equal(d.chassis.heightU, 1);
  assert.equal(d.baseboard.product, '0WKGTH');
  assert.equal(d.processors.length, 2);
  assert.deepEqual(
    d.processors.map((p) => [p.socket, p.populated, p.cores, p.threads]),
    [
      ['CPU1', true, 20, 40],
      ['CPU2', false, undefined, undefined],
    ],
  );
  assert.equal(d.processors[0]?.model, 'Intel(R) Xeon(R) Gold 6138 CPU @ 2.00GHz');
  assert.equal(d.memorySlots, 16);
  assert.equal(d.dimms.length, 2);
  assert.deepEqual(d.dimms[0], {
    slot: 'A1',
    sizeBytes: 16 * 2 ** 30,
    type: 'DDR4',
    formFactor: 'DIMM',
    speedMTs: 2666,
    configuredSpeedMTs: 2666,
    vendor: '00CE00B300CE',
    part: 'M393A2K43BB1-CTD',
  });
  assert.deepEqual(d.ipmi, { interfaceType: 'KCS (Keyboard Control Style)', version: '2.0' });
});

void test('dmidecode: this machine has no SMBIOS — stderr only, empty stdout is a failure', () => {
  assert.match(fx('machine/dmidecode.stderr'), /No such file or directory/);
  assert.equal(parseDmidecode('').ok, false);
});

void test('lsblk: this machine — virtio disk kept, zram skipped, sizes in bytes', () => {
  const disks = value(parseLsblk(fx('machine/lsblk.json')));
  assert.deepEqual(
    disks.map((d) => [d.name, d.path, d.sizeBytes, d.rotational, d.removable]),
    [['vda', '/dev/vda', 274877906944, true, false]],
  );
});

void test('smartctl: NVMe, SAS and the failing virtio disk of this machine', () => {
  assert.deepEqual(value(parseSmartctl(fx('public/smartctl-nvme-intel.json'))), {
    health: 'passed',
    powerOnHours: 2401,
    temperatureC: 36,
    protocol: 'NVMe',
    model: 'INTEL SSDPEKNW010T8',
    serial: 'BTNH93710FS91P0B',
    firmware: '002C',
    sizeBytes: 1024209543168,
    counters: {
      criticalWarning: 0,
      mediaErrors: 0,
      availableSpare: 100,
      availableSpareThreshold: 10,
      percentageUsed: 0,
      errorLogEntries: 0,
    },
  });
  const sas = value(parseSmartctl(fx('public/smartctl-sas-seagate.json')));
  assert.deepEqual(
    [sas.health, sas.powerOnHours, sas.protocol, sas.rotationRpm, sas.firmware],
    ['passed', 43549, 'SCSI', 7200, 'MS03'],
  );
  assert.equal(value(parseSmartctl(fx('public/smartctl-nvme-samsung.json'))).powerOnHours, 12798);
  const vda = parseSmartctl(fx('machine/smartctl-vda.json'));
  assert.equal(vda.ok, false);
  if (!vda.ok) assert.match(vda.error, /Unable to detect device type/);
  assert.equal(smartctlFatal(1), true);
  assert.equal(smartctlFatal(2), true);
  assert.equal(smartctlFatal(8), false); // "disk failing" bit: data, not a tool failure
});

void test('nvme list: flat nvme-cli JSON', () => {
  const text = JSON.stringify({
    Devices: [
      {
        NameSpace: 1,
        DevicePath: '/dev/nvme0n1',
        Firmware: '2B2QEXE7',
        ModelNumber: 'Samsung SSD 970 EVO 500GB',
        SerialNumber: 'S466NX0M776250H',
        PhysicalSize: 500107862016,
      },
    ],
  });
  assert.deepEqual(value(parseNvmeList(text)), [
    {
      path: '/dev/nvme0n1',
      model: 'Samsung SSD 970 EVO 500GB',
      serial: 'S466NX0M776250H',
      firmware: '2B2QEXE7',
      sizeBytes: 500107862016,
    },
  ]);
});

void test('lspci -vmmnnk: this machine — 6 devices with ids and drivers', () => {
  const pci = value(parseLspci(fx('machine/lspci.txt')));
  assert.equal(pci.length, 6);
  assert.deepEqual(pci[3], {
    slot: '00:03.0',
    className: 'Ethernet controller',
    classId: '0200',
    vendor: 'Red Hat, Inc.',
    vendorId: '1af4',
    device: 'Virtio 1.0 network device',
    deviceId: '1041',
    subVendor: 'Red Hat, Inc.',
    subDevice: 'Virtio 1.0 network device',
    revision: '01',
    driver: 'virtio-pci',
    modules: [],
  });
});

void test('ip -j -d addr: this machine and a bridge with an enslaved veth', () => {
  const links = value(parseIpAddr(fx('machine/ip-d-addr.json')));
  const eth0 = links.find((l) => l.name === 'eth0');
  assert.equal(eth0?.mac, '02:fc:00:00:00:01');
  assert.equal(eth0?.kind, 'ether');
  assert.equal(eth0?.lowerUp, true);
  assert.equal(links.find((l) => l.name === 'lo')?.kind, 'loopback');
  const br = value(parseIpAddr(fx('machine/ip-d-addr-bridge.json')));
  assert.deepEqual(
    br.map((l) => [l.name, l.kind, l.master ?? null]),
    [
      ['lo', 'loopback', null],
      ['br0', 'bridge', null],
      ['veth1', 'veth', null],
      ['veth0', 'veth', 'br0'],
    ],
  );
  assert.deepEqual(br[1]?.ipv4, ['10.99.9.5/24']);
  assert.ok(br[1]?.ipv6.includes('fd99::5/64'));
});

void test('ethtool: virtio NIC of this machine — driver, no PCI firmware, unknown speed, link up', () => {
  assert.deepEqual(value(parseEthtoolDriver(fx('machine/ethtool-i-eth0.txt'))), {
    driver: 'virtio_net',
    version: '1.0.0',
    busInfo: '0000:00:03.0',
  });
  assert.equal(value(parseEthtoolPermanent(fx('machine/ethtool-P-eth0.txt'))), '02:fc:00:00:00:01');
  assert.deepEqual(value(parseEthtoolLink(fx('machine/ethtool-eth0.txt'))), { link: true });
  const tenGig = 'Settings for eno1:\n\tSpeed: 10000Mb/s\n\tDuplex: Full\n\tLink detected: yes\n';
  assert.deepEqual(value(parseEthtoolLink(tenGig)), { speedMbps: 10000, duplex: 'full', link: true });
});

void test('lldpctl: json from a real lldpd neighbour, json0 with a VLAN, and no neighbours', () => {
  const n = value(parseLldpctl(fx('machine/lldpctl-neighbor.json'))).get('eth0');
  assert.deepEqual(n, {
    chassisId: 'be:a3:ad:38:1d:04',
    systemName: 'sw-rack12',
    systemDescription: 'rig switch model X',
    portId: 'be:a3:ad:38:1d:04',
    portDescription: 'uplink to peer',
    vlans: [],
    mgmtIp: ['10.99.7.1', 'fe80::bca3:adff:fe38:1d04'],
  });
  const u = value(parseLldpctl(fx('public/lldpctl-json0-ubiquiti.json'))).get('eth0');
  assert.deepEqual(u, {
    chassisId: '9c:05:d6:c2:1d:fc',
    systemName: 'Lab24ProMax',
    systemDescription: 'UBNT-USPM24P',
    portId: 'Port 1',
    portDescription: 'Uplink to core',
    vlans: [102],
    mgmtIp: ['10.254.102.1'],
  });
  assert.equal(value(parseLldpctl('{"lldp": {}}\n')).size, 0);
  assert.equal(value(parseLldpctl('{"lldp": [{}]}\n')).size, 0);
});

void test('ipmitool against ipmi_sim: lan print (configured and blank), mc info, fru with and without data', () => {
  assert.deepEqual(value(parseIpmiLan(fx('machine/ipmi-sim-lan-print.txt'))), {
    ipv4: '10.99.0.250',
    ipv4Source: 'Static Address',
    netmask: '255.255.255.0',
    gateway: '10.99.0.1',
    mac: '52:54:00:aa:bb:cc',
  });
  assert.deepEqual(value(parseIpmiLan(fx('machine/ipmi-sim-lan-print-unset.txt'))), {}); // all zeros: nothing known
  assert.deepEqual(value(parseIpmiMc(fx('machine/ipmi-sim-mc-info.txt'))), {
    firmware: '9.08',
    ipmiVersion: '2.0',
    manufacturer: 'MontaVista Software, Inc.',
  });
  assert.deepEqual(value(parseIpmiFru(fx('machine/ipmi-sim-fru.txt'))), {});
  // `fru print 0` (what the collector runs) on a simulator given board and product areas: fields, no heading
  assert.deepEqual(value(parseIpmiFru(fx('machine/ipmi-sim-fru-print-0.txt'))), {
    product: 'SYS-6029P-TR',
    serial: 'S349721X9A12345',
    vendor: 'Supermicro',
  });
  // no FRU data: ipmitool exits 1 with this line; it is not an answer
  assert.equal(parseIpmiFru(fx('machine/ipmi-sim-fru-print-0-absent.txt')).ok, false);
});

void test('/proc: this machine — 2 threads on 1 socket, AMD EPYC, 24 GiB', () => {
  const cpu = value(parseCpuinfo(fx('machine/cpuinfo.txt')));
  assert.deepEqual(
    [cpu.model, cpu.vendor, cpu.threads, cpu.sockets, cpu.cores],
    ['AMD EPYC', 'AuthenticAMD', 2, 1, 2],
  );
  assert.ok(cpu.flags.includes('avx2'));
  const mem = value(parseMeminfo(fx('machine/meminfo.txt')));
  assert.ok(mem.totalBytes > 20 * 2 ** 30 && mem.totalBytes < 25 * 2 ** 30);
});

void test('lshw, systemd-detect-virt, by-path', () => {
  const hw = value(parseLshw(fx('machine/lshw.json')));
  assert.equal(hw.memoryBytes, 25769803776);
  assert.equal(hw.product, undefined); // a VM without SMBIOS: lshw knows no product either
  assert.deepEqual(value(parseDetectVirt(fx('machine/systemd-detect-virt.txt'))), {
    type: 'docker',
    isVirtual: true,
  });
  assert.deepEqual(value(parseDetectVirt('none\n')), { type: 'none', isVirtual: false });
  const bp = value(
    parseByPath(
      JSON.stringify({
        'pci-0000:00:1f.2-ata-1': '../../sda',
        'pci-0000:00:1f.2-ata-1-part1': '../../sda1',
        'pci-0000:00:02.0': '../../vda',
      }),
    ),
  );
  assert.deepEqual(
    [...bp],
    [
      ['sda', ['/dev/disk/by-path/pci-0000:00:1f.2-ata-1']],
      ['vda', ['/dev/disk/by-path/pci-0000:00:02.0']],
    ],
  );
});

// Every parser on garbage and on its real fixture cut in the middle: a failure result, never a throw.
const parsers: [string, (t: string) => ParseResult<unknown>, string][] = [
  ['dmidecode', parseDmidecode, 'public/dmidecode-dell-r440.txt'],
  ['lsblk', parseLsblk, 'machine/lsblk.json'],
  ['smartctl', parseSmartctl, 'public/smartctl-nvme-intel.json'],
  ['nvme', parseNvmeList, 'public/smartctl-sas-seagate.json'],
  ['lspci', parseLspci, 'machine/lspci.txt'],
  ['ip', parseIpAddr, 'machine/ip-d-addr.json'],
  ['ethtool -i', parseEthtoolDriver, 'machine/ethtool-i-eth0.txt'],
  ['ethtool -P', parseEthtoolPermanent, 'machine/ethtool-P-eth0.txt'],
  ['ethtool', parseEthtoolLink, 'machine/ethtool-eth0.txt'],
  ['lldpctl', parseLldpctl, 'machine/lldpctl-neighbor.json'],
  ['ipmi lan', parseIpmiLan, 'machine/ipmi-sim-lan-print.txt'],
  ['ipmi mc', parseIpmiMc, 'machine/ipmi-sim-mc-info.txt'],
  ['ipmi fru', parseIpmiFru, 'machine/ipmi-sim-fru.txt'],
  ['cpuinfo', parseCpuinfo, 'machine/cpuinfo.txt'],
  ['meminfo', parseMeminfo, 'machine/meminfo.txt'],
  ['lshw', parseLshw, 'machine/lshw.json'],
  ['by-path', parseByPath, 'machine/lsblk.json'],
  ['detect-virt', parseDetectVirt, 'machine/systemd-detect-virt.txt'],
];

void test('garbage and truncated input → failure result, no exception', () => {
  const garbage = [
    '',
    '\n',
    'Segmentation fault\n',
    '\u0000\u0001\u00ff binary',
    '{"unexpected": true}\n',
    '[1,2,3]\n',
    'null\n',
  ];
  for (const [name, parse] of parsers) {
    for (const g of garbage) {
      const r = parse(g);
      assert.equal(r.ok, false, `${name} accepted garbage ${JSON.stringify(g)}`);
    }
  }
  for (const [name, parse, file] of parsers) {
    if (name === 'nvme' || name === 'by-path' || name === 'detect-virt') continue; // fixtures of another format
    const text = fx(file);
    let cut = Math.floor(text.length / 2);
    while (text[cut - 1] === '\n') cut++;
    const r = parse(text.slice(0, cut));
    assert.equal(r.ok, false, `${name} accepted truncated input`);
  }
});

// Pure pieces of the agent: kernel command line, lease files, backoff bounds, power-off rule, and the
// normalizer's verdicts (missing / failed / timeout / unparsable) on recorded raw runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCmdline } from '../../src/collect/cmdline.js';
import { backoffMs, dhcpServerFromLease } from '../../src/collect/find-master.js';
import { shouldPowerOff } from '../../src/collect/agent.js';
import { bootInterface, normalize } from '../../src/collect/normalize.js';
import type { NicInfo } from '../../src/shared/inventory/index.js';
import type { RawRun } from '../../src/collect/run-tools.js';
import { validateInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from './sample-inventory.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');

void test('kernel command line of a PXE-booted peer', () => {
  const line =
    'initrd=initrd-1 root=live:http://bang/install/recon/r.iso rd.live.ram=1 ksdevice=bootif BOOTIF=01-52-54-00-12-34-56 ' +
    'pxeaddr=192.168.219.1 postaction=liveboot recon.poweroff=never recon.lldpwait=5 console=ttyS0,115200n8\n';
  assert.deepEqual(parseCmdline(line), {
    pxeaddr: '192.168.219.1',
    bootMac: '52:54:00:12:34:56',
    postaction: 'liveboot',
    poweroff: 'never',
    lldpWaitSeconds: 5,
  });
  assert.deepEqual(parseCmdline('BOOT_IMAGE=/vmlinuz quiet'), {}); // the master's own cmdline
  assert.deepEqual(parseCmdline('pxeaddr=;rm BOOTIF=zz recon.poweroff=maybe recon.lldpwait=-3'), {});
  assert.equal(parseCmdline('recon.master=http://10.99.0.1:8080/').masterUrl, 'http://10.99.0.1:8080');
});

void test('DHCP server identifier from dhclient and networkd lease files', () => {
  const dhclient =
    'lease {\n  interface "eth0";\n  option dhcp-server-identifier 10.99.0.1;\n}\nlease {\n  option dhcp-server-identifier 10.99.0.2;\n}\n';
  assert.equal(dhcpServerFromLease(dhclient), '10.99.0.2'); // the newest lease is last
  assert.equal(dhcpServerFromLease('ADDRESS=10.99.0.150\nSERVER_ADDRESS=10.99.0.1\n'), '10.99.0.1');
  assert.equal(dhcpServerFromLease('garbage'), undefined);
});

void test('backoff grows to 30 s with ±30 % jitter', () => {
  assert.equal(
    backoffMs(0, () => 0.5),
    500,
  );
  assert.equal(
    backoffMs(3, () => 0.5),
    4000,
  );
  assert.equal(
    backoffMs(20, () => 0.5),
    30_000,
  );
  assert.equal(
    backoffMs(20, () => 0),
    21_000,
  );
  assert.equal(
    backoffMs(20, () => 1),
    39_000,
  );
});

void test('power-off rule: iff a BMC is present, unless overridden', () => {
  const withBmc = sampleInventory();
  const without = { ...sampleInventory(), bmc: { present: false, ipv6: [] } };
  assert.equal(shouldPowerOff('if-bmc', withBmc), true);
  assert.equal(shouldPowerOff('if-bmc', without), false);
  assert.equal(shouldPowerOff('always', without), true);
  assert.equal(shouldPowerOff('never', withBmc), false);
});

void test('normalizer: recorded raw runs → schema-valid inventory with explicit tool verdicts', () => {
  const run = (id: string, argv: string[], stdout: string, extra: Partial<RawRun> = {}): [string, RawRun] => [
    id,
    { id, argv, stdout, stderr: '', exitCode: 0, durationMs: 3, ...extra },
  ];
  const raws = new Map<string, RawRun>([
    run('dmidecode', ['dmidecode'], fx('public/dmidecode-dell-r440.txt')),
    run('ip', ['ip', '-j', '-d', 'addr'], fx('machine/ip-d-addr.json')),
    run('lsblk', ['lsblk'], fx('machine/lsblk.json')),
    run('smartctl:vda', ['smartctl', '-x', '-j', '/dev/vda'], fx('machine/smartctl-vda.json'), {
      exitCode: 1,
    }),
    run('cpuinfo', ['read', '/proc/cpuinfo'], fx('machine/cpuinfo.txt').slice(0, 500)), // truncated
    run('meminfo', ['read', '/proc/meminfo'], fx('machine/meminfo.txt')),
    run('lspci', ['lspci', '-vmmnnk'], '', { error: 'missing', exitCode: undefined }),
    run('lshw', ['lshw', '-json'], '', { error: 'timeout', exitCode: undefined }),
    run('ethtool:eth0', ['ethtool', 'eth0'], fx('machine/ethtool-eth0.txt')),
    run('ipmitool-lan', ['ipmitool', 'lan', 'print'], fx('machine/ipmi-sim-lan-print.txt')),
    run('ipmitool-mc', ['ipmitool', 'mc', 'info'], fx('machine/ipmi-sim-mc-info.txt')),
    run('efi', ['stat', '/sys/firmware/efi'], 'uefi\n'),
  ]);
  const inv = normalize(raws, {
    version: 't',
    collectedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    bootMac: '02:fc:00:00:00:01',
  });
  const v = validateInventory(inv);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(inv.system.product, 'PowerEdge R440');
  assert.equal(inv.cpu.sockets, 1);
  assert.equal(inv.cpu.cores, 20);
  assert.equal(inv.cpu.threads, undefined); // cpuinfo was truncated: unknown, not 1
  assert.equal(inv.memory.installedBytes, 32 * 2 ** 30);
  assert.equal(inv.tools.cpuinfo?.status, 'unparsable');
  assert.equal(inv.tools.lspci?.status, 'missing');
  assert.equal(inv.tools.lshw?.status, 'timeout');
  assert.equal(inv.tools['smartctl:vda']?.status, 'failed');
  assert.match(inv.tools['smartctl:vda']?.stderr ?? '', /Unable to detect device type/);
  assert.equal(inv.disks[0]?.smart, undefined);
  assert.equal(inv.boot.mode, 'uefi');
  assert.equal(inv.boot.pxeInterface, 'eth0');
  assert.equal(inv.nics.find((n) => n.name === 'eth0')?.link, true);
  assert.deepEqual(
    {
      present: inv.bmc.present,
      ipv4: inv.bmc.ipv4,
      mac: inv.bmc.mac,
      firmware: inv.bmc.firmware,
      ipmi: inv.bmc.ipmiVersion,
    },
    { present: true, ipv4: '10.99.0.250', mac: '52:54:00:aa:bb:cc', firmware: '9.08', ipmi: '2.0' },
  );
});

void test('boot NIC: the burnt-in MAC decides, never the bond or bridge that shows the same MAC', () => {
  const nic = (name: string, kind: string, mac: string, permanentMac?: string): NicInfo => ({
    name,
    kind,
    mac,
    ...(permanentMac ? { permanentMac } : {}),
    ipv4: [],
    ipv6: [],
  });
  // an active-backup bond: both members and the bond carry eno1's MAC; ethtool -P tells the members apart
  const bonded = [
    nic('eno1', 'ether', '3c:ec:ef:00:00:01', '3c:ec:ef:00:00:01'),
    nic('eno2', 'ether', '3c:ec:ef:00:00:01', '3c:ec:ef:00:00:02'),
    nic('bond0', 'bond', '3c:ec:ef:00:00:01'),
  ];
  const table: [NicInfo[], string | undefined, string | undefined][] = [
    [bonded, '3c:ec:ef:00:00:02', 'eno2'], // booted from the second member: only its permanent MAC says so
    [bonded, '3c:ec:ef:00:00:01', 'eno1'],
    // no permanent MAC known: a NIC, not the bond listed before it
    [
      [nic('bond0', 'bond', 'aa:00:00:00:00:01'), nic('eth0', 'veth', 'aa:00:00:00:00:01')],
      'aa:00:00:00:00:01',
      'eth0',
    ],
    [[nic('br0', 'bridge', 'aa:00:00:00:00:01')], 'aa:00:00:00:00:01', 'br0'], // only the bridge has it
    [bonded, '3c:ec:ef:00:00:09', undefined],
    [bonded, undefined, undefined],
  ];
  for (const [nics, mac, want] of table) assert.equal(bootInterface(nics, mac), want, `${mac}`);
});

void test('garbage from every source: each one is an unparsable tools entry, never data, never a crash', () => {
  const GARBAGE = 'Segmentation fault (core dumped)\n\u0000\u00ff{';
  const ids = [
    'dmidecode',
    'lshw',
    'lspci',
    'nvme',
    'virt',
    'cpuinfo',
    'meminfo',
    'by-path',
    'efi',
    'ethtool-i:eth0',
    'ethtool-P:eth0',
    'ethtool:eth0',
    'smartctl:vda',
    'ipmitool-lan',
    'ipmitool-mc',
    'ipmitool-fru',
    'lldpctl',
  ];
  const raw = (id: string, stdout: string): [string, RawRun] => [
    id,
    { id, argv: [id.split(':')[0]!], stdout, stderr: '', exitCode: 0, durationMs: 1 },
  ];
  // ip and lsblk are real (so the per-NIC and per-disk sources are asked for); everything else is garbage
  const raws = new Map<string, RawRun>([
    raw('ip', fx('machine/ip-d-addr.json')),
    raw('lsblk', fx('machine/lsblk.json')),
    ...ids.map((id) => raw(id, GARBAGE)),
  ]);
  const meta = { version: 't', collectedAt: '2026-01-01T00:00:00.000Z', durationMs: 1 };
  const inv = normalize(raws, meta);
  assert.equal(validateInventory(inv).ok, true);
  for (const id of ids) {
    assert.equal(inv.tools[id]?.status, 'unparsable', id);
    assert.ok((inv.tools[id]?.stderr ?? '').length > 0, `${id}: says why`);
  }
  assert.equal(inv.system.vendor, undefined);
  assert.equal(inv.cpu.threads, undefined);
  assert.equal(inv.memory.totalBytes, undefined);
  assert.equal(inv.bmc.present, false);
  assert.equal(inv.boot.mode, 'unknown');
  const eth0 = inv.nics.find((n) => n.name === 'eth0');
  assert.deepEqual([eth0?.driver, eth0?.speedMbps, eth0?.lldp], [undefined, undefined, undefined]);
  assert.equal(inv.disks[0]?.smart, undefined);

  // and the two that decide what else runs
  const bare = normalize(new Map([raw('ip', GARBAGE), raw('lsblk', GARBAGE)]), meta);
  assert.equal(validateInventory(bare).ok, true);
  assert.deepEqual([bare.tools.ip?.status, bare.tools.lsblk?.status], ['unparsable', 'unparsable']);
  assert.deepEqual([bare.nics, bare.disks], [[], []]);
});

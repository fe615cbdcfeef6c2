// Real firmware against recon's DHCPv4 server, under QEMU TCG: SeaBIOS with the iPXE NIC ROM, and
// OVMF's own EDK2 PXE client (NIC ROM disabled). Only DHCP is asserted; the boot stops at TFTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { needs } from '../helpers/needs.js';
import { NetnsRig } from '../helpers/netns.js';
import { ReconDhcp4, rigConfig, tempDir } from '../helpers/dhcp4-rig.js';

const OVMF = '/usr/share/ovmf/OVMF.fd';
const skip = needs({ root: true, tools: ['qemu-system-x86_64'] });

let rig: NetnsRig;
let recon: ReconDhcp4;

before(async () => {
  if (skip) return;
  rig = await NetnsRig.create('d4f');
  recon = await ReconDhcp4.start(rig, rigConfig(tempDir('d4f'), {}));
});

after(async () => {
  if (skip) return;
  await recon?.stop();
  await rig?.teardown();
});

async function boot(mac: string, nic: string, extra: string[]): Promise<() => void> {
  const tap = await rig.addTap();
  const vm = rig.spawn(rig.masterNs, [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-m',
    '256',
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    'null',
    '-monitor',
    'none',
    '-netdev',
    `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    '-device',
    `${nic},netdev=n0,mac=${mac},bootindex=1`,
    '-boot',
    'n',
    '-no-reboot',
    ...extra,
  ]);
  return () => vm.kill('SIGKILL');
}

void test(
  'SeaBIOS + iPXE NIC ROM gets an address and the iPXE menu URL at once (no ProxyDHCP wait)',
  { skip, timeout: 90_000 },
  async () => {
    const mac = '52:54:00:12:34:56';
    const kill = await boot(mac, 'virtio-net-pci', []);
    try {
      const disc = await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === mac, 60_000);
      assert.ok(disc.type === 'dhcp.discover' && disc.data.firmware === 'ipxe', JSON.stringify(disc));
      const lease = await recon.waitFor((e) => e.type === 'lease.granted' && e.data.mac === mac, 60_000);
      assert.ok(lease.type === 'lease.granted' && lease.data.bootFile === 'http://10.99.0.1:8080/menu.ipxe');
      // without no-pxedhcp in the offer iPXE holds it until ≥ 3 s after its DISCOVER (its retransmit at 1 s,
      // then past its 2 s ProxyDHCP wait); with it, the REQUEST follows the offer
      const discoverToLease = Date.parse(lease.at) - Date.parse(disc.at);
      assert.ok(discoverToLease < 2500, `iPXE took ${discoverToLease} ms from DISCOVER to lease`);
    } finally {
      kill();
    }
  },
);

void test(
  'OVMF (EDK2 PXE, no NIC ROM) gets an address and ipxe.efi',
  { skip: skip || (!existsSync(OVMF) && 'skipped: needs ovmf'), timeout: 90_000 },
  async () => {
    const mac = '52:54:00:12:34:58';
    const kill = await boot(mac, 'virtio-net-pci,romfile=', ['-machine', 'q35', '-bios', OVMF]);
    try {
      const disc = await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === mac, 75_000);
      assert.ok(
        disc.type === 'dhcp.discover' && disc.data.firmware === 'uefi' && disc.data.arch === 7,
        JSON.stringify(disc),
      );
      const lease = await recon.waitFor((e) => e.type === 'lease.granted' && e.data.mac === mac, 30_000);
      assert.ok(lease.type === 'lease.granted' && lease.data.bootFile === 'ipxe.efi', JSON.stringify(lease));
    } finally {
      kill();
    }
  },
);

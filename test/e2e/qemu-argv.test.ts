// The QEMU command line of a lab VM (pure): each firmware path gets its machine, firmware image and NIC ROM
// choice; lab VM names, MACs and firmware follow from their number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuArgv, type VmSpec } from '../../src/lab/vm/qemu.js';
import { labVmFirmware, labVmMac } from '../../src/lab/vm/qemu-peers.js';

const spec = (over: Partial<VmSpec>): VmSpec => ({
  name: 'vm3',
  mac: '52:54:00:9e:00:03',
  tap: 'rqvm3',
  firmware: 'bios-ipxe',
  serialLog: '/var/log/vm3.log',
  ...over,
});
const after = (argv: string[], flag: string): string[] =>
  argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

void test('SeaBIOS keeps the iPXE NIC ROM; OVMF drops it so EDK2 PXE boots', () => {
  const bios = qemuArgv(spec({ disk: '/images/d.img' }));
  assert.deepEqual(after(bios, '-machine'), ['pc']);
  assert.deepEqual(after(bios, '-bios'), []);
  assert.deepEqual(after(bios, '-device'), [
    'virtio-net-pci,netdev=n0,mac=52:54:00:9e:00:03,bootindex=1',
    'virtio-blk-pci,drive=d0',
  ]);
  assert.deepEqual(after(bios, '-drive'), ['file=/images/d.img,if=none,id=d0,format=raw,readonly=on']);
  const uefi = qemuArgv(spec({ firmware: 'uefi-pxe', ovmf: '/fw/OVMF.fd' }));
  assert.deepEqual(after(uefi, '-machine'), ['q35']);
  assert.deepEqual(after(uefi, '-bios'), ['/fw/OVMF.fd']);
  assert.deepEqual(after(uefi, '-device'), [
    'virtio-net-pci,netdev=n0,mac=52:54:00:9e:00:03,bootindex=1,romfile=',
  ]);
  for (const argv of [bios, uefi]) {
    assert.deepEqual(after(argv, '-netdev'), ['tap,id=n0,ifname=rqvm3,script=no,downscript=no']);
    assert.deepEqual(after(argv, '-serial'), ['file:/var/log/vm3.log']);
    assert.deepEqual(after(argv, '-accel'), ['tcg']);
    assert.ok(argv.includes('-no-reboot'), 'a guest reboot must end QEMU');
  }
});

void test('OVMF is required for the UEFI path', () => {
  assert.throws(() => qemuArgv(spec({ firmware: 'uefi-pxe' })), /needs an OVMF image/);
});

void test('Secure Boot VM: SMM, flash writes only from SMM, the secboot code and its own vars, no NIC ROM', () => {
  const sb = qemuArgv(spec({ firmware: 'uefi-sb', ovmfVars: '/vm/vm3-vars.fd' }));
  assert.deepEqual(after(sb, '-machine'), ['q35,smm=on']);
  assert.deepEqual(after(sb, '-bios'), []);
  assert.deepEqual(after(sb, '-global'), [
    'driver=cfi.pflash01,property=secure,value=on',
    'ICH9-LPC.disable_s3=1',
  ]);
  assert.deepEqual(after(sb, '-drive'), [
    'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
    'if=pflash,format=raw,unit=1,file=/vm/vm3-vars.fd',
  ]);
  assert.ok(after(sb, '-device')[0]!.endsWith(',romfile='), 'the NIC ROM (unsigned iPXE) must not run');
  assert.throws(() => qemuArgv(spec({ firmware: 'uefi-sb' })), /own vars copy/);
});

void test('lab VM MACs are unique per number; firmware alternates BIOS / UEFI', () => {
  assert.equal(labVmMac(0), '52:54:00:9e:00:00');
  assert.equal(labVmMac(258), '52:54:00:9e:01:02');
  assert.deepEqual([0, 1, 2, 3].map(labVmFirmware), ['bios-ipxe', 'uefi-pxe', 'bios-ipxe', 'uefi-pxe']);
});

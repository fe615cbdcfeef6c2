// Real firmware through recon's boot services, under QEMU TCG: SeaBIOS with the iPXE NIC ROM, and OVMF
// with its own EDK2 PXE client (NIC ROM removed, so ipxe.efi comes by TFTP). Each VM gets its lease from
// recon's DHCP, loads menu.ipxe, then the Debian kernel + a busybox initramfs by HTTP; the initramfs
// prints a marker with its kernel command line on the serial port and powers off, which ends QEMU.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOT_MARKER } from '../../src/lab/vm/init-script.js';
import { startQemuPeers, type QemuPeers } from '../../src/lab/vm/qemu-peers.js';
import { plainSerial, type VmFirmware } from '../../src/lab/vm/qemu.js';
import type { LabVmImage } from '../../src/lab/vm/build.js';
import type { RunningMaster } from '../helpers/master.js';
import { NetnsRig } from '../helpers/netns.js';
import { EventRecorder, labImage, startRigMaster, vmSkip } from './vm-rig.js';

const skip = vmSkip();
let image: LabVmImage | string = 'skipped: not built';
let rig: NetnsRig | undefined;
let master: RunningMaster | undefined;
let events: EventRecorder | undefined;

before(async () => {
  if (skip) return;
  image = await labImage('marker');
  if (typeof image === 'string') return;
  rig = await NetnsRig.create('fw');
  // iPXE on both: OVMF without Secure Boot runs ipxe.efi (the signed chain has its own test, secure-boot)
  master = await startRigMaster(rig, image, { uefi: 'ipxe' });
  events = await EventRecorder.open(master.socket);
});

after(async () => {
  events?.close();
  await master?.stop();
  await rig?.teardown();
  if (master) await rm(master.dir, { recursive: true, force: true });
});

async function bootToMarker(firmware: VmFirmware, index: number): Promise<void> {
  assert.ok(rig && master && events);
  let peers: QemuPeers | undefined;
  try {
    peers = await startQemuPeers({
      count: 1,
      firstIndex: index,
      netns: rig.masterNs,
      bridge: 'br0',
      workDir: join(master.dir, `vm-${firmware}`),
      firmware: () => firmware,
    });
    const vm = peers.vms[0]!;
    const mac = vm.spec.mac;
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      vm.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('VM did not power off')), 150_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const serial = plainSerial(await readFile(vm.spec.serialLog, 'latin1'));
    assert.equal(exit.code, 0, `qemu: ${vm.stderr()}\nserial:\n${serial.slice(-3000)}`);
    const marker = new RegExp(`${BOOT_MARKER} .*cmdline=(.*)`).exec(serial);
    assert.ok(marker, `no marker on the serial log:\n${serial.slice(-3000)}`);
    // the kernel command line is the one recon's menu.ipxe built for this very NIC
    assert.match(marker[1]!, new RegExp(`BOOTIF=01-${mac.replace(/:/g, '-')}`));
    assert.match(marker[1]!, /pxeaddr=10\.99\.0\.1 /);
    const mine = (kind: string) =>
      events!.events.find((e) => e.type === 'transfer.start' && e.data.mac === mac && e.data.kind === kind);
    assert.ok(events.events.some((e) => e.type === 'lease.granted' && e.data.mac === mac));
    for (const kind of ['menu', 'kernel', 'initrd']) assert.ok(mine(kind), `no ${kind} transfer for ${mac}`);
    if (firmware === 'uefi-pxe') {
      assert.ok(mine('bootloader'), 'EDK2 PXE fetched no boot loader by TFTP');
      assert.match(serial, /Start PXE over IPv4/);
    } else assert.match(serial, /iPXE/);
  } finally {
    await peers?.stop();
  }
}

void test(
  'SeaBIOS + iPXE ROM boots recon menu → kernel + initrd → marker',
  { skip, timeout: 200_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    await bootToMarker('bios-ipxe', 0);
  },
);

void test(
  'OVMF EDK2 PXE → TFTP ipxe.efi → menu → kernel + initrd → marker',
  { skip, timeout: 200_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    await bootToMarker('uefi-pxe', 1);
  },
);

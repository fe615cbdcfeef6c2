// The whole chain with real firmware under QEMU TCG, two VMs at once: SeaBIOS + iPXE ROM, and OVMF's own
// EDK2 PXE client (which fetches ipxe.efi by TFTP). Each gets its lease from recon, loads menu.ipxe, the
// Debian kernel + the collector initramfs by HTTP, fetches and verifies post.tgz, runs the real collector,
// uploads its inventory and waits; the test then sends the console's shutdown action, the peer's
// long-poll answers `shutdown`, the VM powers off and QEMU exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INIT_TAG } from '../../src/lab/vm/init-script.js';
import { startQemuPeers, type QemuPeers } from '../../src/lab/vm/qemu-peers.js';
import { plainSerial, type VmFirmware } from '../../src/lab/vm/qemu.js';
import { chainTimings } from '../../src/lab/vm/timings.js';
import type { LabVmImage } from '../../src/lab/vm/build.js';
import type { ReconEvent } from '../../src/model/events.js';
import { PEER_STAGES } from '../../src/net/http/peer-api.js';
import { validateInventory, type Inventory } from '../../src/shared/inventory/index.js';
import type { RunningMaster } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { NetnsRig } from '../helpers/netns.js';
import { collectThenShutdown, EventRecorder, labImage, stageIs, startRigMaster, vmSkip } from './vm-rig.js';

// the VM image carries this machine's dmidecode when it has one: the SMBIOS serial below is read through it
const skip = vmSkip({ postTgz: true }) || needs({ tools: ['dmidecode'] });
const FIRMWARES: VmFirmware[] = ['bios-ipxe', 'uefi-pxe'];
/** from QEMU start to the inventory on the master, per VM, with both VMs sharing the CPUs */
const INVENTORY_WITHIN_MS = 200_000;
let image: LabVmImage | string = 'skipped: not built';
let rig: NetnsRig | undefined;
let master: RunningMaster | undefined;
let events: EventRecorder | undefined;
let peers: QemuPeers | undefined;

before(async () => {
  if (skip) return;
  image = await labImage('collector');
  if (typeof image === 'string') return;
  rig = await NetnsRig.create('cc');
  master = await startRigMaster(rig, image);
  events = await EventRecorder.open(master.socket);
});

after(async () => {
  await peers?.stop();
  events?.close();
  await master?.stop();
  await rig?.teardown();
  if (master) await rm(master.dir, { recursive: true, force: true });
});

void test(
  'BIOS iPXE + UEFI PXE VMs: recon → collector → inventory → console shutdown → QEMU exits 0',
  { skip, timeout: 280_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    assert.ok(rig && master && events);
    const started = Date.now();
    peers = await startQemuPeers({
      count: FIRMWARES.length,
      netns: rig.masterNs,
      bridge: 'br0',
      workDir: join(master.dir, 'vms'),
      firmware: (i) => FIRMWARES[i]!,
    });
    const outcomes = await Promise.allSettled(
      peers.vms.map((vm) => collectThenShutdown(events!, vm, INVENTORY_WITHIN_MS)),
    );
    const serials = await Promise.all(
      peers.vms.map(async (vm) => plainSerial(await readFile(vm.spec.serialLog, 'latin1').catch(() => ''))),
    );
    outcomes.forEach((o, i) => {
      const vm = peers!.vms[i]!;
      const why = `${vm.spec.firmware}: qemu stderr ${vm.stderr()}\nserial:\n${serials[i]!.slice(-4000)}`;
      assert.equal(o.status, 'fulfilled', `${o.status === 'rejected' ? String(o.reason) : ''}\n${why}`);
      if (o.status === 'fulfilled') assert.equal(o.value.code, 0, why);
    });
    t.diagnostic(`both VMs through the chain and off in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const seen = events.events;
    for (const [i, vm] of peers.vms.entries()) {
      const mac = vm.spec.mac;
      const serial = serials[i]!;
      const mine = (type: string, pred: (e: ReconEvent) => boolean = () => true) =>
        seen.filter((e) => e.type === type && 'mac' in e.data && e.data.mac === mac && pred(e));
      // the master's data dir: one schema-valid inventory for this very NIC
      const inv: unknown = JSON.parse(
        await readFile(join(master.dir, 'data', 'nodes', mac, 'inventory.json'), 'utf8'),
      );
      const valid = validateInventory(inv);
      assert.equal(valid.ok, true, `${mac}: ${JSON.stringify(valid)}`);
      const doc = inv as Inventory;
      assert.ok(
        doc.nics.some((n) => n.mac === mac),
        `${mac} missing from its inventory's NICs`,
      );
      // the SMBIOS strings QEMU was given reach the inventory through the guest's dmidecode
      assert.equal(doc.system.serial, vm.spec.name);

      // events: lease, the transfers of the chain, the stored inventory, the peer's own stages
      assert.equal(
        mine('lease.granted', (e) => e.type === 'lease.granted' && e.data.family === 4).length > 0,
        true,
      );
      const doneIds = new Set(seen.flatMap((e) => (e.type === 'transfer.done' ? [e.data.id] : [])));
      const kinds = new Set(
        seen.flatMap((e) =>
          e.type === 'transfer.start' && e.data.mac === mac && doneIds.has(e.data.id) ? [e.data.kind] : [],
        ),
      );
      for (const k of ['menu', 'kernel', 'initrd'] as const)
        assert.ok(kinds.has(k), `${mac}: no ${k} transfer`);
      if (vm.spec.firmware === 'uefi-pxe') assert.ok(kinds.has('bootloader'), `${mac}: no ipxe.efi by TFTP`);
      assert.equal(mine('inventory.stored').length, 1, `${mac}: inventory stored once`);
      for (const stage of PEER_STAGES)
        assert.ok(
          seen.some(stageIs(mac, stage)),
          `${mac}: no ${stage} stage; serial:\n${serial.slice(-1500)}`,
        );
      assert.ok(mine('command.delivered').length > 0, `${mac}: shutdown never delivered`);

      // serial log: firmware, the initramfs and the collector's own lines
      assert.match(serial, vm.spec.firmware === 'uefi-pxe' ? /Start PXE over IPv4/ : /iPXE/);
      assert.match(serial, new RegExp(`${INIT_TAG} post\\.tgz verified`));
      assert.match(serial, /recon-post: running collector/);
      assert.match(serial, /recon-collect: inventory stored by master/);
      assert.match(serial, /recon-collect: powering off/);

      const tm = chainTimings(seen, mac);
      t.diagnostic(`${vm.spec.firmware} ${mac}: ${tm.steps.map((s) => `${s.step} ${s.ms} ms`).join(', ')}`);
      assert.ok(tm.uploadMs !== undefined && tm.uploadMs > 0, `${mac}: incomplete timings`);
    }
  },
);

// recon's DHCPv4 answers under boot.uefi=shim-grub, seen by busybox udhcpc in a network namespace: a UEFI
// x64 PXE client gets shimx64.efi in the BOOTP `file` field (where shim finds its directory, so GRUB comes
// from the same place) with the master as next-server, and option 67 only when asked; a UEFI HTTP boot
// client gets an address and no boot file (a Secure Boot firmware refuses iPXE, and shim over HTTP leaves
// GRUB without its config); BIOS keeps undionly.kpxe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../helpers/needs.js';
import { NetnsRig, type Peer } from '../helpers/netns.js';
import { ReconDhcp4, rigConfig, tempDir, udhcpc } from '../helpers/dhcp4-rig.js';

const skip = needs({ root: true, tools: ['busybox'] });
const UEFI = ['-V', 'PXEClient:Arch:00007:UNDI:003016', '-x', '0x5d:0007', '-O', '67'];
const UEFI_NO_67 = ['-V', 'PXEClient:Arch:00009:UNDI:003016', '-x', '0x5d:0009'];
const HTTP_BOOT = ['-V', 'HTTPClient:Arch:00016:UNDI:003001', '-x', '0x5d:0010', '-O', '67'];
const BIOS = ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '93:0000', '-O', '67'];

let rig: NetnsRig;
let recon: ReconDhcp4;
const peers: Peer[] = [];

before(async () => {
  if (skip) return;
  rig = await NetnsRig.create('d4sb');
  for (let i = 0; i < 4; i++) peers.push(await rig.addPeer(`52:54:00:ab:00:0${i}`));
  recon = await ReconDhcp4.start(rig, rigConfig(tempDir('d4sb'), { boot: { uefi: 'shim-grub' } }));
});

after(async () => {
  if (skip) return;
  await recon?.stop();
  await rig?.teardown();
});

void test(
  'boot.uefi=shim-grub: shim in the BOOTP file field, no answer file for HTTP boot',
  { skip },
  async () => {
    const uefi = await udhcpc(rig, peers[0]!.ns, UEFI);
    assert.equal(uefi.code, 0, uefi.stderr);
    assert.equal(uefi.bound?.boot_file, 'shimx64.efi');
    assert.equal(uefi.bound?.bootfile, 'shimx64.efi');
    assert.equal(uefi.bound?.siaddr, '10.99.0.1');
    // no option 67 asked for: the file field alone carries it
    const arch9 = await udhcpc(rig, peers[1]!.ns, UEFI_NO_67);
    assert.equal(arch9.bound?.boot_file, 'shimx64.efi');
    assert.equal(arch9.bound?.bootfile, undefined);
    const offer = await recon.waitFor((e) => e.type === 'dhcp.offer' && e.data.mac === '52:54:00:ab:00:00');
    assert.equal(offer.type === 'dhcp.offer' && offer.data.chain, 'shim-grub');
    const http = await udhcpc(rig, peers[2]!.ns, HTTP_BOOT);
    assert.equal(http.code, 0, http.stderr);
    assert.ok(http.bound?.ip?.startsWith('10.99.0.'), 'an address all the same');
    assert.equal(http.bound?.boot_file ?? '', '');
    assert.equal(http.bound?.bootfile, undefined);
    const bios = await udhcpc(rig, peers[3]!.ns, BIOS);
    assert.equal(bios.bound?.boot_file, 'undionly.kpxe');
  },
);

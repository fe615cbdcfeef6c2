// recon's DHCPv4 server against real clients (busybox udhcpc, isc dhclient) in network namespaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../helpers/needs.js';
import { NetnsRig, type Peer } from '../helpers/netns.js';
import { ReconDhcp4, dhclient, rigConfig, tempDir, udhcpc } from '../helpers/dhcp4-rig.js';

const skip = needs({ root: true, tools: ['busybox', 'dhclient'] });
const BIOS = ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '93:0000', '-O', '66', '-O', '67', '-O', '43'];
const UEFI = ['-V', 'PXEClient:Arch:00007:UNDI:003016', '-x', '0x5d:0007', '-O', '67'];

let rig: NetnsRig;
let recon: ReconDhcp4;
let dataDir: string;
const peers: Peer[] = [];
const RESERVED_MAC = '52:54:00:aa:00:09';

before(async () => {
  if (skip) return;
  rig = await NetnsRig.create('d4c');
  for (let i = 0; i < 5; i++) peers.push(await rig.addPeer(`52:54:00:aa:00:0${i}`));
  peers.push(await rig.addPeer(RESERVED_MAC));
  dataDir = tempDir('d4c');
  recon = await ReconDhcp4.start(
    rig,
    rigConfig(dataDir, {
      ipv4: { reservations: [{ mac: RESERVED_MAC, ip: '10.99.0.42', hostname: 'rack1-n9' }] },
    }),
  );
});

after(async () => {
  if (skip) return;
  await recon?.stop();
  await rig?.teardown();
});

function inPool(ip: string | undefined): boolean {
  const last = Number(ip?.split('.')[3]);
  return ip?.startsWith('10.99.0.') === true && last >= 100 && last <= 200;
}

void test(
  'udhcpc as a BIOS PXE ROM gets a lease and undionly.kpxe in file and option 67',
  { skip },
  async () => {
    const r = await udhcpc(rig, peers[0]!.ns, BIOS);
    assert.equal(r.code, 0, r.stderr);
    const b = r.bound!;
    assert.ok(inPool(b.ip), `ip ${b.ip}`);
    assert.equal(b.boot_file, 'undionly.kpxe');
    assert.equal(b.bootfile, 'undionly.kpxe');
    assert.equal(b.siaddr, '10.99.0.1');
    assert.equal(b.serverid, '10.99.0.1');
    assert.equal(b.router, '10.99.0.1');
    assert.equal(b.dns, '10.99.0.1');
    assert.equal(b.subnet, '255.255.255.0');
    assert.equal(b.tftp, '10.99.0.1');
    const granted = await recon.waitFor(
      (e) => e.type === 'lease.granted' && e.data.mac === '52:54:00:aa:00:00',
    );
    assert.equal(granted.type === 'lease.granted' && granted.data.ip, b.ip);
    const disc = await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === '52:54:00:aa:00:00');
    assert.ok(disc.type === 'dhcp.discover' && disc.data.firmware === 'bios' && disc.data.arch === 0);
  },
);

void test('udhcpc as a UEFI x64 PXE client gets ipxe.efi', { skip }, async () => {
  const r = await udhcpc(rig, peers[1]!.ns, UEFI);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(inPool(r.bound?.ip));
  assert.equal(r.bound?.boot_file, 'ipxe.efi');
  assert.equal(r.bound?.bootfile, 'ipxe.efi');
  const disc = await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === '52:54:00:aa:00:01');
  assert.ok(disc.type === 'dhcp.discover' && disc.data.firmware === 'uefi' && disc.data.arch === 7);
});

void test(
  'udhcpc as iPXE (user class iPXE) gets the HTTP menu, never the iPXE binary again',
  { skip },
  async () => {
    const r = await udhcpc(rig, peers[2]!.ns, [...BIOS, '-x', '77:69505845']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.bound?.boot_file, 'http://10.99.0.1:8080/menu.ipxe');
    assert.equal(r.bound?.bootfile, 'http://10.99.0.1:8080/menu.ipxe');
    const disc = await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === '52:54:00:aa:00:02');
    assert.ok(
      disc.type === 'dhcp.discover' && disc.data.firmware === 'ipxe' && disc.data.userClass === 'iPXE',
    );
  },
);

void test('udhcpc as iPXE (option 175 encapsulated) gets the HTTP menu', { skip }, async () => {
  // 175: sub-option 19 (bus id) like iPXE sends; UEFI arch so the non-iPXE answer would differ
  const r = await udhcpc(rig, peers[3]!.ns, [...UEFI, '-x', '175:1301011701011503010001']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.bound?.boot_file, 'http://10.99.0.1:8080/menu.ipxe');
});

void test('a reservation gives its address and host name', { skip }, async () => {
  const r = await udhcpc(rig, peers[5]!.ns, BIOS);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.bound?.ip, '10.99.0.42');
  assert.equal(r.bound?.hostname, 'rack1-n9');
});

void test('dhclient -4: full cycle, then release (-r) frees the lease', { skip }, async () => {
  const d = dhclient(rig, peers[4]!.ns);
  const up = await d.run(['-1', 'eth0']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /DHCPACK of 10\.99\.0\.\d+ from 10\.99\.0\.1/);
  assert.match(d.log(), /new_filename=undionly\.kpxe/);
  assert.match(d.log(), /new_domain_name=recon\.internal/);
  const granted = await recon.waitFor(
    (e) => e.type === 'lease.granted' && e.data.mac === '52:54:00:aa:00:04',
  );
  const ip = granted.type === 'lease.granted' ? granted.data.ip : '';
  assert.match(d.log(), new RegExp(`new_ip_address=${ip.replace(/\./g, '\\.')}`));
  const rel = await d.run(['-r', 'eth0']);
  assert.equal(rel.code, 0, rel.stderr);
  const released = await recon.waitFor(
    (e) => e.type === 'lease.released' && e.data.mac === '52:54:00:aa:00:04',
  );
  assert.ok(released.type === 'lease.released' && released.data.ip === ip);
});

void test(
  'a restarted server gives the same address back (INIT-REBOOT and a new DISCOVER)',
  { skip },
  async () => {
    const first = await udhcpc(rig, peers[0]!.ns, BIOS);
    const ip = first.bound?.ip;
    assert.ok(inPool(ip));
    await recon.stop();
    recon = await ReconDhcp4.start(rig, rigConfig(dataDir, {}));
    // udhcpc -r asks for its old address (INIT-REBOOT style); a plain DISCOVER must get it back too
    const again = await udhcpc(rig, peers[0]!.ns, [...BIOS, '-r', ip!]);
    assert.equal(again.bound?.ip, ip);
    const plain = await udhcpc(rig, peers[0]!.ns, BIOS);
    assert.equal(plain.bound?.ip, ip);
  },
);

// What the Secure Boot chain asks recon's TFTP for, fetched with tftp-hpa from a peer namespace:
// shimx64.efi and grubx64.efi from the signed dirs under the names shim expects, grub/grub.cfg generated
// for the requesting client's MAC (from its lease; a stranger gets a config that waits and asks again),
// and the live image's kernel and initrd under the HTTP image path. Nothing else of the image dir is served.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { NetnsRig, type Peer } from '../helpers/netns.js';
import { ServiceProcess } from '../fixtures/tftp/service-process.js';

const skip = needs({ root: true, tools: ['ip', 'tftp'] });
const PEER_IP = '10.99.0.51';
const PEER_MAC = '52:54:00:aa:bb:51';

let rig: NetnsRig;
let peer: Peer;
let dir: string;
let tftp: ServiceProcess | undefined;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-tftp-sb-'));
  for (const d of ['root', 'signed', 'install/recon', 'out']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'signed', 'shimx64.efi.signed'), 'shim bytes');
  await writeFile(join(dir, 'signed', 'grubnetx64.efi.signed'), 'network grub bytes');
  // the disk GRUB has the wrong prefix: never served as grubx64.efi
  await writeFile(join(dir, 'signed', 'grubx64.efi.signed'), 'disk grub bytes');
  await writeFile(join(dir, 'install/recon', 'recon.x86_64-1.2.3.iso'), 'iso');
  await writeFile(join(dir, 'install/recon', 'vmlinuz-1.2.3'), 'kernel bytes');
  await writeFile(join(dir, 'install/recon', 'initrd-1.2.3'), 'initrd bytes');
  await writeFile(join(dir, 'install/recon', 'notes.txt'), 'not a boot file');
  rig = await NetnsRig.create('tftpsb');
  peer = await rig.addPeer(PEER_MAC);
  await rig.exec(peer.ns, ['ip', 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0']);
  tftp = await ServiceProcess.start(rig, 'tftp', {
    interface: 'br0',
    ipv4: { address: '10.99.0.1', prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
    ipv6: { enabled: false },
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'root'),
    http: { roots: { '/install': join(dir, 'install') } },
    boot: { signedDirs: [join(dir, 'signed')], extraArgs: ['quiet'] },
  });
});

after(async () => {
  if (skip) return;
  await tftp?.stop();
  await rig?.teardown();
  await rm(dir, { recursive: true, force: true });
});

/** tftp-hpa get from the peer; the file's text, or the client's complaint. */
async function get(name: string): Promise<string> {
  const local = join(dir, 'out', name.replace(/\//g, '_'));
  await rm(local, { force: true });
  const r = await rig.exec(peer.ns, ['tftp', '-m', 'binary', '10.99.0.1', '-c', 'get', name, local], {
    timeoutMs: 20_000,
  });
  const text = await readFile(local, 'utf8').catch(() => undefined);
  return text !== undefined && !/Error code/.test(r.stdout + r.stderr)
    ? text
    : `ERROR ${r.stdout}${r.stderr}`;
}

void test(
  'signed shim and network GRUB, per-client grub.cfg, kernel and initrd by TFTP',
  { skip },
  async () => {
    // a stranger (no lease): told to wait, the config asks again
    assert.match(
      await get('grub/grub.cfg'),
      /cannot boot yet: no lease for 10\.99\.0\.51[\s\S]*configfile \(tftp,10\.99\.0\.1\)\/grub\/grub\.cfg/,
    );
    await tftp!.emit({
      type: 'dhcp.discover',
      data: {
        mac: PEER_MAC,
        family: 4,
        firmware: 'uefi',
        arch: 7,
        vendorClass: 'PXEClient:Arch:00007:UNDI:003000',
      },
    });
    await tftp!.emit({
      type: 'lease.granted',
      data: {
        mac: PEER_MAC,
        family: 4,
        ip: PEER_IP,
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      },
    });
    assert.equal(await get('shimx64.efi'), 'shim bytes');
    assert.equal(await get('grubx64.efi'), 'network grub bytes');
    const cfg = await get('/grub/grub.cfg');
    assert.match(
      cfg,
      /^linux \(tftp,10\.99\.0\.1\)\/install\/recon\/vmlinuz-1\.2\.3 .*BOOTIF=01-52-54-00-aa-bb-51 .*pxeaddr=10\.99\.0\.1 .*quiet$/m,
    );
    assert.match(cfg, /^initrd \(tftp,10\.99\.0\.1\)\/install\/recon\/initrd-1\.2\.3$/m);
    assert.doesNotMatch(cfg, /initrd=|\$\{mac/);
    assert.equal(await get('install/recon/vmlinuz-1.2.3'), 'kernel bytes');
    assert.equal(await get('/install/recon/initrd-1.2.3'), 'initrd bytes');
    // the image path serves the chosen kernel and initrd only
    assert.match(await get('install/recon/notes.txt'), /^ERROR/);
    assert.match(await get('install/recon/recon.x86_64-1.2.3.iso'), /^ERROR/);
    assert.match(await get('install/recon/../../signed/grubx64.efi.signed'), /^ERROR/);
    // the transfers are the node's boot stages
    const state = await tftp!.state();
    const files = Object.values(state.transfers)
      .filter((t) => t.mac === PEER_MAC)
      .map((t) => `${t.file}:${t.kind}`);
    for (const f of [
      'shimx64.efi:bootloader',
      'grubx64.efi:bootloader',
      'grub/grub.cfg:menu',
      'install/recon/vmlinuz-1.2.3:kernel',
      'install/recon/initrd-1.2.3:initrd',
    ])
      assert.ok(files.includes(f), `${f} not in ${files.join(', ')}`);
  },
);

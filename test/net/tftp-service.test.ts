// The TFTP service in a network namespace against the real clients PXE setups meet: tftp-hpa, atftp
// (blksize + windowsize), curl and busybox, from a peer namespace. Integrity by sha256, refusals,
// a client that vanishes mid-transfer, and 50 000 fuzzed packets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '../helpers/needs.js';
import { NetnsRig, type Peer } from '../helpers/netns.js';
import { ServiceProcess } from '../fixtures/tftp/service-process.js';

const skip = needs({ root: true, tools: ['ip', 'tftp', 'atftp', 'curl', 'busybox'] });
const FUZZ = fileURLToPath(new URL('../fixtures/tftp/udp-fuzz.ts', import.meta.url));
const PEER_IP = '10.99.0.50';
const PEER_MAC = '52:54:00:aa:bb:50';

let rig: NetnsRig;
let peer: Peer;
let dir: string;
let tftp: ServiceProcess | undefined;
let blobSha: string;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const out = (name: string) => join(dir, 'out', name);

function config(tftpLimits: object) {
  return {
    interface: 'br0',
    ipv4: { address: '10.99.0.1', prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
    ipv6: { enabled: false },
    dataDir: join(dir, `data-${Date.now()}`),
    tftpRoot: join(dir, 'root'),
    tftp: tftpLimits,
  };
}

async function restart(tftpLimits: object): Promise<ServiceProcess> {
  await tftp?.stop();
  tftp = await ServiceProcess.start(rig, 'tftp', config(tftpLimits));
  return tftp;
}

const inPeer = (argv: string[], timeoutMs = 30_000) => rig.exec(peer.ns, argv, { timeoutMs });

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-tftp-ns-'));
  await mkdir(join(dir, 'root', 'sub'), { recursive: true });
  await mkdir(join(dir, 'out'));
  const blob = randomBytes(1 << 20);
  blobSha = sha(blob);
  await writeFile(join(dir, 'root', 'blob.bin'), blob);
  await writeFile(join(dir, 'secret'), 'outside the root');
  await symlink(join(dir, 'secret'), join(dir, 'root', 'sub', 'escape'));
  rig = await NetnsRig.create('tftp');
  peer = await rig.addPeer(PEER_MAC);
  await inPeer(['ip', 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0']);
  await restart({ maxTransfers: 1, timeoutSeconds: 1, retries: 2 });
});

after(async () => {
  if (skip) return;
  await tftp?.stop();
  await rig?.teardown();
  await rm(dir, { recursive: true, force: true });
});

void test(
  'tftp-hpa, atftp (blksize 1428, windowsize 8), curl and busybox fetch 1 MiB intact',
  { skip },
  async () => {
    // a PXE client (a node) holding its lease
    await tftp!.emit({
      type: 'dhcp.discover',
      data: {
        mac: PEER_MAC,
        family: 4,
        firmware: 'bios',
        arch: 0,
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
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
    const clients: [string, string[]][] = [
      ['hpa', ['tftp', '-m', 'binary', '10.99.0.1', '-c', 'get', 'blob.bin', out('hpa')]],
      [
        'atftp',
        [
          'atftp',
          '--option',
          'blksize 1428',
          '--option',
          'windowsize 8',
          '--option',
          'tsize 0',
          '--get',
          '-r',
          'blob.bin',
          '-l',
          out('atftp'),
          '10.99.0.1',
        ],
      ],
      ['curl', ['curl', '-sS', '--tftp-blksize', '1468', '-o', out('curl'), 'tftp://10.99.0.1/blob.bin']],
      [
        'busybox',
        ['busybox', 'tftp', '-g', '-b', '1468', '-r', 'blob.bin', '-l', out('busybox'), '10.99.0.1'],
      ],
    ];
    for (const [name, argv] of clients) {
      const r = await inPeer(argv);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(sha(await readFile(out(name))), blobSha, name);
    }
    const state = await tftp!.state();
    const done = Object.values(state.transfers).filter((t) => t.state === 'done');
    assert.equal(done.length, 4);
    for (const t of done)
      assert.deepEqual([t.mac, t.ip, t.bytes, t.kind], [PEER_MAC, PEER_IP, 1 << 20, 'other']);
    assert.equal(
      state.nodes[PEER_MAC]?.stage,
      'leased',
      'a non-boot file does not move the node to the tftp stage',
    );
  },
);

void test(
  'the iPXE binary comes from the distribution directory and marks the node',
  { skip: skip || (existsSync('/usr/lib/ipxe/ipxe.efi') ? false : 'skipped: no /usr/lib/ipxe/ipxe.efi') },
  async () => {
    const r = await inPeer([
      'curl',
      '-sS',
      '--tftp-blksize',
      '1468',
      '-o',
      out('ipxe.efi'),
      'tftp://10.99.0.1/ipxe.efi',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sha(await readFile(out('ipxe.efi'))), sha(await readFile('/usr/lib/ipxe/ipxe.efi')));
    const state = await tftp!.state();
    assert.ok(Object.values(state.transfers).some((t) => t.file === 'ipxe.efi' && t.kind === 'bootloader'));
    assert.equal(state.nodes[PEER_MAC]?.stage, 'tftp');
  },
);

void test('traversal, absolute paths, symlinks out and writes are refused', { skip }, async () => {
  for (const name of [
    '../secret',
    '/../secret',
    '..\\secret',
    'sub/../../secret',
    'sub/escape',
    '/etc/passwd',
  ]) {
    const r = await inPeer(['atftp', '--get', '-r', name, '-l', out('refused'), '10.99.0.1']);
    assert.notEqual(r.code, 0, name);
    assert.match(r.stdout + r.stderr, /Access violation|File not found/, name);
  }
  const hpa = await inPeer(['tftp', '-m', 'binary', '10.99.0.1', '-c', 'get', '../secret', out('refused')]);
  assert.match(hpa.stdout + hpa.stderr, /Access violation/);
  await writeFile(out('upload'), 'data');
  const put = await inPeer(['tftp', '-m', 'binary', '10.99.0.1', '-c', 'put', out('upload'), 'upload']);
  assert.match(put.stdout + put.stderr, /Read-only server/);
  const aput = await inPeer(['atftp', '--put', '-l', out('upload'), '-r', 'upload', '10.99.0.1']);
  assert.notEqual(aput.code, 0);
});

void test('a client that vanishes mid-transfer frees the only slot', { skip, timeout: 60_000 }, async () => {
  const other = await rig.addPeer('52:54:00:aa:bb:51');
  await rig.exec(other.ns, ['ip', 'addr', 'add', '10.99.0.51/24', 'dev', 'eth0']);
  const fromOther = (file: string) =>
    rig.exec(other.ns, [
      'curl',
      '-sS',
      '--tftp-blksize',
      '1468',
      '-o',
      out(file),
      'tftp://10.99.0.1/blob.bin',
    ]);
  const failures = async () =>
    Object.values((await tftp!.state()).transfers).filter((t) => t.state === 'failed');
  const waitFailures = async (n: number) => {
    for (let i = 0; i < 60 && (await failures()).length < n; i++)
      await new Promise((r) => setTimeout(r, 100));
  };
  // 16 MiB in 512-byte lock-step takes seconds: long enough to pull the plug mid-transfer
  await writeFile(join(dir, 'root', 'slow.bin'), randomBytes(16 << 20));
  const slowGet = (file: string) => ['tftp', '-m', 'binary', '10.99.0.1', '-c', 'get', 'slow.bin', out(file)];
  // killed: its port is gone, the kernel says so (ICMP) at the server's next retransmission (1 s)
  const killed = rig.spawn(peer.ns, slowGet('killed'));
  await new Promise((r) => setTimeout(r, 300));
  killed.kill('SIGKILL');
  await waitFailures(1);
  assert.match((await failures())[0]?.reason ?? '', /went away/, 'killed client: port unreachable');
  // unplugged: no ICMP; its slot goes once it has been a whole timeout (1 s) without an ACK and another
  // client asks (evicted as stalled), or after its retries (1 s, 2 retries)
  const unplugged = rig.spawn(peer.ns, slowGet('unplugged'));
  await new Promise((r) => setTimeout(r, 300));
  await inPeer(['ip', 'link', 'set', 'eth0', 'down']);
  const downAt = Date.now();
  unplugged.kill('SIGKILL');
  try {
    assert.notEqual((await fromOther('busy')).code, 0, 'the slot is still taken by the unplugged client');
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      await new Promise((r) => setTimeout(r, 500));
      ok = (await fromOther('after')).code === 0;
    }
    assert.ok(ok, 'a new client is served once the vanished one timed out');
    const waited = Date.now() - downAt;
    assert.ok(waited > 500 && waited < 8000, `slot freed after ${waited} ms`);
    assert.equal(sha(await readFile(out('after'))), blobSha);
    await waitFailures(2);
    const failed = await failures();
    assert.equal(failed.length, 2);
    assert.ok(
      failed.some((t) => /no answer|no acknowledgement while the server was full/.test(t.reason ?? '')),
      'unplugged client: timed out, or evicted as stalled for the next client',
    );
  } finally {
    await inPeer(['ip', 'link', 'set', 'eth0', 'up']);
  }
});

void test(
  '50 000 random and mutated packets: no crash, real clients still served',
  { skip, timeout: 240_000 },
  async () => {
    await restart({ maxTransfers: 64, timeoutSeconds: 1, retries: 1 });
    const seeds = [
      'rrq-tftp-hpa',
      'rrq-atftp-blksize-windowsize',
      'rrq-curl',
      'rrq-busybox',
      'wrq-tftp-hpa',
    ].map(async (f) =>
      (await readFile(new URL(`../fixtures/tftp/${f}.hex`, import.meta.url), 'utf8')).trim(),
    );
    // the captured requests ask for ipxe.efi; a small one in the root keeps the fuzzed transfers short
    await writeFile(join(dir, 'root', 'ipxe.efi'), randomBytes(20_000));
    const r = await inPeer(
      [
        process.execPath,
        '--import',
        'tsx',
        FUZZ,
        'tftp',
        '10.99.0.1',
        '69',
        '50000',
        '11',
        ...(await Promise.all(seeds)),
      ],
      200_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { sent: number; replies: number; transferReplies: number };
    assert.equal(summary.sent, 50_000);
    assert.ok(summary.transferReplies > 20, `transfers were fuzzed too (${summary.transferReplies})`);
    assert.ok(tftp!.alive, 'service process still running');
    // fuzzed transfers that were left hanging expire within timeout × (retries + 1)
    await new Promise((res) => setTimeout(res, 2500));
    const hpa = await inPeer([
      'tftp',
      '-m',
      'binary',
      '10.99.0.1',
      '-c',
      'get',
      'blob.bin',
      out('after-fuzz'),
    ]);
    assert.equal(hpa.code, 0, hpa.stderr);
    assert.equal(sha(await readFile(out('after-fuzz'))), blobSha);
  },
);

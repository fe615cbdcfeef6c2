// Table tests for the HTTP service's pure parts: request-path safety, byte ranges, boot image choice,
// the iPXE menu, live-device discovery and ISO 9660 parsing (a real descriptor captured from xorriso).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PathRefused, decodeRequestPath } from '../../src/net/http/url-path.js';
import { decideRange, etagMatches } from '../../src/net/http/range.js';
import { chooseBootImage, compareVersions } from '../../src/net/http/boot-files.js';
import {
  kernelArgs,
  peerPolicyArgs,
  renderBootMenu,
  renderWaitMenu,
  type MenuInput,
} from '../../src/net/http/menu.js';
import { liveDeviceCandidates } from '../../src/net/http/live-medium.js';
import { IsoError, descriptorKind, parsePrimaryVolume } from '../../src/net/http/iso9660.js';
import { normalizeAddress } from '../../src/net/http/source.js';

/** Request paths that try to leave a tree; every one must be refused before any file is looked at. */
const TRAVERSAL_PATHS = JSON.parse(
  readFileSync(new URL('../fixtures/http/traversal-paths.json', import.meta.url), 'utf8'),
) as string[];

void test('decodeRequestPath refuses every traversal form', () => {
  assert.ok(TRAVERSAL_PATHS.length >= 20);
  for (const p of TRAVERSAL_PATHS) assert.throws(() => decodeRequestPath(p), PathRefused, p);
});

void test('decodeRequestPath decodes ordinary paths', () => {
  const cases: [string, string[], boolean][] = [
    ['/', [], true],
    ['/install/recon/', ['install', 'recon'], true],
    ['/install/recon/recon.x86_64-1.2.3.iso', ['install', 'recon', 'recon.x86_64-1.2.3.iso'], false],
    ['/isos/my%20image.iso', ['isos', 'my image.iso'], false],
    ['/nodes//52:54:00:12:34:56/inventory.json', ['nodes', '52:54:00:12:34:56', 'inventory.json'], false],
    ['/export/caf%C3%A9', ['export', 'café'], false],
    ['/export/.hidden', ['export', '.hidden'], false],
  ];
  for (const [raw, segments, trailingSlash] of cases)
    assert.deepEqual(decodeRequestPath(raw), { segments, trailingSlash }, raw);
});

void test('decideRange: single ranges, suffixes, unsatisfiable and ignored headers', () => {
  const L = 1000;
  const cases: [string | undefined, ReturnType<typeof decideRange>][] = [
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=900-5000', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-10', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=5000-6000', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=10-5', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['garbage', { kind: 'full' }],
  ];
  for (const [h, want] of cases) assert.deepEqual(decideRange(h, L), want, String(h));
  assert.deepEqual(decideRange('bytes=0-', 0), { kind: 'unsatisfiable' });
});

void test('etagMatches handles lists, weak tags and *', () => {
  assert.equal(etagMatches('"a"', '"a"'), true);
  assert.equal(etagMatches('"x", W/"a"', '"a"'), true);
  assert.equal(etagMatches('*', '"a"'), true);
  assert.equal(etagMatches('"b"', '"a"'), false);
  assert.equal(etagMatches(undefined, '"a"'), false);
});

void test('chooseBootImage picks the newest ISO and its kernel/initrd', () => {
  assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
  assert.equal(compareVersions('1.2', '1.2.0'), -1);
  assert.equal(compareVersions('2.0.0', '2.0.0'), 0);
  const cases: [string[], ReturnType<typeof chooseBootImage>][] = [
    [
      ['recon.x86_64-1.2.3.iso', 'linux', 'initrd-1.2.3', 'post.tgz'],
      {
        ok: true,
        image: { version: '1.2.3', iso: 'recon.x86_64-1.2.3.iso', kernel: 'linux', initrd: 'initrd-1.2.3' },
      },
    ],
    [
      [
        'recon.x86_64-1.9.0.iso',
        'recon.x86_64-1.10.0.iso',
        'vmlinuz-1.10.0',
        'vmlinuz-1.9.0',
        'initrd-1.10.0',
        'initrd',
      ],
      {
        ok: true,
        image: {
          version: '1.10.0',
          iso: 'recon.x86_64-1.10.0.iso',
          kernel: 'vmlinuz-1.10.0',
          initrd: 'initrd-1.10.0',
        },
      },
    ],
    [
      ['recon.x86_64-2.0.iso', 'recon.x86_64-2.0.kernel', 'recon.x86_64-2.0.initrd'],
      {
        ok: true,
        image: {
          version: '2.0',
          iso: 'recon.x86_64-2.0.iso',
          kernel: 'recon.x86_64-2.0.kernel',
          initrd: 'recon.x86_64-2.0.initrd',
        },
      },
    ],
    [[], { ok: false, missing: 'no live ISO (*-<version>.iso)' }],
    [['readme.txt', 'recon.iso'], { ok: false, missing: 'no live ISO (*-<version>.iso)' }],
    [
      ['recon.x86_64-1.0.iso', 'initrd'],
      { ok: false, missing: 'no kernel for recon.x86_64-1.0.iso (vmlinuz-1.0 or linux)' },
    ],
    [
      ['recon.x86_64-1.0.iso', 'linux'],
      { ok: false, missing: 'no initrd for recon.x86_64-1.0.iso (initrd-1.0 or initrd)' },
    ],
  ];
  for (const [names, want] of cases) assert.deepEqual(chooseBootImage(names), want, names.join(','));
});

const menuInput: MenuInput = {
  baseUrl: 'http://192.168.219.1',
  imagePath: '/install/recon',
  image: { version: '1.2.3', iso: 'recon.x86_64-1.2.3.iso', kernel: 'linux', initrd: 'initrd-1.2.3' },
  consoles: ['tty0', 'ttyS0,115200n8'],
  peer: { powerOffAfterUpload: 'if-bmc', lldpWaitSeconds: 35 },
  extraArgs: ['rd.debug'],
  masterAddress: '192.168.219.1',
  retrySeconds: 10,
};

void test('kernelArgs follow ARCHITECTURE §1 in order, consoles and extra args from config', () => {
  assert.equal(
    kernelArgs(menuInput).join(' '),
    'initrd=initrd-1.2.3 root=live:http://192.168.219.1/install/recon/recon.x86_64-1.2.3.iso rd.live.ram=1 ' +
      'rd.live.image rd.live.overlay.persistent rd.live.overlay.cowfs=ext4 iomem=relaxed ksdevice=bootif ' +
      'BOOTIF=01-${mac:hexhyp} pxeaddr=192.168.219.1 postaction=liveboot nomodeset noquiet splash=off ' +
      'console=tty0 console=ttyS0,115200n8 earlyprintk=serial,ttyS0,115200 ' +
      'recon.poweroff=if-bmc recon.lldpwait=35 rd.debug',
  );
});

void test('peer policy args: from config, unless an extra argument already names them', () => {
  const peer = { powerOffAfterUpload: 'never', lldpWaitSeconds: 5 };
  assert.deepEqual(peerPolicyArgs(peer, []), ['recon.poweroff=never', 'recon.lldpwait=5']);
  assert.deepEqual(peerPolicyArgs(peer, ['recon.lldpwait=0', 'quiet']), ['recon.poweroff=never']);
  assert.deepEqual(peerPolicyArgs(peer, ['recon.poweroff=always', 'recon.lldpwait=1']), []);
});

void test('renderBootMenu: an iPXE script that loads kernel and initrd and retries on failure', () => {
  const s = renderBootMenu({ ...menuInput, client: { mac: '52:54:00:12:34:56', platform: 'efi' } });
  const lines = s.split('\n');
  assert.equal(lines[0], '#!ipxe');
  assert.match(s, /for mac=52:54:00:12:34:56 platform=efi/);
  assert.ok(
    lines.includes(
      `kernel http://192.168.219.1/install/recon/linux ${kernelArgs(menuInput).join(' ')} || goto failed`,
    ),
  );
  assert.ok(lines.includes('initrd http://192.168.219.1/install/recon/initrd-1.2.3 || goto failed'));
  assert.ok(lines.includes('boot || goto failed'));
  assert.ok(lines.includes('sleep 10'));
  assert.ok(lines.includes('goto boot'));
});

void test('renderWaitMenu: prints the reason and chains back to itself every N seconds', () => {
  const s = renderWaitMenu({
    baseUrl: 'http://10.99.0.1:8080',
    reason: 'no live ISO ${evil}',
    retrySeconds: 7,
    query: 'mac=52%3A54',
  });
  const lines = s.split('\n');
  assert.equal(lines[0], '#!ipxe');
  assert.ok(lines.includes('echo recon: cannot boot yet: no live ISO $ {evil}'));
  assert.ok(lines.includes('sleep 7'));
  assert.ok(
    lines.includes('chain --replace --autofree http://10.99.0.1:8080/menu.ipxe?mac=52%3A54 || goto wait'),
  );
  assert.ok(!/^kernel /m.test(s));
});

void test('liveDeviceCandidates from /proc/cmdline and /proc/mounts', () => {
  const mounts = [
    'sysfs /sys sysfs rw 0 0',
    '/dev/sdb1 /run/initramfs/live iso9660 ro,relatime 0 0',
    '/dev/sda2 /export ext4 rw 0 0',
  ].join('\n');
  assert.deepEqual(
    liveDeviceCandidates(
      'BOOT_IMAGE=/boot/x86_64/loader/linux root=live:CDLABEL=RECON_LIVE rd.live.image',
      mounts,
    ),
    ['/dev/sdb1', '/dev/disk/by-label/RECON_LIVE'],
  );
  assert.deepEqual(liveDeviceCandidates('root=live:CDLABEL=My\\x20Stick quiet', ''), [
    '/dev/disk/by-label/My\\x20Stick',
  ]);
  assert.deepEqual(liveDeviceCandidates('root=live:UUID=2026-11-25-10-52-17-00', ''), [
    '/dev/disk/by-uuid/2026-11-25-10-52-17-00',
  ]);
  assert.deepEqual(liveDeviceCandidates('root=live:/dev/sr0', ''), ['/dev/sr0']);
  // a peer boots its image over HTTP: nothing local to serve
  assert.deepEqual(
    liveDeviceCandidates('root=live:http://10.99.0.1/install/recon/x.iso pxeaddr=10.99.0.1', ''),
    [],
  );
  assert.deepEqual(liveDeviceCandidates('root=/dev/vda1', 'proc /proc proc rw 0 0'), []);
  assert.deepEqual(
    liveDeviceCandidates(
      '',
      '/dev/sr0 /run/initramfs/live iso9660 ro 0 0\n/dev/sr0 /run/initramfs/live iso9660 ro 0 0',
    ),
    ['/dev/sr0'],
  );
});

void test('parsePrimaryVolume on a descriptor captured from xorriso', () => {
  const sector = readFileSync(new URL('../fixtures/http/pvd-recon-live.bin', import.meta.url));
  const v = parsePrimaryVolume(sector);
  assert.equal(v.volumeId, 'RECON_LIVE');
  assert.equal(v.blockSize, 2048);
  assert.equal(v.volumeBlocks, 624);
  assert.equal(v.bytes, 1277952);
  assert.equal(v.created, '2026112510521700');
  assert.equal(v.root.isDir, true);
});

void test('ISO 9660 parser: bad input is a typed error, never a crash', () => {
  const good = readFileSync(new URL('../fixtures/http/pvd-recon-live.bin', import.meta.url));
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    f(b);
    return b;
  };
  const bad: [string, Buffer][] = [
    ['short', good.subarray(0, 100)],
    ['no signature', mutate((b) => b.write('CD002', 1, 'latin1'))],
    ['both-endian mismatch', mutate((b) => b.writeUInt32BE(1, 84))],
    ['block size 0', mutate((b) => (b.writeUInt16LE(0, 128), b.writeUInt16BE(0, 130)))],
    ['root record length', mutate((b) => (b[156] = 3))],
    ['not primary', mutate((b) => (b[0] = 2))],
  ];
  for (const [what, b] of bad) assert.throws(() => parsePrimaryVolume(b), IsoError, what);
  assert.equal(descriptorKind(mutate((b) => (b[0] = 255))), 'terminator');
  // random sectors: typed error or a value, nothing else
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 8; k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
    try {
      parsePrimaryVolume(b);
    } catch (e) {
      assert.ok(e instanceof IsoError, String(e));
    }
  }
});

void test('normalizeAddress strips IPv4-mapped prefixes and zone ids', () => {
  assert.equal(normalizeAddress('::ffff:10.99.0.5'), '10.99.0.5');
  assert.equal(normalizeAddress('FD99::1%br0'), 'fd99::1');
  assert.equal(normalizeAddress(undefined), '');
});

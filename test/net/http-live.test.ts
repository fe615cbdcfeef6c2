// The live medium: a real ISO made by xorriso with kiwi's layout; its size and the kernel/initrd
// extents parsed from the image; then the same ISO on a read-only loop device (root), served
// byte-exact — whole, ranged, and with trailing data on the device (a persistent partition) never served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import { StateStore } from '../../src/model/store.js';
import { createHttpApp } from '../../src/net/http/app.js';
import { UploadRegistry } from '../../src/model/inflight.js';
import { findLiveMedium, openLiveMedium } from '../../src/net/http/live-medium.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';

const log = pino({ level: 'silent' });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const skipIso = needs({ tools: ['xorriso'] });
const skipLoop = needs({ root: true, tools: ['xorriso', 'losetup', 'curl'] });

let dir: string;
let iso: string;
let kernel: Buffer;
let initrd: Buffer;

before(async () => {
  if (skipIso) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-live-'));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'boot', 'x86_64', 'loader'), { recursive: true });
  await mkdir(join(tree, 'LiveOS'), { recursive: true });
  kernel = randomBytes(700_001);
  initrd = randomBytes(1_300_003);
  await writeFile(join(tree, 'boot', 'x86_64', 'loader', 'linux'), kernel);
  await writeFile(join(tree, 'boot', 'x86_64', 'loader', 'initrd'), initrd);
  await writeFile(join(tree, 'LiveOS', 'squashfs.img'), randomBytes(2_000_000));
  iso = join(dir, 'recon.iso');
  const r = await run(['xorriso', '-as', 'mkisofs', '-V', 'RECON_LIVE', '-o', iso, tree]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

void test(
  'ISO 9660: volume size = file size; kernel and initrd extents hold their bytes',
  { skip: skipIso },
  async () => {
    const m = await openLiveMedium(iso, '1.2.3', 'x86_64');
    assert.equal(m.volume.volumeId, 'RECON_LIVE');
    assert.equal(m.volume.bytes, (await stat(iso)).size);
    assert.deepEqual(m.image, {
      version: '1.2.3',
      iso: 'recon.x86_64-1.2.3.iso',
      kernel: 'vmlinuz-1.2.3',
      initrd: 'initrd-1.2.3',
    });
    const whole = await readFile(iso);
    const k = m.extents['vmlinuz-1.2.3'];
    const i = m.extents['initrd-1.2.3'];
    assert.ok(k && i);
    assert.equal(sha(whole.subarray(k.offset, k.offset + k.size)), sha(kernel));
    assert.equal(sha(whole.subarray(i.offset, i.offset + i.size)), sha(initrd));
    // not an ISO: a typed refusal
    await assert.rejects(
      openLiveMedium(join(dir, 'tree', 'LiveOS', 'squashfs.img'), '1'),
      /CD001|short read/,
    );
  },
);

void test(
  'loop device (losetup -r) served byte-exact, ranged, and nothing past the ISO',
  { skip: skipLoop },
  async () => {
    // the stick: the ISO followed by other data (a persistent partition) that must never be served
    const stick = join(dir, 'stick.img');
    const isoBytes = await readFile(iso);
    await writeFile(stick, isoBytes);
    await appendFile(stick, Buffer.alloc(1 << 20, 0x5a));
    const lo = await run(['losetup', '-r', '-f', '--show', stick]);
    assert.equal(lo.code, 0, lo.stderr);
    const dev = lo.stdout.trim();
    let server: Server | undefined;
    let store: StateStore | undefined;
    try {
      const found = await findLiveMedium({
        version: '1.2.3',
        cmdline: 'BOOT_IMAGE=/boot/x86_64/loader/linux root=live:CDLABEL=NO_SUCH_LABEL_X rd.live.image',
        mounts: `${dev} /run/initramfs/live iso9660 ro,relatime 0 0\n`,
      });
      assert.ok(found.medium, found.tried.join('; '));
      assert.equal(found.medium.device, dev);
      const config = parseConfig({
        dataDir: join(dir, 'data'),
        ipv4: { address: '127.0.0.1', prefix: 8, range: ['127.0.0.50', '127.0.0.90'] },
        ipv6: { enabled: false },
        http: { roots: {} },
      });
      store = await StateStore.open(config.dataDir, { log });
      const app = createHttpApp({
        config,
        store,
        log,
        version: '1.2.3',
        live: found.medium,
        stopping: new AbortController().signal,
        uploads: new UploadRegistry(),
      });
      const handler = app.callback();
      server = createServer((req, res) => void handler(req, res));
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/install/recon`;
      const get = async (name: string, args: string[] = []) => {
        const out = join(dir, `dl-${name}-${args.length}`);
        const r = await run(['curl', '-sS', '-o', out, '-w', '%{http_code}', ...args, `${base}/${name}`], {
          timeoutMs: 30_000,
        });
        return { status: Number(r.stdout), body: await readFile(out).catch(() => Buffer.alloc(0)) };
      };
      const whole = await get('recon.x86_64-1.2.3.iso');
      assert.equal(whole.status, 200);
      assert.equal(whole.body.length, isoBytes.length);
      assert.equal(sha(whole.body), sha(isoBytes));
      // ranged download in three pieces, reassembled
      const cut = [0, 123_457, 1_000_000, isoBytes.length];
      const parts: Buffer[] = [];
      for (let p = 0; p < 3; p++) {
        const r = await get('recon.x86_64-1.2.3.iso', ['-r', `${cut[p]}-${cut[p + 1]! - 1}`]);
        assert.equal(r.status, 206);
        parts.push(r.body);
      }
      assert.equal(sha(Buffer.concat(parts)), sha(isoBytes));
      assert.equal((await get('recon.x86_64-1.2.3.iso', ['-r', `${isoBytes.length}-`])).status, 416);
      const k = await get('vmlinuz-1.2.3');
      assert.equal(sha(k.body), sha(kernel));
      const i = await get('initrd-1.2.3');
      assert.equal(sha(i.body), sha(initrd));
      // the menu points at the live medium's files
      const menu = await run(['curl', '-sS', `${base.replace('/install/recon', '')}/menu.ipxe`]);
      assert.match(
        menu.stdout,
        /kernel http:\/\/127\.0\.0\.1\/install\/recon\/vmlinuz-1\.2\.3 initrd=initrd-1\.2\.3 root=live:http:\/\/127\.0\.0\.1\/install\/recon\/recon\.x86_64-1\.2\.3\.iso /,
      );
    } finally {
      server?.closeAllConnections();
      server?.close();
      await store?.close();
      await run(['losetup', '-d', dev]);
    }
  },
);

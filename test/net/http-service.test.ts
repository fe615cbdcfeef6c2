// The HTTP service on loopback (random port) against real curl: static trees (Range, ETag, listing,
// traversal), menu.ipxe, ipxe.efi, post.tgz, the peer API (uploads, limits, source rule, long-poll)
// and the events it leaves in the state store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import type { ReconConfig, ReconConfigInput } from '../../src/model/config/schema.js';
import type { ReconEvent } from '../../src/model/events.js';
import { StateStore } from '../../src/model/store.js';
import { startHttp, type HttpService } from '../../src/net/http/service.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const MAC = '52:54:00:aa:bb:01';
const OTHER = '52:54:00:aa:bb:02';
const skip = needs({ tools: ['curl'] });
const log = pino({ level: 'silent' });

/** Loopback only, a random unprivileged port, IPv6 off (the master's address is 127.0.0.1). */
function loopbackConfig(root: string, extra: ReconConfigInput = {}): ReconConfigInput {
  return {
    interface: 'lo',
    dataDir: join(root, 'data'),
    tftpRoot: join(root, 'tftp'),
    ipv4: { address: '127.0.0.1', prefix: 8, range: ['127.0.0.50', '127.0.0.90'] },
    ipv6: { enabled: false },
    ports: { http: 20000 + Math.floor(Math.random() * 40000) },
    ...extra,
  };
}

let dir: string;
let config: ReconConfig;
let store: StateStore;
let http: HttpService;
let base: string;
const events: ReconEvent[] = [];
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const BLOB = Buffer.alloc(256 * 1024, 0).map((_, i) => (i * 7919) % 251);

interface Curl {
  status: number;
  body: string;
  raw: Buffer;
  headers: string;
}

async function curl(args: string[], path: string): Promise<Curl> {
  const out = join(dir, `curl-${Math.random().toString(36).slice(2)}`);
  const r = await run(
    [
      'curl',
      '-sS',
      '--path-as-is',
      '-D',
      `${out}.h`,
      '-o',
      out,
      '-w',
      '%{http_code}',
      ...args,
      `${base}${path}`,
    ],
    {
      timeoutMs: 40_000,
    },
  );
  const raw = existsSync(out) ? await readFile(out) : Buffer.alloc(0);
  const headers = existsSync(`${out}.h`) ? await readFile(`${out}.h`, 'utf8') : '';
  return { status: Number(r.stdout.trim()), body: raw.toString('utf8'), raw, headers };
}

function json(c: Curl): Record<string, unknown> {
  return JSON.parse(c.body) as Record<string, unknown>;
}

function header(c: Curl, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*?)\\r?$`, 'im').exec(c.headers)?.[1];
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-http-'));
  config = parseConfig(
    loopbackConfig(dir, {
      http: {
        roots: { '/install': join(dir, 'install'), '/isos': join(dir, 'isos') },
        maxInventoryBytes: 64 * 1024,
        maxRawBytes: 8 * 1024,
        // these tests upload many times for one MAC; the per-node rate has its own test (hostile-peers)
        uploadBurst: 1000,
      },
    }),
  );
  await mkdir(join(dir, 'install', 'recon'), { recursive: true });
  await mkdir(join(dir, 'isos', 'sub'), { recursive: true });
  await mkdir(join(dir, 'tftp'), { recursive: true });
  await writeFile(join(dir, 'isos', 'blob.bin'), BLOB);
  await writeFile(join(dir, 'isos', '.hidden'), 'hidden');
  await writeFile(join(dir, 'secret.txt'), 'SECRET-OUTSIDE-THE-TREE');
  await symlink(join(dir, 'secret.txt'), join(dir, 'isos', 'escape.txt'));
  await symlink('/etc', join(dir, 'isos', 'etc'));
  await symlink('blob.bin', join(dir, 'isos', 'inside-link.bin'));
  await writeFile(join(dir, 'tftp', 'ipxe.efi'), 'EFI-BINARY');
  store = await StateStore.open(config.dataDir, { log });
  store.subscribe((ev) => events.push(ev));
  http = (await startHttp({
    config,
    store,
    log,
    flags: { proxyDhcp: false, forceDhcp: false },
    version: '9.9.9',
  })) as HttpService;
  base = `http://127.0.0.1:${config.ports.http}`;
  // two PXE clients (nodes) and their leases
  for (const mac of [MAC, OTHER])
    await store.emit({
      type: 'dhcp.discover',
      data: { mac, family: 4, firmware: 'bios', arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' },
    });
  await store.emit({
    type: 'lease.granted',
    data: { mac: MAC, family: 4, ip: '127.0.0.1', expiresAt: new Date(Date.now() + 3e5).toISOString() },
  });
  await store.emit({
    type: 'lease.granted',
    data: { mac: OTHER, family: 4, ip: '127.0.0.77', expiresAt: new Date(Date.now() + 3e5).toISOString() },
  });
});

after(async () => {
  if (skip) return;
  await http?.stop();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

void test('service reports up with its address', { skip }, () => {
  assert.deepEqual(
    http.addresses.map((a) => `${a.address}:${a.port}`),
    [`127.0.0.1:${config.ports.http}`],
  );
  assert.equal(store.state.services.http?.state, 'up');
});

void test('Range: 206 with Content-Range, suffix ranges, 416 beyond the end', { skip }, async () => {
  const r = await curl(['-r', '1000-1999'], '/isos/blob.bin');
  assert.equal(r.status, 206);
  assert.equal(header(r, 'content-range'), `bytes 1000-1999/${BLOB.length}`);
  assert.equal(sha(r.raw), sha(BLOB.subarray(1000, 2000)));
  const full = await curl([], '/isos/blob.bin');
  assert.equal(full.status, 200);
  assert.equal(sha(full.raw), sha(BLOB));
  const tail = await curl(['-H', 'Range: bytes=-100'], '/isos/blob.bin');
  assert.equal(tail.status, 206);
  assert.equal(header(tail, 'content-length'), '100');
  const bad = await curl(['-r', `${BLOB.length}-`], '/isos/blob.bin');
  assert.equal(bad.status, 416);
  assert.equal(header(bad, 'content-range'), `bytes */${BLOB.length}`);
});

void test('ETag / If-None-Match → 304, Last-Modified present', { skip }, async () => {
  const first = await curl([], '/isos/blob.bin');
  assert.equal(first.status, 200);
  const etag = header(first, 'etag');
  assert.ok(etag);
  assert.ok(header(first, 'last-modified'));
  const again = await curl(['-H', `If-None-Match: ${etag}`], '/isos/blob.bin');
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
});

void test(
  'traversal forms and symlinks out of the tree → 403/404, never file content',
  { skip },
  async () => {
    const forms = JSON.parse(
      readFileSync(new URL('../fixtures/http/traversal-paths.json', import.meta.url), 'utf8'),
    ) as string[];
    const extra = [
      '/isos/escape.txt',
      '/isos/etc/passwd',
      '/isos/etc/',
      '/isos/.hidden',
      '/nodes/../secret.txt',
      '/isos/sub/../../secret.txt',
    ];
    const passwd = readFileSync('/etc/passwd', 'utf8').slice(0, 20);
    for (const p of [...forms, ...forms.map((f) => f.replace('/install/', '/isos/')), ...extra]) {
      const r = await curl([], p);
      assert.ok(r.status === 403 || r.status === 404, `${p} → ${r.status}`);
      assert.ok(!r.body.includes('SECRET-OUTSIDE') && !r.body.includes(passwd), `${p} leaked content`);
    }
    // a symlink that stays inside the tree is fine
    assert.equal((await curl([], '/isos/inside-link.bin')).status, 200);
  },
);

void test(
  'directory listing: redirect to slash, HTML and JSON, hidden and escaping entries left out',
  { skip },
  async () => {
    assert.equal((await curl([], '/isos')).status, 302);
    const html = await curl([], '/isos/');
    assert.equal(html.status, 200);
    assert.match(html.body, /<a href="blob\.bin">blob\.bin<\/a>/);
    const json = await curl(['-H', 'Accept: application/json'], '/isos/');
    const names = (JSON.parse(json.body) as { entries: { name: string }[] }).entries.map((e) => e.name);
    assert.deepEqual(names, ['blob.bin', 'inside-link.bin', 'sub']);
    // the data dir is no static tree: no listing of the peers' uploads
    assert.equal((await curl([], '/nodes/')).status, 404);
    assert.equal((await curl(['-X', 'DELETE'], '/isos/blob.bin')).status, 405);
  },
);

void test('menu.ipxe without an image: a wait-and-retry script', { skip }, async () => {
  const r = await curl([], `/menu.ipxe?mac=${OTHER}&platform=pcbios&arch=0`);
  assert.equal(r.status, 200);
  assert.match(r.body, /^#!ipxe\n/);
  assert.match(r.body, /echo recon: cannot boot yet: no live ISO/);
  assert.match(r.body, /sleep 10/);
  assert.ok(
    r.body.includes(
      `chain --replace --autofree ${base}/menu.ipxe?mac=52%3A54%3A00%3Aaa%3Abb%3A02&platform=pcbios&arch=0 || goto wait`,
    ),
  );
});

void test(
  'menu.ipxe for BIOS and UEFI boots the newest image with the §1 kernel args',
  { skip },
  async () => {
    const img = join(dir, 'install', 'recon');
    for (const f of ['recon.x86_64-1.0.0.iso', 'recon.x86_64-1.2.0.iso', 'linux', 'initrd-1.2.0'])
      await writeFile(join(img, f), f);
    const want =
      `kernel ${base}/install/recon/linux initrd=initrd-1.2.0 root=live:${base}/install/recon/recon.x86_64-1.2.0.iso ` +
      'rd.live.ram=1 rd.live.image rd.live.overlay.persistent rd.live.overlay.cowfs=ext4 iomem=relaxed ksdevice=bootif ' +
      'BOOTIF=01-${mac:hexhyp} pxeaddr=127.0.0.1 postaction=liveboot nomodeset noquiet splash=off console=tty0 ' +
      'console=ttyS0,115200n8 earlyprintk=serial,ttyS0,115200 recon.poweroff=if-bmc ' +
      'recon.lldpwait=35 || goto failed';
    for (const platform of ['pcbios', 'efi']) {
      const r = await curl([], `/menu.ipxe?platform=${platform}&arch=${platform === 'efi' ? 7 : 0}`);
      assert.equal(r.status, 200);
      assert.match(r.body, new RegExp(`platform=${platform}`));
      assert.ok(r.body.split('\n').includes(want), r.body);
      assert.ok(r.body.split('\n').includes(`initrd ${base}/install/recon/initrd-1.2.0 || goto failed`));
    }
    // no mac in the query: the lease holding 127.0.0.1 names the node, and its stage is "menu"
    assert.equal(store.state.nodes[MAC]?.stage, 'menu');
    // the kernel download is a transfer of kind "kernel" and moves the stage on
    assert.equal((await curl([], '/install/recon/linux')).status, 200);
    assert.equal(store.state.nodes[MAC]?.stage, 'kernel');
    // listeners hear of an event once it is durable, which may be just after curl has its bytes
    const kernelDone = () =>
      events.some(
        (e) =>
          e.type === 'transfer.done' &&
          events.some(
            (s) => s.type === 'transfer.start' && s.data.id === e.data.id && s.data.kind === 'kernel',
          ),
      );
    for (let i = 0; i < 100 && !kernelDone(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(kernelDone());
  },
);

void test('ipxe.efi from the tftp root; post.tgz with X-Recon-Sha256 or a clear 404', { skip }, async () => {
  const efi = await curl([], '/ipxe.efi');
  assert.equal(efi.status, 200);
  assert.equal(efi.body, 'EFI-BINARY');
  const missing = await curl([], '/post.tgz');
  if (!existsSync(join(process.cwd(), 'post.tgz'))) {
    assert.equal(missing.status, 404);
    assert.match(missing.body, /post\.tgz not found/);
  }
  const tgz = gzipSync('workload');
  await writeFile(join(dir, 'install', 'recon', 'post.tgz'), tgz);
  const r = await curl([], '/post.tgz');
  assert.equal(r.status, 200);
  assert.equal(header(r, 'x-recon-sha256'), sha(tgz));
});

void test('peer API: hello and stage events (peer stages only)', { skip }, async () => {
  const hello = JSON.parse((await curl([], '/api/v1/hello')).body) as Record<string, unknown>;
  assert.equal(hello.recon, true);
  assert.equal(hello.version, '9.9.9');
  assert.equal(hello.api, 1);
  assert.deepEqual(hello.names, ['bang', 'master', 'recon']);
  const post = (body: string, mac = MAC) =>
    curl(
      ['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', body],
      `/api/v1/nodes/${mac}/events`,
    );
  assert.equal((await post('{"stage":"booted","detail":"live system up"}')).status, 200);
  assert.equal(store.state.nodes[MAC]?.stage, 'booted');
  const bad = await post('{"stage":"kernel"}');
  assert.equal(bad.status, 400);
  assert.match(json(bad).error as string, /stage must be one of/);
  assert.equal((await post('{nope')).status, 400);
  assert.equal((await post('{"stage":"booted"}', 'zz:zz')).status, 400);
  const wrong = await post('{"stage":"booted"}', OTHER);
  assert.equal(wrong.status, 403);
  assert.match(json(wrong).error as string, /not the address leased to/);
});

async function nodeFiles(mac: string): Promise<string[]> {
  return readdir(join(config.dataDir, 'nodes', mac)).catch(() => []);
}

void test(
  'inventory upload: stored durably with its sha256; bad JSON, schema, size and source refused',
  { skip },
  async () => {
    const body = JSON.stringify(sampleInventory());
    const put = (data: string, mac = MAC) =>
      curl(
        ['-X', 'PUT', '-H', 'Content-Type: application/json', '--data-binary', `@${data}`],
        `/api/v1/nodes/${mac}/inventory`,
      );
    const file = join(dir, 'inv.json');
    await writeFile(file, body);
    const ok = await put(file);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(json(ok).sha256, sha(body));
    assert.equal(sha(await readFile(join(config.dataDir, 'nodes', MAC, 'inventory.json'))), sha(body));
    const stored = events.find((e) => e.type === 'inventory.stored');
    assert.ok(stored?.type === 'inventory.stored');
    assert.equal(stored.data.summary.product, 'PowerEdge R440');
    assert.equal(store.state.nodes[MAC]?.stage, 'uploaded');

    await writeFile(file, '{"schemaVersion": 1,');
    assert.equal((await put(file)).status, 400);
    await writeFile(file, '{"schemaVersion": 1}');
    const invalid = await put(file);
    assert.equal(invalid.status, 422);
    await writeFile(file, JSON.stringify({ ...sampleInventory(), pad: 'x'.repeat(70 * 1024) }));
    const big = await put(file);
    assert.equal(big.status, 413);
    assert.ok(json(big).error);
    await writeFile(file, body);
    assert.equal((await put(file, OTHER)).status, 403);
    assert.deepEqual(await nodeFiles(OTHER), []);
    // only the acknowledged file, no temp files left behind
    assert.deepEqual(
      (await nodeFiles(MAC)).filter((n) => n.startsWith('.')),
      [],
    );
  },
);

void test('raw upload: gzip only, size-limited, nothing partial left', { skip }, async () => {
  const put = (file: string, extra: string[] = []) =>
    curl(
      ['-X', 'PUT', '-H', 'Content-Type: application/gzip', '--data-binary', `@${file}`, ...extra],
      `/api/v1/nodes/${MAC}/raw`,
    );
  const f = join(dir, 'raw.tgz');
  const tgz = gzipSync('raw tool output');
  await writeFile(f, tgz);
  const ok = await put(f);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(json(ok).sha256, sha(tgz));
  assert.equal(store.state.nodes[MAC]?.raw?.sha256, sha(tgz));
  await writeFile(f, 'plain text');
  assert.equal((await put(f)).status, 400);
  const random = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(20_000, 1)]);
  await writeFile(f, random);
  assert.equal((await put(f)).status, 413);
  // chunked (no Content-Length): cut off at the limit while streaming
  assert.equal((await put(f, ['-H', 'Transfer-Encoding: chunked'])).status, 413);
  assert.equal(sha(await readFile(join(config.dataDir, 'nodes', MAC, 'raw.tar.gz'))), sha(tgz));
  assert.deepEqual(
    (await nodeFiles(MAC)).filter((n) => n.startsWith('.')),
    [],
  );
});

void test(
  'command long-poll: times out to none, wakes on a queued command, delivers once',
  { skip },
  async () => {
    const t0 = Date.now();
    const idle = await curl([], `/api/v1/nodes/${MAC}/command?wait=1`);
    assert.deepEqual(JSON.parse(idle.body), { command: 'none' });
    assert.ok(Date.now() - t0 >= 900, 'waited about a second');
    const polling = curl([], `/api/v1/nodes/${MAC}/command?wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const t1 = Date.now();
    await store.emit({ type: 'command.queued', data: { mac: MAC, command: 'shutdown', by: 'test' } });
    const got = await polling;
    assert.deepEqual(JSON.parse(got.body), { command: 'shutdown' });
    assert.ok(Date.now() - t1 < 3000, 'woke at once');
    assert.ok(
      events.some(
        (e) => e.type === 'command.delivered' && e.data.mac === MAC && e.data.command === 'shutdown',
      ),
    );
    assert.equal(store.state.nodes[MAC]?.pendingCommand, undefined);
    // a command queued before the poll is returned at once
    await store.emit({ type: 'command.queued', data: { mac: MAC, command: 'recollect', by: 'test' } });
    assert.deepEqual(JSON.parse((await curl([], `/api/v1/nodes/${MAC}/command?wait=0`)).body), {
      command: 'recollect',
    });
    assert.deepEqual(JSON.parse((await curl([], `/api/v1/nodes/${MAC}/command`)).body), { command: 'none' });
  },
);

void test(
  'large bodies by sendfile: concurrent, slow and ranged readers get every byte; a reader that leaves frees its descriptors',
  { skip, timeout: 60_000 },
  async () => {
    // larger than any socket buffer, so the sends fill the socket and wait for it to drain
    const big = randomBytes(24 << 20);
    await writeFile(join(dir, 'isos', 'big.bin'), big);
    const openFds = () => readdirSync('/proc/self/fd').length;
    // the first large body starts the sender thread, whose descriptors stay for the process's life
    const first = await curl([], '/isos/big.bin');
    assert.equal(sha(first.raw), sha(big));
    const fdsBefore = openFds();
    const [a, b, slow, ranged] = await Promise.all([
      curl([], '/isos/big.bin'),
      curl([], '/isos/big.bin'),
      curl(['--limit-rate', '12M'], '/isos/big.bin'),
      curl(['--limit-rate', '12M', '-r', '1000001-'], '/isos/big.bin'),
    ]);
    for (const r of [a, b, slow]) {
      assert.equal(r.status, 200);
      assert.equal(sha(r.raw), sha(big));
    }
    assert.equal(ranged.status, 206);
    assert.equal(sha(ranged.raw), sha(big.subarray(1000001)));
    const gone = await curl(['--limit-rate', '2M', '--max-time', '1'], '/isos/big.bin');
    assert.ok(gone.raw.length < big.length, 'the leaving reader got less than the whole file');
    const deadline = Date.now() + 5000;
    while (openFds() > fdsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(openFds() <= fdsBefore, `descriptors left open: ${openFds()} > ${fdsBefore}`);
  },
);

void test('a port already in use fails the service with the reason', { skip }, async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const cfg = parseConfig({ ...loopbackConfig(dir), dataDir: join(dir, 'data2'), ports: { http: port } });
  const s2 = await StateStore.open(cfg.dataDir, { log });
  try {
    await assert.rejects(
      startHttp({ config: cfg, store: s2, log, flags: { proxyDhcp: false, forceDhcp: false }, version: 't' }),
      /EADDRINUSE/,
    );
    assert.equal(s2.state.services.http?.state, 'failed');
    assert.match(s2.state.services.http?.detail ?? '', /EADDRINUSE/);
  } finally {
    blocker.close();
    await s2.close();
  }
});

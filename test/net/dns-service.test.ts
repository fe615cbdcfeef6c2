// The DNS service in a network namespace, asked by the real `dig` from a peer namespace over UDP and
// TCP, IPv4 and IPv6; names follow leases as they come and go; 50 000 fuzzed packets do not stop it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '../helpers/needs.js';
import { NetnsRig, type Peer } from '../helpers/netns.js';
import { ServiceProcess } from '../fixtures/tftp/service-process.js';

const skip = needs({ root: true, tools: ['ip', 'dig'] });
const FUZZ = fileURLToPath(new URL('../fixtures/tftp/udp-fuzz.ts', import.meta.url));
const MAC = '52:54:00:aa:bb:01';

let rig: NetnsRig;
let peer: Peer;
let dns: ServiceProcess;
let dir: string;

async function dig(
  args: string[],
): Promise<{ status: string; answers: string[]; authority: string[]; raw: string }> {
  const r = await rig.exec(peer.ns, ['dig', '+tries=1', '+time=2', '+nocookie', ...args], {
    timeoutMs: 10_000,
  });
  const raw = r.stdout;
  const section = (name: string) => {
    const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(raw);
    return m ? m[1]!.split('\n').map((l) => l.split(/\s+/).slice(3).join(' ')) : [];
  };
  return {
    status: /status: (\w+)/.exec(raw)?.[1] ?? `no reply (${r.stderr.trim()})`,
    answers: section('ANSWER'),
    authority: section('AUTHORITY'),
    raw,
  };
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-dns-'));
  rig = await NetnsRig.create('dns');
  peer = await rig.addPeer();
  await rig.exec(peer.ns, ['ip', 'addr', 'add', '10.99.0.50/24', 'dev', 'eth0']);
  await rig.exec(peer.ns, ['ip', 'addr', 'add', 'fd99::50/64', 'dev', 'eth0', 'nodad']);
  dns = await ServiceProcess.start(rig, 'dns', {
    interface: 'br0',
    ipv4: { address: '10.99.0.1', prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
    ipv6: { address: 'fd99::1' },
    domain: 'recon.internal',
    names: ['bang', 'master'],
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'tftp'),
  });
});

after(async () => {
  if (skip) return;
  await dns?.stop();
  await rig?.teardown();
  await rm(dir, { recursive: true, force: true });
});

for (const transport of ['udp', 'tcp'] as const) {
  const t = transport === 'tcp' ? ['+tcp'] : [];
  void test(`dig over ${transport}: A, AAAA, PTR, NXDOMAIN with SOA, REFUSED outside`, { skip }, async () => {
    assert.deepEqual((await dig(['@10.99.0.1', 'bang', ...t])).answers, ['A 10.99.0.1']);
    assert.deepEqual((await dig(['@10.99.0.1', 'master.recon.internal', 'AAAA', ...t])).answers, [
      'AAAA fd99::1',
    ]);
    assert.deepEqual(
      (await dig(['@fd99::1', 'bang.recon.internal', ...t])).answers,
      ['A 10.99.0.1'],
      'served on IPv6',
    );
    assert.deepEqual((await dig(['@10.99.0.1', '-x', '10.99.0.1', ...t])).answers, [
      'PTR bang.recon.internal.',
    ]);
    assert.deepEqual((await dig(['@10.99.0.1', '-x', 'fd99::1', ...t])).answers, [
      'PTR bang.recon.internal.',
    ]);
    const nx = await dig(['@10.99.0.1', 'nope.recon.internal', ...t]);
    assert.equal(nx.status, 'NXDOMAIN');
    assert.match(nx.authority[0] ?? '', /^SOA bang\.recon\.internal\. hostmaster\.recon\.internal\. \d+ /);
    assert.match(nx.raw, /flags: qr aa rd;/, 'authoritative, no recursion available');
    const out = await dig(['@10.99.0.1', 'example.com', ...t]);
    assert.equal(out.status, 'REFUSED');
    assert.equal(out.answers.length, 0);
    assert.equal(
      (await dig(['@10.99.0.1', 'recon.internal', 'NS', ...t])).answers[0],
      'NS bang.recon.internal.',
    );
  });
}

void test('the master resolves its own names on loopback', { skip }, async () => {
  const r = await rig.exec(rig.masterNs, [
    'dig',
    '+short',
    '+tries=1',
    '+time=2',
    '@127.0.0.1',
    'master',
    'AAAA',
  ]);
  assert.equal(r.stdout.trim(), 'fd99::1');
});

void test('names follow leases as they are granted, released and expire', { skip }, async () => {
  const name = 'node-525400aabb01.recon.internal';
  assert.equal((await dig(['@10.99.0.1', name])).status, 'NXDOMAIN');
  const expiresAt = new Date(Date.now() + 300_000).toISOString();
  await dns.emit({
    type: 'lease.granted',
    data: { mac: MAC, family: 4, ip: '10.99.0.150', expiresAt, hostname: 'web7' },
  });
  await dns.emit({ type: 'lease.granted', data: { mac: MAC, family: 6, ip: 'fd99::1234', expiresAt } });
  assert.deepEqual((await dig(['@10.99.0.1', name])).answers, ['A 10.99.0.150']);
  assert.deepEqual((await dig(['@10.99.0.1', 'web7', 'AAAA', '+tcp'])).answers, ['AAAA fd99::1234']);
  assert.deepEqual((await dig(['@10.99.0.1', '-x', '10.99.0.150'])).answers, ['PTR web7.recon.internal.']);
  assert.deepEqual((await dig(['@10.99.0.1', '-x', 'fd99::1234'])).answers, ['PTR web7.recon.internal.']);
  await dns.emit({ type: 'lease.released', data: { mac: MAC, family: 4, ip: '10.99.0.150' } });
  assert.equal((await dig(['@10.99.0.1', name])).answers.length, 0, 'A gone with the v4 lease');
  assert.equal((await dig(['@10.99.0.1', '-x', '10.99.0.150'])).status, 'NXDOMAIN');
  assert.deepEqual(
    (await dig(['@10.99.0.1', name, 'AAAA'])).answers,
    ['AAAA fd99::1234'],
    'v6 lease still there',
  );
  await dns.emit({ type: 'lease.expired', data: { mac: MAC, family: 6, ip: 'fd99::1234' } });
  assert.equal((await dig(['@10.99.0.1', 'web7.recon.internal', 'AAAA'])).status, 'NXDOMAIN');
});

void test(
  '50 000 random and mutated packets: no crash, real clients still answered',
  { skip, timeout: 180_000 },
  async () => {
    const seeds = ['dig-a-bang', 'dig-aaaa-fqdn-noedns', 'dig-ptr-v6', 'dig-soa-zone'].map(async (f) =>
      (await readFile(new URL(`../fixtures/dns/${f}.hex`, import.meta.url), 'utf8')).trim(),
    );
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      FUZZ,
      'dns',
      '10.99.0.1',
      '53',
      '50000',
      '7',
      ...(await Promise.all(seeds)),
    ];
    const r = await rig.exec(peer.ns, argv, { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { sent: number; replies: number };
    assert.equal(summary.sent, 50_000);
    assert.ok(
      summary.replies > 1000,
      `the server kept answering during the fuzz (${summary.replies} replies)`,
    );
    assert.ok(dns.alive, 'service process still running');
    assert.deepEqual((await dig(['@10.99.0.1', 'bang'])).answers, ['A 10.99.0.1']);
    assert.deepEqual((await dig(['@10.99.0.1', 'bang', '+tcp'])).answers, ['A 10.99.0.1']);
  },
);

// proxyDHCP: dnsmasq hands out addresses on the segment, recon (--proxy-dhcp) adds boot options only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../helpers/needs.js';
import { NetnsRig } from '../helpers/netns.js';
import { ReconDhcp4, rigConfig, tempDir } from '../helpers/dhcp4-rig.js';

const skip = needs({ root: true, tools: ['dnsmasq'] });

interface Reply {
  from: string;
  port: number;
  type: string;
  yiaddr: string;
  siaddr: string;
  file: string;
  options: Record<string, string>;
}

let rig: NetnsRig;
let recon: ReconDhcp4;

before(async () => {
  if (skip) return;
  rig = await NetnsRig.create('d4p');
  // the segment's own DHCP server: dnsmasq at 10.99.0.2 in its own namespace, no boot options
  const other = await rig.addPeer('52:54:00:dd:00:fe');
  await rig.exec(other.ns, ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
  const leases = `${tempDir('dnsmasq')}/leases`;
  rig.spawn(other.ns, [
    'dnsmasq',
    '--no-daemon',
    '--conf-file=/dev/null',
    '--interface=eth0',
    '--bind-interfaces',
    '--except-interface=lo',
    '--no-resolv',
    '--no-hosts',
    '--port=0',
    '--dhcp-range=10.99.0.50,10.99.0.60,255.255.255.0,1h',
    `--dhcp-leasefile=${leases}`,
    '--dhcp-authoritative',
    '--no-ping',
  ]);
  recon = await ReconDhcp4.start(rig, rigConfig(tempDir('d4p'), {}), ['--proxy-dhcp']);
});

after(async () => {
  if (skip) return;
  await recon?.stop();
  await rig?.teardown();
});

async function probe(ns: string, args: string[]): Promise<Reply[]> {
  const r = await rig.exec(
    ns,
    [process.execPath, '--import', 'tsx', 'test/helpers/dhcp4-probe.ts', ...args],
    { timeoutMs: 20_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Reply);
}

void test(
  'a PXE DISCOVER gets an address from dnsmasq and boot options only from recon',
  { skip },
  async () => {
    const client = await rig.addPeer('52:54:00:dd:00:01');
    // a kernel socket only hears broadcasts on a configured interface (real clients use raw sockets);
    // the DISCOVER itself still has ciaddr 0.0.0.0
    await rig.exec(client.ns, ['ip', 'addr', 'add', '10.99.0.77/24', 'dev', 'eth0']);
    await rig.exec(client.ns, ['ip', 'route', 'add', 'default', 'dev', 'eth0']); // a route for 255.255.255.255
    const offers = await probe(client.ns, ['discover', '52:54:00:dd:00:01', '2500']);
    const fromDnsmasq = offers.find((o) => o.from === '10.99.0.2');
    const fromRecon = offers.find((o) => o.options['54'] === '0a630001');
    assert.ok(fromDnsmasq && /^10\.99\.0\.(5\d|60)$/.test(fromDnsmasq.yiaddr), JSON.stringify(offers));
    assert.ok(fromRecon, JSON.stringify(offers));
    assert.equal(fromRecon.type, 'OFFER');
    assert.equal(fromRecon.yiaddr, '0.0.0.0');
    assert.equal(fromRecon.file, 'undionly.kpxe');
    assert.equal(fromRecon.siaddr, '10.99.0.1');
    assert.equal(Buffer.from(fromRecon.options['60']!, 'hex').toString(), 'PXEClient');
    assert.equal(fromRecon.options['51'], undefined); // no lease
    assert.equal(fromRecon.options['1'], undefined); // no network settings: they are the other server's
    assert.equal(fromRecon.options['97'], '00' + '5a'.repeat(16)); // UUID echoed (PXE spec)
    await recon.waitFor((e) => e.type === 'dhcp.discover' && e.data.mac === '52:54:00:dd:00:01');
    assert.equal(
      recon.events.some((e) => e.type === 'lease.granted'),
      false,
    );
  },
);

void test('the boot-server request on port 4011 is answered with the boot file', { skip }, async () => {
  const client = await rig.addPeer('52:54:00:dd:00:02');
  await rig.exec(client.ns, ['ip', 'addr', 'add', '10.99.0.55/24', 'dev', 'eth0']);
  const acks = await probe(client.ns, [
    'pxe-request',
    '52:54:00:dd:00:02',
    '1500',
    '10.99.0.55',
    '10.99.0.1',
  ]);
  assert.equal(acks.length, 1, JSON.stringify(acks));
  assert.equal(acks[0]!.type, 'ACK');
  assert.equal(acks[0]!.from, '10.99.0.1');
  assert.equal(acks[0]!.yiaddr, '0.0.0.0');
  assert.equal(acks[0]!.file, 'undionly.kpxe');
  assert.equal(Buffer.from(acks[0]!.options['67']!, 'hex').toString(), 'undionly.kpxe');
});

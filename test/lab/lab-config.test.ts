// The master configs the lab generates, for the namespace lab and the loopback lab, are valid configs and
// say what each place needs; the loopback subnet stays off 127.0.0.x and the ports are consecutive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/model/config/schema.js';
import { labConfig } from '../../src/lab/lab.js';
import { loopbackSubnet, portsFrom } from '../../src/lab/network.js';

test('namespace lab: the bridge, standard ports, IPv6 on, uploads only from the leased address', () => {
  const c = configSchema.parse(
    labConfig('/srv/lab', {
      interface: 'br0',
      subnet: { v4: '10.123.4', v6: 'fd5a:1ab0:7' },
      sharedSource: false,
    }),
  );
  assert.equal(c.interface, 'br0');
  assert.equal(c.ipv4.address, '10.123.4.1');
  assert.deepEqual(c.ipv4.range, ['10.123.4.20', '10.123.4.250']);
  assert.equal(c.ipv6.enabled, true);
  assert.equal(c.ipv6.address, 'fd5a:1ab0:7::1');
  assert.equal(c.ports.dhcp4, 67);
  assert.equal(c.ports.http, 80);
  assert.equal(c.http.trustAnySource, false);
  assert.equal(c.guard.enabled, false);
  assert.equal(c.dataDir, '/srv/lab/data');
});

test('loopback lab: lo, unprivileged ports, IPv6 off, uploads from any source', () => {
  const ports = portsFrom(41000);
  const c = configSchema.parse(
    labConfig('/srv/lab', { interface: 'lo', subnet: { v4: '127.9.8' }, ports, sharedSource: true }),
  );
  assert.equal(c.interface, 'lo');
  assert.equal(c.ipv4.address, '127.9.8.1');
  assert.equal(c.ipv6.enabled, false);
  assert.deepEqual(c.ports, {
    dhcp4: 41000,
    dhcp4Client: 41001,
    proxyDhcp: 41002,
    dhcp6: 41003,
    dns: 41004,
    tftp: 41005,
    http: 41006,
  });
  assert.equal(c.http.trustAnySource, true);
  assert.equal(c.guard.enabled, false);
});

test('loopback subnets: inside 127/8, never 127.0.x, distinct for nearby seeds', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 70_000; seed += 97) {
    const s = loopbackSubnet(seed);
    const [a, b, c] = s.split('.').map(Number);
    assert.equal(a, 127);
    assert.ok(b! >= 1 && b! <= 254 && c! >= 0 && c! <= 255, s);
    seen.add(s);
  }
  assert.equal(seen.size, Math.ceil(70_000 / 97));
});

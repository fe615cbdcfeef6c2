import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../src/model/config/load.js';

test('defaults follow the original recipe (with a ULA instead of the 3210: prefix)', () => {
  const c = parseConfig({});
  assert.equal(c.interface, 'lan0');
  assert.equal(c.ipv4.address, '192.168.219.1');
  assert.equal(c.ipv4.prefix, 24);
  assert.deepEqual(c.ipv4.range, ['192.168.219.50', '192.168.219.250']);
  assert.equal(c.ipv4.leaseSeconds, 300);
  assert.equal(c.ipv4.maxLeaseSeconds, 600);
  assert.deepEqual(c.names, ['bang', 'master', 'recon']);
  assert.match(c.ipv6.address, /^fd/);
  assert.deepEqual(c.power.poweroffCommand, ['systemctl', 'poweroff']);
  assert.equal(c.ports.http, 80);
  assert.equal(c.controlSocket, '/run/recon/control.sock');
});

test('valid overrides are kept and defaults fill the rest', () => {
  const c = parseConfig({
    interface: 'br0',
    ipv4: {
      address: '10.99.0.1',
      range: ['10.99.0.100', '10.99.0.200'],
      reservations: [{ mac: '52-54-00-AA-BB-CC', ip: '10.99.0.9' }],
    },
    ports: { http: 8080, dhcp4: 1067 },
  });
  assert.equal(c.interface, 'br0');
  assert.equal(c.ipv4.prefix, 24);
  assert.equal(c.ipv4.reservations[0]?.mac, '52:54:00:aa:bb:cc');
  assert.equal(c.ports.http, 8080);
  assert.equal(c.ports.dns, 53);
});

const broken: [string, unknown, RegExp[]][] = [
  ['bad IPv4 address', { ipv4: { address: '300.1.1.1' } }, [/^ipv4\.address: expected an IPv4 address/]],
  [
    'range outside subnet',
    { ipv4: { range: ['10.0.0.5', '192.168.219.9'] } },
    [/^ipv4\.range\.0: 10\.0\.0\.5 is outside/],
  ],
  [
    'range reversed',
    { ipv4: { range: ['192.168.219.90', '192.168.219.60'] } },
    [/^ipv4\.range: start .* is after end/],
  ],
  [
    'range holds the master',
    { ipv4: { range: ['192.168.219.1', '192.168.219.9'] } },
    [/contains the master's own address/],
  ],
  ['lease longer than max', { ipv4: { leaseSeconds: 900 } }, [/^ipv4\.leaseSeconds: 900 is more than/]],
  ['port out of range', { ports: { http: 70000 } }, [/^ports\.http:/]],
  ['port is a string', { ports: { dns: '53' } }, [/^ports\.dns:.*number/]],
  ['unknown key', { bogus: true }, [/^bogus: unknown key$/]],
  ['misspelt key', { interfce: 'eth0' }, [/^interfce: unknown key \(did you mean `interface`\?\)$/]],
  [
    'misspelt nested keys, one line each',
    { ipv4: { adress: '10.0.0.1', leaseSecond: 60 } },
    [
      /^ipv4\.adress: unknown key \(did you mean `address`\?\)$/,
      /^ipv4\.leaseSecond: unknown key \(did you mean `leaseSeconds`\?\)$/,
    ],
  ],
  [
    'misspelt key inside a list',
    { ipv4: { reservations: [{ mac: '52:54:00:00:00:01', hostnme: 'a' }] } },
    [/^ipv4\.reservations\.0\.hostnme: unknown key \(did you mean `hostname`\?\)$/],
  ],
  ['relative data dir', { dataDir: 'data' }, [/^dataDir: expected an absolute path/]],
  [
    'bad MAC in reservation',
    { ipv4: { reservations: [{ mac: 'zz:zz' }] } },
    [/^ipv4\.reservations\.0\.mac: expected a MAC/],
  ],
  [
    'duplicate reservation',
    { ipv4: { reservations: [{ mac: '52:54:00:00:00:01' }, { mac: '52:54:00:00:00:01' }] } },
    [/reserved twice/],
  ],
  [
    'two serial consoles',
    { boot: { consoles: ['ttyS1,115200n8', 'ttyS0,115200n8'] } },
    [/^boot\.consoles: Linux takes one serial console/],
  ],
  ['empty poweroff command', { power: { poweroffCommand: [] } }, [/^power\.poweroffCommand:/]],
  [
    'both password and file',
    { power: { ipmi: { password: 'x', passwordFile: '/etc/recon/ipmi' } } },
    [/password or passwordFile/],
  ],
  ['bad host name', { names: ['bang!'] }, [/^names\.0: expected a host name/]],
  ['not an object', 42, [/expected object/]],
  [
    'several problems at once',
    { ipv4: { address: 'x' }, ports: { tftp: -1 }, domain: 'bad domain' },
    [/^ipv4\.address:/, /^ports\.tftp:/, /^domain:/],
  ],
];

for (const [name, raw, expected] of broken) {
  test(`broken config: ${name} → one line per problem naming the field`, () => {
    assert.throws(
      () => parseConfig(raw, 'test.json'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        for (const re of expected)
          assert.ok(
            e.problems.some((p) => re.test(p)),
            `${re} not in ${JSON.stringify(e.problems)}`,
          );
        return true;
      },
    );
  });
}

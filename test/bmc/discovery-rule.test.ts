// The BMC discovery decisions, pure: who is probed and when, what a service root says, what the probes
// add up to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bmcHint, discoveredBmc, probeDue, serviceRootFacts } from '../../src/master/bmc/discovery-rule.js';

void test('probeDue: first lease, a new address, a renewal after the re-probe time; never a node', () => {
  const MIN = 60_000;
  const lease = { mac: '52:54:00:00:00:01', ip: '10.0.0.5', isNode: false };
  const rows: [string, Parameters<typeof probeDue>, boolean][] = [
    ['first lease', [lease, undefined, 0, 10 * MIN], true],
    ['renewal too soon', [lease, { ip: '10.0.0.5', at: 0 }, 9 * MIN, 10 * MIN], false],
    ['renewal after the re-probe time', [lease, { ip: '10.0.0.5', at: 0 }, 10 * MIN, 10 * MIN], true],
    ['a new address', [lease, { ip: '10.0.0.6', at: 0 }, 1, 10 * MIN], true],
    ['a boot client (a node) is no BMC', [{ ...lease, isNode: true }, undefined, 0, 10 * MIN], false],
    ['re-probe time 0: every renewal', [lease, { ip: '10.0.0.5', at: 5 }, 5, 0], true],
  ];
  for (const [name, args, want] of rows) assert.equal(probeDue(...args), want, name);
});

void test('serviceRootFacts: service roots shaped like iDRAC9, iLO 5 and Supermicro; not-Redfish answers', () => {
  const rows: [string, unknown, unknown][] = [
    [
      'iDRAC9 (Vendor, Product)',
      {
        '@odata.id': '/redfish/v1',
        '@odata.type': '#ServiceRoot.v1_6_0.ServiceRoot',
        RedfishVersion: '1.11.0',
        Vendor: 'Dell',
        Product: 'Integrated Dell Remote Access Controller',
        Oem: { Dell: {} },
      },
      { vendor: 'Dell', model: 'Integrated Dell Remote Access Controller' },
    ],
    [
      'iLO 5 (vendor only under Oem)',
      {
        '@odata.type': '#ServiceRoot.v1_5_1.ServiceRoot',
        RedfishVersion: '1.6.0',
        Oem: { Hpe: { Manager: [] } },
      },
      { vendor: 'HPE' },
    ],
    [
      'Supermicro X12',
      { RedfishVersion: '1.8.0', Vendor: 'Supermicro', Product: 'X12DPi-NT6', Oem: { Supermicro: {} } },
      { vendor: 'Supermicro', model: 'X12DPi-NT6' },
    ],
    ['a bare root', { '@odata.type': '#ServiceRoot.v1_0_0.ServiceRoot' }, {}],
    ['any other JSON', { status: 'ok' }, undefined],
    ['an array', [{ RedfishVersion: '1.0.0' }], undefined],
    ['not an object', 'RedfishVersion', undefined],
    [
      'overlong strings are cut',
      { RedfishVersion: '1.0.0', Vendor: 'V'.repeat(500) },
      { vendor: 'V'.repeat(64) },
    ],
  ];
  for (const [name, body, want] of rows) assert.deepEqual(serviceRootFacts(body), want, name);
});

void test('bmcHint: vendor class first, then the OUI; unknown makers give nothing', () => {
  assert.equal(bmcHint('00:25:90:00:00:01'), 'Supermicro');
  assert.equal(bmcHint('52:54:00:00:00:01', 'iDRAC-1.0'), 'Dell');
  assert.equal(bmcHint('52:54:00:00:00:01'), undefined);
});

void test('discoveredBmc: Redfish wins, IPMI otherwise, silent addresses are no BMC unless the config names them', () => {
  const lease = { address: '10.0.0.5', mac: '00:25:90:00:00:01', source: 'lease' as const };
  assert.deepEqual(discoveredBmc(lease, { redfish: { model: 'X13' }, rmcp: true }), {
    address: '10.0.0.5',
    mac: '00:25:90:00:00:01',
    vendor: 'Supermicro',
    model: 'X13',
    driver: 'redfish',
    redfish: true,
    ipmi: true,
    source: 'lease',
  });
  assert.equal(discoveredBmc(lease, { rmcp: true })?.driver, 'ipmi');
  assert.equal(discoveredBmc(lease, { rmcp: false }), undefined);
  const conf = { address: '198.51.100.7', source: 'config' as const };
  assert.deepEqual(discoveredBmc(conf, { rmcp: false }), {
    address: '198.51.100.7',
    driver: 'ipmi',
    redfish: false,
    ipmi: false,
    source: 'config',
  });
  assert.equal(discoveredBmc(conf, { redfish: {}, rmcp: true }, 'ipmi')?.driver, 'ipmi');
});

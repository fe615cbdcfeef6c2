// BMC events in the one reducer: a discovered BMC is listed by address, keeps its power state and last
// action across re-discovery, and is tied to the one node whose inventory reports its MAC (never to two).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BMCS, applyEvent, initialState, reduceAll } from '../../src/model/reducer.js';
import type { InventorySummary, NewEvent, ReconEvent } from '../../src/model/events.js';
import { describeEvent } from '../../src/tui/describe-event.js';

const NODE = '52:54:00:00:00:01';
const OTHER = '52:54:00:00:00:02';
const BMC_MAC = '0c:c4:7a:00:00:01';
let seq = 0;
const ev = (e: NewEvent): ReconEvent => ({ seq: ++seq, at: '2026-01-01T00:00:00.000Z', ...e }) as ReconEvent;

const found = (address: string, mac?: string): NewEvent => ({
  type: 'bmc.discovered',
  data: { address, mac, driver: 'ipmi', ipmi: true, redfish: false, source: mac ? 'lease' : 'config' },
});
const upload = (mac: string, summary: InventorySummary): NewEvent => ({
  type: 'inventory.stored',
  data: { mac, sha256: 'x', bytes: 1, summary },
});

void test('a discovered BMC is listed; power and last action survive a re-probe', () => {
  const s = reduceAll([
    ev(found('10.99.0.60', BMC_MAC)),
    ev({ type: 'bmc.power', data: { address: '10.99.0.60', state: 'off' } }),
    ev({
      type: 'bmc.action',
      data: { address: '10.99.0.60', action: 'power on', ok: true, message: 'done' },
    }),
    ev({
      type: 'bmc.discovered',
      data: {
        address: '10.99.0.60',
        mac: BMC_MAC,
        driver: 'redfish',
        redfish: true,
        vendor: 'Dell',
        source: 'lease',
      },
    }),
  ]);
  const b = s.bmcs?.['10.99.0.60'];
  assert.equal(b?.driver, 'redfish');
  assert.equal(b?.vendor, 'Dell');
  assert.equal(b?.power, 'off');
  assert.equal(b?.lastAction?.action, 'power on');
  // power and actions for an unknown BMC make nothing
  const none = reduceAll([ev({ type: 'bmc.power', data: { address: '10.0.0.9', state: 'on' } })]);
  assert.equal(none.bmcs, undefined);
});

void test('a BMC is tied to the node whose inventory reports its MAC, in either order', () => {
  const before = reduceAll([
    ev(found('10.99.0.60', BMC_MAC)),
    ev(upload(NODE, { bmc: { mac: '0C-C4-7A-00-00-01' } })),
  ]);
  assert.equal(before.bmcs?.['10.99.0.60']?.node, NODE);
  assert.equal(before.nodes[NODE]?.bmc, '10.99.0.60');
  const after = reduceAll([ev(upload(NODE, { bmc: { mac: BMC_MAC } })), ev(found('10.99.0.60', BMC_MAC))]);
  assert.equal(after.bmcs?.['10.99.0.60']?.node, NODE);
  assert.equal(after.nodes[NODE]?.bmc, '10.99.0.60');
  // a node that reports another BMC MAC later lets go of it
  applyEvent(after, ev(upload(NODE, { bmc: { mac: '0c:c4:7a:00:00:09' } })));
  assert.equal(after.bmcs?.['10.99.0.60']?.node, undefined);
  assert.equal(after.nodes[NODE]?.bmc, undefined);
});

void test('a BMC MAC two nodes report is tied to neither', () => {
  const s = reduceAll([
    ev(found('10.99.0.60', BMC_MAC)),
    ev(upload(NODE, { bmc: { mac: BMC_MAC } })),
    ev(upload(OTHER, { bmc: { mac: BMC_MAC } })),
  ]);
  assert.equal(s.bmcs?.['10.99.0.60']?.node, undefined);
  assert.equal(s.nodes[NODE]?.bmc, undefined);
  assert.equal(s.nodes[OTHER]?.bmc, undefined);
});

void test('a tied BMC reporting power on marks its powered-off node on; events name the node', () => {
  const s = reduceAll([
    ev(found('10.99.0.60', BMC_MAC)),
    ev(upload(NODE, { bmc: { mac: BMC_MAC } })),
    ev({ type: 'power.state', data: { mac: NODE, state: 'off', via: 'ipmi' } }),
  ]);
  assert.equal(s.nodes[NODE]?.power, 'off');
  const power = ev({ type: 'bmc.power', data: { address: '10.99.0.60', state: 'on' } });
  applyEvent(s, power);
  assert.equal(s.nodes[NODE]?.power, 'on');
  const line = describeEvent(power, s);
  assert.equal(line.mac, NODE);
  assert.match(line.detail, /BMC 10\.99\.0\.60 power on/);
  const action = ev({
    type: 'bmc.action',
    data: { address: '10.99.0.60', action: 'one-time boot pxe', ok: false, message: 'refused', by: 'cli' },
  });
  applyEvent(s, action);
  assert.match(describeEvent(action, s).detail, /one-time boot pxe FAILED: refused \(by cli\)/);
});

void test('the BMC list is bounded', () => {
  const s = initialState();
  for (let i = 0; i < MAX_BMCS + 10; i++)
    applyEvent(s, ev(found(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)));
  assert.equal(Object.keys(s.bmcs ?? {}).length, MAX_BMCS);
});

// `recon status` with health verdicts: counts per verdict (and the inventories stored before verdicts), the
// failing nodes with their reasons in the text, all of them in --json, and a long list cut in the text only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceAll } from '../../src/model/reducer.js';
import { formatStatus, STATUS_FAILING_SHOWN, summarize } from '../../src/cli/status-format.js';
import { fleetEvents, mac, PENDING } from '../tui/health-fleet.js';

test('status: verdict counts and the failing nodes with their reasons', () => {
  const s = summarize(reduceAll(fleetEvents()), '0.1.0');
  assert.deepEqual(s.health, { ok: 3, warn: 1, fail: 1, unknown: 1 });
  assert.deepEqual(s.failing, [
    { mac: mac(2), ip: '10.0.0.2', model: 'Dell Inc. PowerEdge R440', reasons: [PENDING] },
  ]);
  const text = formatStatus(s);
  assert.match(text, /^health: 3 ok, 1 warn, 1 fail, 1 not judged$/m);
  assert.ok(text.includes(`${mac(2)} 10.0.0.2 Dell Inc. PowerEdge R440 FAIL: ${PENDING}\n`), text);
  const json = JSON.parse(JSON.stringify(s)) as typeof s;
  assert.deepEqual(json.failing[0]?.reasons, [PENDING]);
});

test("status: a peer's escape sequences in a model or a reason never reach the terminal", () => {
  const s = summarize(reduceAll(fleetEvents()), '0.1.0');
  s.failing[0] = {
    ...s.failing[0]!,
    model: 'Evil\u001b[2J\u001b]0;owned\u0007',
    reasons: ['sensor \u001b[31mX\r'],
  };
  const text = formatStatus(s);
  // eslint-disable-next-line no-control-regex -- the test looks for control characters
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text), JSON.stringify(text));
  assert.match(text, /Evil\?\[2J\?\]0;owned\? FAIL: sensor \?\[31mX\?/);
});

test('status: no health line before any inventory; a long failing list is cut in the text, whole in JSON', () => {
  const none = summarize(reduceAll([]), '0.1.0');
  assert.doesNotMatch(formatStatus(none), /health:/);
  const events = fleetEvents();
  const failing = events.find((e) => e.type === 'inventory.stored' && e.data.mac === mac(2))!;
  const many = Array.from({ length: STATUS_FAILING_SHOWN + 5 }, (_, i) => ({
    ...failing,
    seq: 1000 + i,
    data: { ...failing.data, mac: `52:54:00:00:01:${i.toString(16).padStart(2, '0')}` },
  }));
  const s = summarize(reduceAll([...events, ...many] as typeof events), '0.1.0');
  assert.equal(s.failing.length, STATUS_FAILING_SHOWN + 6);
  const text = formatStatus(s);
  assert.equal((text.match(/ FAIL: /g) ?? []).length, STATUS_FAILING_SHOWN);
  assert.match(text, /and 6 more failing nodes \(--json lists them all\)/);
});

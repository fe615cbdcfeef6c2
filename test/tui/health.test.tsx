// Health verdicts in the console: the master's verdict (from each stored summary) joined with fleet drift,
// the HEALTH column in its verdict's colour at 80 columns, the node detail listing the reasons, the headless
// line of an arriving inventory, and a summary stored before verdicts shown as not judged, never as ok.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceAll } from '../../src/model/reducer.js';
import { fleetHealth, fullNodeHealth, nodeHealth, verdictCounts } from '../../src/model/health.js';
import { fleetProgress, nodeProblems } from '../../src/model/fleet.js';
import {
  columnSpan,
  filterNodes,
  layoutColumns,
  rowText,
  sortKeyForLetter,
  sortNodes,
} from '../../src/tui/node-table.js';
import { describeEvent, eventLineText } from '../../src/tui/describe-event.js';
import { detailLines } from '../../src/tui/lists.js';
import { summaryLine } from '../../src/tui/headless.js';
import { ASCII_GLYPHS } from '../../src/tui/format.js';
import { at, DRIFT, failingDisk, fleetEvents, mac, otherBios, PENDING } from './health-fleet.js';

// chalk decides its colour level when it is first loaded: colour on before Ink comes in
process.env.FORCE_COLOR = '1';
const { render } = await import('ink-testing-library');
const { ThemeContext, makeTheme } = await import('../../src/tui/theme.js');
const { NodesView } = await import('../../src/tui/views/nodes-view.js');

test('fleet health: the stored verdict joined with drift; a summary without a verdict is unknown, not ok', () => {
  const state = reduceAll(fleetEvents());
  const health = fleetHealth(state);
  assert.deepEqual(health.get(mac(1)), { verdict: 'ok', reasons: [] });
  assert.deepEqual(health.get(mac(2)), { verdict: 'fail', reasons: [PENDING] });
  assert.deepEqual(health.get(mac(5)), { verdict: 'warn', reasons: [DRIFT] });
  assert.equal(health.get(mac(6)), undefined);
  assert.deepEqual(verdictCounts(state, health), { ok: 3, warn: 1, fail: 1, unknown: 1 });
  // the one-node route (an arriving inventory) says the same as the fleet pass
  for (let i = 1; i <= 6; i++)
    assert.deepEqual(nodeHealth(state, state.nodes[mac(i)]!), health.get(mac(i)), mac(i));
  // problems: the verdict's reasons, drift included when the fleet's view is given
  assert.deepEqual(nodeProblems(state.nodes[mac(2)]!), [PENDING]);
  assert.deepEqual(nodeProblems(state.nodes[mac(5)]!), [], 'its own inventory alone shows no drift');
  assert.deepEqual(nodeProblems(state.nodes[mac(5)]!, health.get(mac(5))), [DRIFT]);
  assert.equal(fleetProgress(state).problems, 2);
});

test('node table: HEALTH at 80 columns, sort by h (fail first), problems filter includes drift', () => {
  const state = reduceAll(fleetEvents());
  const health = fleetHealth(state);
  const nodes = Object.values(state.nodes);
  const cols = layoutColumns(79);
  assert.equal(cols.at(-1)?.id, 'health');
  const row = (i: number) =>
    rowText(state.nodes[mac(i)]!, cols, undefined, Date.parse(at), ASCII_GLYPHS, true, health.get(mac(i)));
  assert.match(row(2), / fail {2}$/);
  assert.match(row(5), / warn {2}$/);
  assert.match(row(1), / ok {4}$/);
  assert.match(row(6), / - {5}$/, 'not judged: a dash');
  assert.equal(row(2).length, 79);
  const span = columnSpan(cols, 'health')!;
  assert.equal(row(2).slice(span.from, span.to), 'fail  ');
  assert.equal(sortKeyForLetter('h'), 'health');
  assert.deepEqual(
    sortNodes(nodes, 'health', false, health).map((n) => n.mac.slice(-1)),
    ['2', '5', '1', '3', '4', '6'],
  );
  assert.deepEqual(
    filterNodes(nodes, '', 'problems', health).map((n) => n.mac.slice(-1)),
    ['2', '5'],
  );
  assert.deepEqual(
    filterNodes(nodes, 'fail', undefined, health).map((n) => n.mac.slice(-1)),
    ['2'],
  );
});

test('HEALTH cell in its colour: fail red, warn yellow, ok green; the rest of the row in the stage colour', () => {
  const state = reduceAll(fleetEvents());
  const health = fleetHealth(state);
  const nodes = [1, 2, 5].map((i) => state.nodes[mac(i)]!);
  const app = render(
    <ThemeContext.Provider value={makeTheme(true, true)}>
      <NodesView
        nodes={nodes}
        transfers={new Map()}
        health={health}
        withNames={false}
        sort="ip"
        reverse={false}
        cursor={-1}
        now={Date.parse(at)}
        height={5}
        width={79}
        empty=""
      />
    </ThemeContext.Provider>,
  );
  const lines = (app.lastFrame() ?? '').split('\n');
  const line = (i: number) => lines.find((l) => l.includes(mac(i)))!;
  // uploaded is green (32); the verdict cell switches colour and back
  const sgr = (code: number, text: string) => `\u001b[${code}m${text}`;
  assert.ok(line(2).includes(sgr(31, 'fail  ')), JSON.stringify(line(2)));
  assert.ok(line(5).includes(sgr(33, 'warn  ')), JSON.stringify(line(5)));
  assert.ok(line(1).startsWith(sgr(32, mac(1))), JSON.stringify(line(1)));
  app.unmount();
});

test('node detail with the inventory file at hand: every reason, not the summary cut', () => {
  const state = reduceAll(fleetEvents());
  const inv = failingDisk();
  inv.disks[0]!.smart = {
    ...inv.disks[0]!.smart!,
    offlineUncorrectable: 3,
    reallocatedSectors: 9,
    udmaCrcErrors: 1,
  };
  inv.memory.edac = Array.from({ length: 8 }, (_, i) => ({
    name: `mc0/dimm${i}`,
    label: `A${i}`,
    correctedErrors: 0,
    uncorrectedErrors: i + 1,
  }));
  const node = state.nodes[mac(2)]!;
  const full = fullNodeHealth(state, node, inv);
  assert.equal(full.verdict, 'fail');
  assert.equal(full.reasons.length, 12, full.reasons.join('\n'));
  assert.ok(!full.reasons.some((r) => /^and \d+ more$/.test(r)));
  // the drifting node's full list keeps its drift
  assert.deepEqual(fullNodeHealth(state, state.nodes[mac(5)]!, otherBios()).reasons, [DRIFT]);
});

test('node detail lists the verdict and its reasons; the headless line of an arriving inventory says them', () => {
  const events = fleetEvents();
  const state = reduceAll(events);
  const health = fleetHealth(state);
  const text = (i: number) =>
    detailLines(state.nodes[mac(i)], mac(i), health.get(mac(i)), undefined, [], Date.parse(at), true).map(
      (l) => l.text,
    );
  const after = (lines: string[], first: string) =>
    lines.slice(lines.indexOf(first), lines.indexOf(first) + 2);
  assert.deepEqual(after(text(2), 'health FAIL'), ['health FAIL', `  ${PENDING}`], text(2).join('\n'));
  assert.deepEqual(after(text(5), 'health WARN'), ['health WARN', `  ${DRIFT}`]);
  assert.ok(!text(2).some((l) => l.startsWith('problem:')), 'the reasons are not listed twice');
  assert.ok(text(1).includes('health OK'));
  assert.ok(!text(6).some((l) => l.startsWith('health')), 'no verdict, no health line');

  const stored = events.find((e) => e.type === 'inventory.stored' && e.data.mac === mac(2))!;
  assert.match(
    eventLineText(describeEvent(stored, state)),
    new RegExp(
      `^\\S+ uploaded 52:54:00:00:00:02 10\\.0\\.0\\.2 inventory stored 2\\.0 kB Dell Inc\\. PowerEdge R440 ABC1234 FAIL: ${PENDING.replace(/[()]/g, '\\$&')}$`,
    ),
  );
  const drifted = events.find((e) => e.type === 'inventory.stored' && e.data.mac === mac(5))!;
  assert.match(eventLineText(describeEvent(drifted, state)), / WARN: node: BIOS: 2\.19\.0, while 4 of 5 /);
  assert.match(summaryLine(state, new Date()), /; inventories 6 \(health 3 ok, 1 warn, 1 fail\); /);
  const old = events.find((e) => e.type === 'inventory.stored' && e.data.mac === mac(6))!;
  assert.match(eventLineText(describeEvent(old, state)), /PowerEdge R440 ABC1234$/);
});

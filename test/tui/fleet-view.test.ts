// Table tests for the fleet view's pure parts: problems, progress, short hardware texts, quick filters,
// sort by a column's letter, the sort and expected-count prompts, the layout's heights, the detail's
// sections from a full inventory, and reduceAll leaving its input alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReconEvent } from '../../src/model/events.js';
import { applyEvent, initialState, reduceAll, type NodeRecord } from '../../src/model/reducer.js';
import {
  cpuModelShort,
  cpuText,
  disksText,
  fleetProgress,
  nodeProblems,
  progressText,
} from '../../src/model/fleet.js';
import { filterNodes, sortKeyForLetter, sortNodes } from '../../src/tui/node-table.js';
import { applyCommand, applyPromptKey, initialUi, type ViewFacts } from '../../src/tui/ui-state.js';
import { headerLines, screenLayout } from '../../src/tui/layout.js';
import { inventorySections } from '../../src/shared/inventory/sections.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const at = '2026-03-01T09:00:00.000Z';
let seq = 0;
const ev = (type: string, data: unknown) => ({ seq: ++seq, at, type, data }) as ReconEvent;
const summary = summarizeInventory(sampleInventory());
const clean = { ...summary, toolsFailed: undefined };

/**
 * Five nodes: clean and waiting, failed tools, a failed disk (a summary stored before health verdicts), booting,
 * never past DHCP.
 */
function fleet() {
  const events = [
    ev('lease.granted', { mac: '52:54:00:00:00:01', family: 4, ip: '10.0.0.1', expiresAt: at }),
    ev('inventory.stored', { mac: '52:54:00:00:00:01', sha256: 'a', bytes: 1, summary: clean }),
    ev('node.stage', { mac: '52:54:00:00:00:01', stage: 'waiting' }),
    ev('lease.granted', { mac: '52:54:00:00:00:02', family: 4, ip: '10.0.0.2', expiresAt: at }),
    ev('inventory.stored', { mac: '52:54:00:00:00:02', sha256: 'b', bytes: 1, summary }),
    ev('lease.granted', { mac: '52:54:00:00:00:03', family: 4, ip: '10.0.0.3', expiresAt: at }),
    ev('inventory.stored', {
      mac: '52:54:00:00:00:03',
      sha256: 'c',
      bytes: 1,
      summary: {
        ...clean,
        health: undefined,
        drift: undefined,
        memoryBytes: 2 ** 40,
        disks: [{ name: 'sdb', sizeBytes: 1e12, health: 'failed' }],
      },
    }),
    ev('lease.granted', { mac: '52:54:00:00:00:04', family: 4, ip: '10.0.0.4', expiresAt: at }),
    ev('node.stage', { mac: '52:54:00:00:00:04', stage: 'collecting' }),
    ev('dhcp.discover', { mac: '52:54:00:00:00:05', family: 4, firmware: 'uefi' }),
  ];
  return reduceAll(events);
}
const macs = (ns: NodeRecord[]) => ns.map((n) => n.mac.slice(-1));

test('problems and progress: failed tools and failed disks count, booting is between lease and upload', () => {
  const s = fleet();
  const n = (m: string) => s.nodes[`52:54:00:00:00:0${m}`]!;
  assert.deepEqual(nodeProblems(n('1')), []);
  assert.deepEqual(nodeProblems(n('2')), ['tools failed: smartctl:sda']);
  assert.deepEqual(nodeProblems(n('3')), ['disk sdb: SMART failed']);
  const p = fleetProgress(s);
  assert.deepEqual(p, { nodes: 5, expected: undefined, inventoried: 3, booting: 1, problems: 2 });
  assert.equal(progressText(p), '3 of 5 inventoried · 1 booting · 2 problems');
  applyEvent(s, ev('fleet.expected', { count: 200, by: 'config' }));
  assert.equal(progressText(fleetProgress(s), '|'), '3 / 200 inventoried | 1 booting | 2 problems');
  applyEvent(s, ev('fleet.expected', { count: 3, by: 'console' }));
  assert.equal(
    progressText(fleetProgress(s)),
    '3 / 3 inventoried · 1 booting · 2 problems · 2 more than expected',
  );
  applyEvent(s, ev('fleet.expected', { count: 0, by: 'console' }));
  assert.equal(s.expectedNodes, undefined, '0 clears the expectation');
});

test('short hardware texts: CPU shape and model, disks count / total in decimal units', () => {
  const table: [string | undefined, string][] = [
    ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 'Xeon Gold 6338'],
    ['AMD EPYC 7443P 24-Core Processor', 'EPYC 7443P'],
    ['QEMU Virtual CPU version 2.5+', 'QEMU Virtual version 2.5+'],
    [undefined, ''],
  ];
  for (const [model, short] of table) assert.equal(cpuModelShort(model), short, String(model));
  assert.equal(
    cpuText({ cpus: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cpuCount: 2, cores: 64 }),
    '2×32 Xeon Gold 6338',
  );
  assert.equal(cpuText({ cpus: 'x', cpuCount: 2, cores: 64 }, 'x'), '2x32 x');
  assert.equal(
    disksText({
      disks: [
        { name: 'a', sizeBytes: 480e9 },
        { name: 'b', sizeBytes: 480e9 },
      ],
    }),
    '2 / 960 GB',
  );
  assert.equal(disksText({ disks: [] }), '0');
  assert.equal(disksText(undefined), '');
});

test('quick filters and sorting by a column letter', () => {
  const all = Object.values(fleet().nodes);
  assert.deepEqual(macs(filterNodes(all, '', 'problems')), ['2', '3']);
  assert.deepEqual(macs(filterNodes(all, '', 'waiting')), ['1']);
  assert.deepEqual(macs(filterNodes(all, '', 'noInventory')), ['4', '5']);
  assert.deepEqual(
    macs(filterNodes(all, '10.0.0.3', 'problems')),
    ['3'],
    'words and quick filter both apply',
  );
  assert.equal(sortKeyForLetter('r'), 'ram');
  assert.equal(sortKeyForLetter('d'), 'disks');
  assert.equal(sortKeyForLetter('c'), 'cpu');
  assert.equal(sortKeyForLetter('z'), undefined);
  // unknown memory sorts last both ways
  assert.deepEqual(macs(sortNodes(all, 'ram', false)), ['1', '2', '3', '4', '5']);
  assert.deepEqual(macs(sortNodes(all, 'ram', true)).slice(0, 1), ['3']);
});

test('ui state: o then a letter sorts (again reverses), ! w n toggle, E asks the count and sends it', () => {
  const v: ViewFacts = { count: 5, page: 10, inventoried: 3, readOnly: false };
  let ui = applyCommand(initialUi(), 'sort', v).ui;
  assert.deepEqual(ui.prompt, { kind: 'sort' });
  const letter = (u: typeof ui, text: string) =>
    applyPromptKey(u, { text, enter: false, escape: false, backspace: false }).ui;
  ui = letter(ui, 'r');
  assert.equal(ui.sort, 'ram');
  assert.equal(ui.reverse, false);
  ui = letter(applyCommand(ui, 'sort', v).ui, 'r');
  assert.equal(ui.reverse, true, 'the same letter again turns the order round');
  ui = letter(applyCommand(ui, 'sort', v).ui, 'z');
  assert.equal(ui.sort, 'ram');
  assert.match(ui.status?.text ?? '', /no column has the letter "z"/);

  ui = applyCommand(initialUi(), 'problems', v).ui;
  assert.equal(ui.quick, 'problems');
  assert.equal(applyCommand(ui, 'problems', v).ui.quick, undefined, 'again shows all');
  assert.equal(applyCommand(ui, 'waiting', v).ui.quick, 'waiting');
  assert.equal(applyCommand(ui, 'back', v).ui.quick, undefined, 'Esc clears it');

  ui = applyCommand(initialUi(), 'expect', v).ui;
  for (const text of ['2', 'x', '0', '0']) ui = letter(ui, text);
  assert.deepEqual(ui.prompt, { kind: 'expect', text: '200' });
  const r = applyPromptKey(ui, { text: '', enter: true, escape: false, backspace: false });
  assert.deepEqual(r.effect, { kind: 'run', action: { name: 'expect', count: 200 }, label: 'expect' });
  assert.match(
    applyCommand(initialUi(), 'expect', { ...v, readOnly: true }).ui.status?.text ?? '',
    /read-only/,
  );
});

test('layout: the header grows by its alert lines, the body takes the rest, the last row and column stay free', () => {
  const s = initialState();
  const live = { status: 'live', version: 'x', since: 0 } as const;
  assert.equal(headerLines(s, live), 4);
  s.rogue.push({ serverId: '10.0.0.254', seenAt: at });
  s.stopping = 'power-down';
  assert.equal(headerLines(s, { status: 'connecting' }), 7);
  for (const [columns, rows] of [
    [80, 24],
    [200, 50],
  ] as const) {
    const l = screenLayout({ columns, rows }, initialState(), live);
    assert.equal(l.width, columns - 1);
    assert.equal(l.header + 1 + l.body + 2, rows - 1, `${columns}x${rows}`);
    assert.equal(l.page, l.body - 1);
  }
  assert.equal(screenLayout({ columns: 30, rows: 5 }, s, live).body, 3, 'never less than 3 body lines');
});

test('detail sections from a full inventory: DIMMs, disk health reasons, LLDP with VLANs, tool errors', () => {
  const inv = sampleInventory();
  inv.pci = [
    {
      slot: '0000:17:00.0',
      className: 'Ethernet controller',
      vendor: 'Intel',
      device: 'E810',
      driver: 'ice',
      modules: [],
    },
  ];
  const sections = inventorySections(inv, undefined);
  const text = (title: string) =>
    sections.find((s) => s.title.startsWith(title))?.lines.map((l) => l.text) ?? [];
  assert.deepEqual(
    sections.map((s) => s.title),
    ['System', 'Firmware', 'CPUs', 'Memory 32 GiB', 'Disks', 'NICs', 'PCI', 'BMC', 'Tools that failed'],
  );
  assert.deepEqual(text('Memory').slice(1), ['  A1  16 GiB', '  A2  16 GiB']);
  assert.match(text('Disks')[0]!, /^sda {2}4\.0 TB {2}SMART passed {2}43549 h on$/);
  assert.match(
    text('NICs')[0]!,
    /eno1 {2}aa:bb:cc:dd:ee:01 {2}10000 Mb\/s {2}link {2}switch sw1 {2}port Ethernet12 {2}VLAN 100/,
  );
  assert.deepEqual(text('PCI'), ['0000:17:00.0  Ethernet controller  Intel  E810  driver ice']);
  assert.deepEqual(sections.at(-1)?.lines, [{ text: 'smartctl:sda: failed  exit 2  x', warn: true }]);
  // without the file, the summary still gives every section it can
  assert.deepEqual(
    inventorySections(undefined, summarizeInventory(inv)).map((s) => s.title),
    ['System', 'Firmware', 'CPUs', 'Memory 32 GiB', 'Disks', 'NICs', 'BMC', 'Tools that failed'],
  );
});

test('reduceAll is pure: the state it starts from is left as it was', () => {
  const from = fleet();
  const before = JSON.stringify(from);
  const after = reduceAll([ev('node.stage', { mac: '52:54:00:00:00:01', stage: 'powered-off' })], from);
  assert.equal(JSON.stringify(from), before);
  assert.equal(after.nodes['52:54:00:00:00:01']?.stage, 'powered-off');
  assert.equal(from.nodes['52:54:00:00:00:01']?.stage, 'waiting');
});

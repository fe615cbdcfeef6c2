// Table tests for the console's pure parts: formatting, terminal mode, key table, node table,
// UI state transitions, event descriptions (over the recorded fixture log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ASCII_GLYPHS, UNICODE_GLYPHS, clean, fit, fmtElapsed, ipSortKey } from '../../src/tui/format.js';
import { decideTerminalMode } from '../../src/tui/terminal-mode.js';
import { BINDINGS, commandFor, footerLine, helpLines, splitKeys } from '../../src/tui/keys.js';
import { filterNodes, layoutColumns, rowText, sortNodes, stageCell } from '../../src/tui/node-table.js';
import { applyCommand, applyPromptKey, initialUi, type ViewFacts } from '../../src/tui/ui-state.js';
import { describeEvent, eventLineText } from '../../src/tui/describe-event.js';
import { summaryLine } from '../../src/tui/headless.js';
import { applyEvent, initialState, type ReconState } from '../../src/model/reducer.js';
import type { ReconEvent } from '../../src/model/events.js';
import type { Key } from 'ink';

const FIXTURE = new URL('../fixtures/tui/events.jsonl', import.meta.url);
const recorded = (): ReconEvent[] =>
  readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReconEvent);
const recordedState = (): ReconState => {
  const s = initialState();
  for (const ev of recorded()) applyEvent(s, ev);
  return s;
};

const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

test('fmtElapsed / fit / clean', () => {
  for (const [ms, s] of [
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [3_600_000 + 5 * 60_000, '1h05'],
    [50 * 3_600_000, '2d02'],
    [-5, '0s'],
  ] as const)
    assert.equal(fmtElapsed(ms), s);
  assert.equal(fit('abcdef', 4, ASCII_GLYPHS), 'abc~');
  assert.equal(fit('abcdef', 4, UNICODE_GLYPHS), 'abc…');
  assert.equal(fit('ab', 4, ASCII_GLYPHS, 'right'), '  ab');
  assert.equal(clean('evil\u001b[2Jname\u00e9', true), 'evil?[2Jname?');
  assert.equal(clean('caf\u00e9', false), 'caf\u00e9');
  assert.ok(ipSortKey('10.99.0.9') < ipSortKey('10.99.0.10'));
});

test('terminal mode: pipes and non-raw stdin go headless; serial TERMs go ASCII; NO_COLOR', () => {
  const tty = { stdoutIsTTY: true, rawModeSupported: true, term: 'xterm-256color', noColor: undefined };
  assert.deepEqual(decideTerminalMode({ headless: false, ascii: false }, tty), {
    headless: false,
    ascii: false,
    color: true,
  });
  assert.equal(
    decideTerminalMode({ headless: false, ascii: false }, { ...tty, stdoutIsTTY: false }).headless,
    true,
  );
  assert.match(
    decideTerminalMode({ headless: false, ascii: false }, { ...tty, rawModeSupported: undefined }).reason ??
      '',
    /single keys/,
  );
  assert.equal(decideTerminalMode({ headless: true, ascii: false }, tty).reason, undefined);
  for (const term of ['vt100', 'vt220', 'linux', 'vt220-am'])
    assert.equal(decideTerminalMode({ headless: false, ascii: false }, { ...tty, term }).ascii, true);
  assert.equal(decideTerminalMode({ headless: false, ascii: true }, tty).ascii, true);
  assert.equal(decideTerminalMode({ headless: false, ascii: false }, { ...tty, noColor: '1' }).color, false);
  assert.equal(decideTerminalMode({ headless: false, ascii: false }, { ...tty, noColor: '' }).color, true);
});

test('splitKeys: a run of plain keys becomes one press per key; single keys and chords stay whole', () => {
  const presses = (input: string, key = noKey) =>
    splitKeys(input, key).map(([i, k]) => (k.return ? '⏎' : k.tab ? '⇥' : k.backspace ? '⌫' : i));
  assert.deepEqual(presses('Ppoweroff\r'), ['P', ...'poweroff', '⏎']);
  assert.deepEqual(presses('\t\t'), ['⇥', '⇥']);
  assert.deepEqual(presses('ab\x7f'), ['a', 'b', '⌫']);
  assert.deepEqual(splitKeys('P', noKey), [['P', noKey]]);
  assert.equal(splitKeys('Ay', noKey)[0]![1].shift, true);
  assert.equal(splitKeys('Ay', noKey)[1]![1].shift, false);
  assert.deepEqual(splitKeys('', { ...noKey, downArrow: true }), [['', { ...noKey, downArrow: true }]]);
  assert.deepEqual(splitKeys('c', { ...noKey, ctrl: true }).length, 1);
  assert.equal(commandFor(...splitKeys('\t\t', noKey)[1]!), 'nextScreen');
});

test('key table: dispatch, footer fits 80 columns and keeps the action keys, help lists every binding', () => {
  assert.equal(commandFor('', { ...noKey, downArrow: true }), 'down');
  assert.equal(commandFor('j', noKey), 'down');
  assert.equal(commandFor('', { ...noKey, tab: true }), 'nextScreen');
  assert.equal(commandFor('', { ...noKey, tab: true, shift: true }), 'prevScreen');
  assert.equal(commandFor('P', noKey), 'powerOff');
  assert.equal(commandFor('c', { ...noKey, ctrl: true }), 'quit');
  assert.equal(commandFor('x', noKey), undefined);
  for (const ascii of [false, true]) {
    const f = footerLine(false, ascii, 80);
    assert.ok(f.length <= 80, f);
    for (const k of ['s:', 'A:', 'P:', '?:', 'q:', '/:']) assert.ok(f.includes(k), `${k} in ${f}`);
    const ro = footerLine(true, ascii, 80);
    assert.match(ro, /^READ-ONLY/);
    for (const k of ['s:', 'A:', 'P:']) assert.ok(!ro.includes(k), `${k} not in read-only footer ${ro}`);
    assert.ok(footerLine(false, ascii, 200).includes('Tab:screen'));
    const help = helpLines(true, ascii);
    assert.equal(help.length, BINDINGS.length);
    assert.ok(help.some((l) => l.includes('final power-down') && l.includes('disabled')));
    if (ascii) assert.ok(help.every((l) => /^[\x20-\x7e]*$/.test(l)));
  }
});

test('node table: columns fit every width, filter and sort over the recorded fleet', () => {
  for (let w = 40; w <= 200; w += 7) {
    const cols = layoutColumns(w);
    const used = cols.reduce((n, c) => n + c.width, 0) + cols.length - 1;
    assert.ok(used <= w, `width ${w}: ${used}`);
    assert.ok(cols.some((c) => c.id === 'mac'));
  }
  assert.ok(layoutColumns(80).some((c) => c.id === 'system'));
  assert.ok(layoutColumns(170).some((c) => c.id === 'bmc'));
  const state = recordedState();
  const nodes = Object.values(state.nodes);
  assert.equal(nodes.length, 12);
  assert.deepEqual(
    filterNodes(nodes, 'SN100005').map((n) => n.mac),
    [],
    'node 5 stops before its upload: no serial known',
  );
  assert.deepEqual(
    filterNodes(nodes, 'sn100002').map((n) => n.mac),
    ['52:54:00:00:00:02'],
  );
  assert.equal(
    filterNodes(nodes, 'dell uploaded').length + filterNodes(nodes, 'dell powered-off').length >= 1,
    true,
  );
  const byStage = sortNodes(nodes, 'stage', false).map((n) => n.stage);
  assert.equal(byStage[0], 'leased');
  assert.equal(sortNodes(nodes, 'stage', true)[0]?.stage, 'powered-off');
  const byIp = sortNodes(nodes, 'ip', false);
  assert.equal(byIp[0]?.ip4, '10.99.0.51');
  const n = byIp[0];
  assert.ok(n);
  const row = rowText(n, layoutColumns(80), undefined, Date.parse(n.stageAt) + 65_000, ASCII_GLYPHS, true);
  assert.equal(row.length, 80);
  // 80 columns: what a node is and how much of it, before boot details
  assert.match(row, /^52:54:00:00:00:00 10\.99\.0\.51 +powered-off 1m +Dell Inc\. Po~ 16 GiB +- +$/);
  const wide = layoutColumns(200);
  assert.deepEqual(
    wide.map((c) => c.id),
    [
      'mac',
      'ip',
      'name',
      'fw',
      'stage',
      'system',
      'cpu',
      'ram',
      'disks',
      'health',
      'failed',
      'serial',
      'bmc',
      'power',
    ],
  );
  assert.ok(
    !layoutColumns(200, false).some((c) => c.id === 'name'),
    'no NAME column when no node has a name',
  );
  const wideRow = rowText(byIp[1]!, wide, undefined, Date.parse(n.stageAt), ASCII_GLYPHS, true);
  assert.match(wideRow, /HPE ProLiant DL360 Gen10 +2x12 Xeon Silver 4214 +32 GiB +1 \/ 4\.0 TB +- /);
  assert.equal(
    stageCell(
      { ...n, stage: 'kernel' },
      { ...Object.values(state.transfers)[0]!, size: 200, bytes: 50 },
      Date.parse(n.stageAt),
    ),
    'kernel 25% 0s',
  );
});

test('ui state: confirm / cancel, typed power-down word, read-only refuses', () => {
  const v: ViewFacts = {
    count: 10,
    page: 5,
    selectedMac: '52:54:00:00:00:01',
    inventoried: 3,
    readOnly: false,
  };
  let r = applyCommand(initialUi(), 'shutdown', v);
  assert.equal(r.ui.prompt?.kind, 'confirm');
  const cancelled = applyPromptKey(r.ui, { text: 'n', enter: false, escape: false, backspace: false });
  assert.equal(cancelled.effect, undefined);
  assert.match(cancelled.ui.status?.text ?? '', /cancelled, nothing was sent/);
  const yes = applyPromptKey(r.ui, { text: 'y', enter: false, escape: false, backspace: false });
  assert.deepEqual(yes.effect, {
    kind: 'run',
    action: { name: 'shutdown', macs: ['52:54:00:00:00:01'] },
    label: 'shutdown',
  });

  r = applyCommand(initialUi(), 'powerOff', v);
  let ui = r.ui;
  for (const ch of 'powerof')
    ui = applyPromptKey(ui, { text: ch, enter: false, escape: false, backspace: false }).ui;
  const wrong = applyPromptKey(ui, { text: '', enter: true, escape: false, backspace: false });
  assert.equal(wrong.effect, undefined);
  assert.match(wrong.ui.status?.text ?? '', /not confirmed/);
  ui = applyPromptKey(ui, { text: 'f', enter: false, escape: false, backspace: false }).ui;
  const y = applyPromptKey(ui, { text: 'y', enter: false, escape: false, backspace: false }).ui; // "poweroffy"
  const back = applyPromptKey(y, { text: '', enter: false, escape: false, backspace: true }).ui;
  const ok = applyPromptKey(back, { text: '', enter: true, escape: false, backspace: false });
  assert.deepEqual(ok.effect, {
    kind: 'run',
    action: { name: 'poweroff', confirm: 'poweroff' },
    label: 'poweroff',
  });

  for (const c of ['shutdown', 'shutdownAll', 'powerOff'] as const) {
    const ro = applyCommand(initialUi(), c, { ...v, readOnly: true });
    assert.equal(ro.ui.prompt, undefined);
    assert.equal(ro.effect, undefined);
  }
  assert.match(
    applyCommand(initialUi(), 'shutdownAll', { ...v, inventoried: 0 }).ui.status?.text ?? '',
    /no peer/,
  );
  assert.equal(applyCommand(initialUi(), 'end', v).ui.cursor.nodes, 9);
  assert.equal(applyCommand(initialUi(), 'pageDown', v).ui.cursor.nodes, 4);
});

test('event lines over the recorded log: one per event, time stage mac ip detail, no control characters', () => {
  const state = initialState();
  const lines: string[] = [];
  for (const ev of recorded()) {
    applyEvent(state, ev);
    lines.push(eventLineText(describeEvent(ev, state)));
  }
  assert.equal(lines.length, recorded().length);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not appear
  assert.ok(lines.every((l) => /^\d\d:\d\d:\d\d \S+ \S+ \S+ \S/.test(l) && !/[\x00-\x1f]/.test(l)));
  assert.ok(
    lines.some((l) => / leased 52:54:00:00:00:03 10\.99\.0\.54 lease v4 10\.99\.0\.54 until /.test(l)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => / rogue\.detected - - ROGUE DHCP server 10\.99\.0\.254/.test(l)));
  assert.ok(lines.some((l) => /powered-off 52:54:00:00:00:00 10\.99\.0\.51 power off via agent/.test(l)));
  assert.match(
    summaryLine(state, new Date()),
    /summary - - nodes 12 \(.*\); inventories \d+; transfers \d+ active; ALERT rogue DHCP 10\.99\.0\.254/,
  );
});

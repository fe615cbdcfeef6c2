// The console's key bindings: ONE table that drives the key dispatch, the footer and the `?` help,
// so what the operator reads is always what the keys do. Serial terminals often lack PgUp/Home, so
// most moves also have a letter.
import type { Key } from 'ink';

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'nextScreen'
  | 'prevScreen'
  | 'bmcs'
  | 'powerOn'
  | 'open'
  | 'back'
  | 'filter'
  | 'sort'
  | 'reverse'
  | 'problems'
  | 'waiting'
  | 'noInventory'
  | 'expect'
  | 'shutdown'
  | 'shutdownAll'
  | 'powerOff'
  | 'help'
  | 'quit';

export interface Binding {
  command: Command;
  /** how the keys are written, in Unicode and in ASCII mode */
  keys: string;
  asciiKeys?: string;
  /** short label for the footer; bindings without one appear only in the help */
  footer?: string;
  /** when the footer is too narrow, lower priorities are dropped first (default 1) */
  priority?: number;
  help: string;
  /** changes something on the master: does nothing in a read-only console */
  action?: true;
  matches: (input: string, key: Key) => boolean;
}

export const BINDINGS: readonly Binding[] = [
  {
    command: 'up',
    keys: '↑ k',
    asciiKeys: 'Up k',
    help: 'previous row',
    matches: (i, k) => k.upArrow || i === 'k',
  },
  {
    command: 'down',
    keys: '↓ j',
    asciiKeys: 'Down j',
    help: 'next row',
    matches: (i, k) => k.downArrow || i === 'j',
  },
  { command: 'pageUp', keys: 'PgUp b', help: 'page up', matches: (i, k) => k.pageUp || i === 'b' },
  { command: 'pageDown', keys: 'PgDn space', help: 'page down', matches: (i, k) => k.pageDown || i === ' ' },
  { command: 'home', keys: 'Home g', help: 'first row', matches: (i, k) => k.home || i === 'g' },
  { command: 'end', keys: 'End G', help: 'last row', matches: (i, k) => k.end || i === 'G' },
  {
    command: 'nextScreen',
    keys: 'Tab →',
    asciiKeys: 'Tab Right',
    footer: 'screen',
    priority: 0,
    help: 'next screen: Nodes, Leases, Boots, Log, BMCs',
    matches: (_i, k) => (k.tab && !k.shift) || k.rightArrow,
  },
  {
    command: 'prevScreen',
    keys: 'S-Tab ←',
    asciiKeys: 'S-Tab Left',
    help: 'previous screen',
    matches: (_i, k) => (k.tab && k.shift) || k.leftArrow,
  },
  {
    command: 'open',
    keys: 'Enter',
    footer: 'detail',
    help: "the selected node's inventory and events",
    matches: (_i, k) => k.return,
  },
  {
    command: 'back',
    keys: 'Esc',
    help: 'close the detail, the help or a prompt',
    matches: (_i, k) => k.escape,
  },
  {
    command: 'filter',
    keys: '/',
    footer: 'filter',
    help: 'filter rows (words must all match; Esc clears)',
    matches: (i) => i === '/',
  },
  {
    command: 'sort',
    keys: 'o',
    footer: 'sort',
    priority: 0,
    help: 'sort: then the column letter (m mac, s stage, i ip, y system, c cpu, r ram, d disks, ...); again reverses',
    matches: (i) => i === 'o',
  },
  { command: 'reverse', keys: 'O', help: 'reverse the sort order', matches: (i) => i === 'O' },
  {
    command: 'problems',
    keys: '!',
    footer: 'problems',
    priority: 1,
    help: 'only nodes with a problem (failed tools, failed disk, unknown power); again shows all',
    matches: (i) => i === '!',
  },
  {
    command: 'waiting',
    keys: 'w',
    help: 'only nodes waiting for their shutdown; again shows all',
    matches: (i) => i === 'w',
  },
  {
    command: 'noInventory',
    keys: 'n',
    help: 'only nodes without an inventory yet; again shows all',
    matches: (i) => i === 'n',
  },
  {
    command: 'expect',
    keys: 'E',
    help: 'set the expected node count (progress in the header; empty clears it)',
    action: true,
    matches: (i) => i === 'E',
  },
  { command: 'bmcs', keys: 'B', help: 'the BMCs screen', matches: (i) => i === 'B' },
  {
    command: 'powerOn',
    keys: 'W',
    help: 'one-time network boot and power on through the selected BMC (BMCs screen or a tied node; asks y)',
    action: true,
    matches: (i) => i === 'W',
  },
  {
    command: 'shutdown',
    keys: 's',
    footer: 'shut-down',
    priority: 2,
    help: 'shut down the selected peer (asks y)',
    action: true,
    matches: (i) => i === 's',
  },
  {
    command: 'shutdownAll',
    keys: 'A',
    footer: 'all',
    priority: 2,
    help: 'shut down every peer whose inventory is in (asks y)',
    action: true,
    matches: (i) => i === 'A',
  },
  {
    command: 'powerOff',
    keys: 'P',
    footer: 'power-down',
    priority: 2,
    help: 'final power-down of the master (type "poweroff")',
    action: true,
    matches: (i) => i === 'P',
  },
  { command: 'help', keys: '?', footer: 'help', priority: 3, help: 'this help', matches: (i) => i === '?' },
  {
    command: 'quit',
    keys: 'q',
    footer: 'detach',
    priority: 3,
    help: 'detach the console (the master keeps running)',
    matches: (i, k) => i === 'q' || (k.ctrl && i === 'c'),
  },
];

/**
 * Splits a run of plain keys that reached the console in one read (fast typing or a paste on a serial
 * line: Ink passes such a run as one `input`) into one press per character, so `Tab Tab` or
 * `poweroff⏎` do what they would do one at a time. Escape sequences come already split by Ink;
 * control and meta chords are single keys.
 */
export function splitKeys(input: string, key: Key): [string, Key][] {
  if ([...input].length <= 1 || key.ctrl || key.meta) return [[input, key]];
  const none = Object.fromEntries(
    Object.entries(key).map(([k, v]) => [k, typeof v === 'boolean' ? false : v]),
  ) as unknown as Key;
  return [...input].map((ch): [string, Key] => {
    if (ch === '\r' || ch === '\n') return ['', { ...none, return: true }];
    if (ch === '\t') return ['', { ...none, tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { ...none, backspace: true }];
    return [ch, { ...none, shift: /[A-Z]/.test(ch) }];
  });
}

/** The command a key press means, if any. */
export function commandFor(input: string, key: Key): Command | undefined {
  return BINDINGS.find((b) => b.matches(input, key))?.command;
}

export function isActionCommand(c: Command): boolean {
  return BINDINGS.some((b) => b.command === c && b.action === true);
}

function keysText(b: Binding, ascii: boolean): string {
  return ascii ? (b.asciiKeys ?? b.keys) : b.keys;
}

/** The footer line, at most `width` characters: "s:shut-down  A:all  ?:help  q:detach"; when it does not
 * fit, the least important items go first (never the action keys, `?` or `q`). */
export function footerLine(readOnly: boolean, ascii: boolean, width: number): string {
  const prefix = readOnly ? 'READ-ONLY  ' : '';
  let items = BINDINGS.filter((b) => b.footer && !(readOnly && b.action)).map((b) => ({
    text: `${keysText(b, ascii).split(' ')[0]}:${b.footer}`,
    priority: b.priority ?? 1,
  }));
  const text = () => prefix + items.map((i) => i.text).join(' ');
  for (let p = 0; p < 3 && text().length > width; p++) items = items.filter((i) => i.priority > p);
  return text().slice(0, width);
}

/** The help screen: one line per binding. */
export function helpLines(readOnly: boolean, ascii: boolean): string[] {
  const width = Math.max(...BINDINGS.map((b) => keysText(b, ascii).length)) + 2;
  return BINDINGS.map(
    (b) =>
      `${keysText(b, ascii).padEnd(width)}${b.help}${readOnly && b.action ? ' (disabled: read-only console)' : ''}`,
  );
}

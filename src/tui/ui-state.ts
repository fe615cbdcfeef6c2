// What the operator is looking at (screen, cursors, sort, filter, open detail, prompt) and how a
// command changes it. Pure: the App component feeds commands in and runs the actions it returns.
import type { Action } from '../master/control/protocol.js';
import type { Mac } from '../model/events.js';
import type { Command } from './keys.js';
import { SORT_KEYS, type SortKey } from './node-table.js';

export const SCREENS = ['nodes', 'leases', 'boots', 'log'] as const;
export type Screen = (typeof SCREENS)[number];
export const SCREEN_TITLES: Record<Screen, string> = {
  nodes: 'Nodes',
  leases: 'Leases',
  boots: 'Boots',
  log: 'Log',
};

export type Prompt =
  | { kind: 'filter'; text: string }
  | { kind: 'confirm'; action: Action; question: string }
  | { kind: 'typed'; action: Action; question: string; word: string; typed: string }
  | { kind: 'running'; label: string; progress?: string };

export interface UiState {
  screen: Screen;
  cursor: Record<Screen, number>;
  sort: SortKey;
  reverse: boolean;
  filter: string;
  detail?: { mac: Mac; scroll: number };
  help: boolean;
  /** first help line shown (the help scrolls on small terminals) */
  helpScroll: number;
  prompt?: Prompt;
  /** the last action's outcome or a hint, shown above the footer */
  status?: { ok: boolean; text: string };
}

export function initialUi(): UiState {
  return {
    screen: 'nodes',
    cursor: { nodes: 0, leases: 0, boots: 0, log: 0 },
    sort: 'ip',
    reverse: false,
    filter: '',
    help: false,
    helpScroll: 0,
  };
}

/** What the current screen shows, as far as commands need to know. */
export interface ViewFacts {
  /** rows in the current list (or lines in the open detail or help) */
  count: number;
  /** rows visible at once */
  page: number;
  /** the MAC of the selected row, if the row is a node */
  selectedMac?: Mac;
  /** peers that `A` would shut down */
  inventoried: number;
  readOnly: boolean;
}

/** An action the App must run after the state change. */
export type Effect =
  | { kind: 'quit' }
  | { kind: 'loadDetail'; mac: Mac }
  | { kind: 'run'; action: Action; label: string };

export function moveCursor(cursor: number, c: Command, count: number, page: number): number {
  const last = Math.max(0, count - 1);
  const step = Math.max(1, page - 1);
  const next =
    c === 'up'
      ? cursor - 1
      : c === 'down'
        ? cursor + 1
        : c === 'pageUp'
          ? cursor - step
          : c === 'pageDown'
            ? cursor + step
            : c === 'home'
              ? 0
              : c === 'end'
                ? last
                : cursor;
  return Math.min(last, Math.max(0, next));
}

const MOVES: ReadonlySet<Command> = new Set<Command>(['up', 'down', 'pageUp', 'pageDown', 'home', 'end']);

/** Applies a command (no prompt open). Returns the new state and an effect to run, if any. */
export function applyCommand(ui: UiState, c: Command, v: ViewFacts): { ui: UiState; effect?: Effect } {
  const s: UiState = { ...ui, status: undefined };
  if (c === 'quit') return { ui: s, effect: { kind: 'quit' } };
  if (c === 'help') return { ui: { ...s, help: !ui.help, helpScroll: 0 } };
  if (c === 'back') {
    if (ui.help) return { ui: { ...s, help: false } };
    if (ui.detail) return { ui: { ...s, detail: undefined } };
    if (ui.filter) return { ui: { ...s, filter: '', cursor: { ...ui.cursor, [ui.screen]: 0 } } };
    return { ui: s };
  }
  // text (help, detail) scrolls until its last line is at the bottom
  const lastTop = Math.max(1, v.count - v.page + 1);
  if (ui.help && MOVES.has(c))
    return { ui: { ...s, helpScroll: moveCursor(ui.helpScroll, c, lastTop, v.page) } };
  if (ui.help) return { ui: { ...s, help: false } };
  if (MOVES.has(c)) {
    if (ui.detail)
      return {
        ui: { ...s, detail: { ...ui.detail, scroll: moveCursor(ui.detail.scroll, c, lastTop, v.page) } },
      };
    return {
      ui: {
        ...s,
        cursor: { ...ui.cursor, [ui.screen]: moveCursor(ui.cursor[ui.screen], c, v.count, v.page) },
      },
    };
  }
  if (c === 'shutdown' || c === 'shutdownAll' || c === 'powerOff') return askAction(s, c, v);
  if (ui.detail && c !== 'nextScreen' && c !== 'prevScreen') return { ui: s };
  switch (c) {
    case 'nextScreen':
    case 'prevScreen': {
      const i = SCREENS.indexOf(ui.screen) + (c === 'nextScreen' ? 1 : SCREENS.length - 1);
      return { ui: { ...s, detail: undefined, screen: SCREENS[i % SCREENS.length] ?? 'nodes' } };
    }
    case 'open':
      if (!v.selectedMac) return { ui: s };
      return {
        ui: { ...s, detail: { mac: v.selectedMac, scroll: 0 } },
        effect: { kind: 'loadDetail', mac: v.selectedMac },
      };
    case 'filter':
      return { ui: { ...s, prompt: { kind: 'filter', text: ui.filter } } };
    case 'sort': {
      const next = SORT_KEYS[(SORT_KEYS.indexOf(ui.sort) + 1) % SORT_KEYS.length] ?? 'ip';
      return { ui: { ...s, sort: next, screen: 'nodes' } };
    }
    case 'reverse':
      return { ui: { ...s, reverse: !ui.reverse, screen: 'nodes' } };
    default:
      return { ui: s };
  }
}

function askAction(s: UiState, c: 'shutdown' | 'shutdownAll' | 'powerOff', v: ViewFacts): { ui: UiState } {
  if (v.readOnly)
    return { ui: { ...s, status: { ok: false, text: 'read-only console: actions are disabled' } } };
  if (c === 'shutdown') {
    if (!v.selectedMac)
      return { ui: { ...s, status: { ok: false, text: 'select a node first (Nodes screen)' } } };
    return {
      ui: {
        ...s,
        prompt: {
          kind: 'confirm',
          action: { name: 'shutdown', macs: [v.selectedMac] },
          question: `Shut down ${v.selectedMac}? (y/N)`,
        },
      },
    };
  }
  if (c === 'shutdownAll') {
    if (v.inventoried === 0)
      return { ui: { ...s, status: { ok: false, text: 'no peer has its inventory in yet' } } };
    return {
      ui: {
        ...s,
        prompt: {
          kind: 'confirm',
          action: { name: 'shutdown-all' },
          question: `Shut down all ${v.inventoried} peer(s) whose inventory is in? (y/N)`,
        },
      },
    };
  }
  return {
    ui: {
      ...s,
      prompt: {
        kind: 'typed',
        action: { name: 'poweroff', confirm: 'poweroff' },
        question: 'FINAL POWER-DOWN of the master. Type poweroff and Enter (Esc cancels):',
        word: 'poweroff',
        typed: '',
      },
    },
  };
}

/** A key while a prompt is open. `text` is the printable input, if any. */
export function applyPromptKey(
  ui: UiState,
  key: { text: string; enter: boolean; escape: boolean; backspace: boolean },
): { ui: UiState; effect?: Effect } {
  const p = ui.prompt;
  if (!p || p.kind === 'running') return { ui };
  if (p.kind === 'filter') {
    if (key.escape)
      return { ui: { ...ui, prompt: undefined, filter: '', cursor: { ...ui.cursor, nodes: 0 } } };
    if (key.enter) return { ui: { ...ui, prompt: undefined } };
    const text = key.backspace ? p.text.slice(0, -1) : p.text + key.text;
    return {
      ui: {
        ...ui,
        prompt: { ...p, text },
        filter: text,
        screen: 'nodes',
        cursor: { ...ui.cursor, nodes: 0 },
      },
    };
  }
  if (p.kind === 'confirm') {
    if (key.text === 'y' || key.text === 'Y') return startRun(ui, p.action);
    return {
      ui: {
        ...ui,
        prompt: undefined,
        status: { ok: false, text: `${p.action.name}: cancelled, nothing was sent` },
      },
    };
  }
  if (key.escape)
    return {
      ui: {
        ...ui,
        prompt: undefined,
        status: { ok: false, text: `${p.action.name}: cancelled, nothing was sent` },
      },
    };
  if (key.enter) {
    if (p.typed === p.word) return startRun(ui, p.action);
    return {
      ui: {
        ...ui,
        prompt: undefined,
        status: { ok: false, text: `${p.action.name}: not confirmed (typed "${p.typed}"), nothing was sent` },
      },
    };
  }
  const typed = key.backspace ? p.typed.slice(0, -1) : (p.typed + key.text).slice(0, 32);
  return { ui: { ...ui, prompt: { ...p, typed } } };
}

function startRun(ui: UiState, action: Action): { ui: UiState; effect: Effect } {
  const label = action.name;
  return { ui: { ...ui, prompt: { kind: 'running', label } }, effect: { kind: 'run', action, label } };
}

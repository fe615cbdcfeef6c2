// What the operator is looking at (screen, cursors, sort, filter, open detail, prompt) and how a
// command changes it. Pure: the App component feeds commands in and runs the actions it returns.
import type { Action } from '../master/control/protocol.js';
import type { Mac } from '../model/events.js';
import type { Command } from './keys.js';
import { sortKeyForLetter, type QuickFilter, type SortKey } from './node-table.js';

export const SCREENS = ['nodes', 'leases', 'boots', 'log', 'bmcs'] as const;
export type Screen = (typeof SCREENS)[number];
export const SCREEN_TITLES: Record<Screen, string> = {
  nodes: 'Nodes',
  leases: 'Leases',
  boots: 'Boots',
  bmcs: 'BMCs',
  log: 'Log',
};

export type Prompt =
  | { kind: 'filter'; text: string }
  /** `o` was pressed: the next letter picks the sort column */
  | { kind: 'sort' }
  /** the expected node count being typed */
  | { kind: 'expect'; text: string }
  | { kind: 'confirm'; action: Action; question: string }
  | { kind: 'typed'; action: Action; question: string; word: string; typed: string }
  | { kind: 'running'; label: string; progress?: string };

export interface UiState {
  screen: Screen;
  cursor: Record<Screen, number>;
  sort: SortKey;
  reverse: boolean;
  filter: string;
  quick?: QuickFilter;
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
    cursor: { nodes: 0, leases: 0, boots: 0, bmcs: 0, log: 0 },
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
  /** the BMC of the selected row (BMCs screen), or of the selected node when one is tied to it */
  selectedBmc?: string;
  /** peers that `A` would shut down */
  inventoried: number;
  readOnly: boolean;
}

/** An action the App must run after the state change. */
export type Effect = { kind: 'quit' } | { kind: 'run'; action: Action; label: string };

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
    if (ui.filter || ui.quick)
      return { ui: { ...s, filter: '', quick: undefined, cursor: { ...ui.cursor, [ui.screen]: 0 } } };
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
  if (c === 'powerOn') return askPowerOn(s, v);
  if (c === 'bmcs') return { ui: { ...s, help: false, detail: undefined, screen: 'bmcs' } };
  if (c === 'expect') {
    if (v.readOnly)
      return { ui: { ...s, status: { ok: false, text: 'read-only console: actions are disabled' } } };
    return { ui: { ...s, prompt: { kind: 'expect', text: '' } } };
  }
  if (ui.detail && c !== 'nextScreen' && c !== 'prevScreen') return { ui: s };
  switch (c) {
    case 'nextScreen':
    case 'prevScreen': {
      const i = SCREENS.indexOf(ui.screen) + (c === 'nextScreen' ? 1 : SCREENS.length - 1);
      return { ui: { ...s, detail: undefined, screen: SCREENS[i % SCREENS.length] ?? 'nodes' } };
    }
    case 'open':
      if (!v.selectedMac) return { ui: s };
      return { ui: { ...s, detail: { mac: v.selectedMac, scroll: 0 } } };
    case 'filter':
      return { ui: { ...s, prompt: { kind: 'filter', text: ui.filter } } };
    case 'sort':
      return { ui: { ...s, screen: 'nodes', prompt: { kind: 'sort' } } };
    case 'problems':
    case 'waiting':
    case 'noInventory': {
      const quick = ui.quick === c ? undefined : c;
      return { ui: { ...s, quick, screen: 'nodes', cursor: { ...ui.cursor, nodes: 0 } } };
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

function askPowerOn(s: UiState, v: ViewFacts): { ui: UiState } {
  if (v.readOnly)
    return { ui: { ...s, status: { ok: false, text: 'read-only console: actions are disabled' } } };
  if (!v.selectedBmc)
    return {
      ui: { ...s, status: { ok: false, text: 'select a BMC first (BMCs screen, or a node tied to one)' } },
    };
  return {
    ui: {
      ...s,
      prompt: {
        kind: 'confirm',
        action: { name: 'power-on', bmcs: [v.selectedBmc] },
        question: `One-time network boot and power on through BMC ${v.selectedBmc}? (y/N)`,
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
  if (p.kind === 'sort') {
    const sort = sortKeyForLetter(key.text);
    if (!sort)
      return {
        ui: {
          ...ui,
          prompt: undefined,
          status: {
            ok: false,
            text: key.escape ? 'sort unchanged' : `sort: no column has the letter "${key.text}"`,
          },
        },
      };
    // the letter of the current column again turns the order round
    return { ui: { ...ui, prompt: undefined, sort, reverse: sort === ui.sort ? !ui.reverse : false } };
  }
  if (p.kind === 'expect') {
    if (key.escape) return { ui: { ...ui, prompt: undefined } };
    if (key.enter) {
      const count = p.text === '' ? 0 : Number(p.text);
      return startRun(ui, { name: 'expect', count });
    }
    const text = key.backspace ? p.text.slice(0, -1) : (p.text + key.text.replace(/\D/g, '')).slice(0, 7);
    return { ui: { ...ui, prompt: { ...p, text } } };
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

/** What the screen lists, as far as cursors and selection need to know. */
export interface ListFacts {
  /** the Nodes list as shown (filtered, sorted) */
  nodes: readonly { mac: Mac }[];
  /** rows per screen */
  counts: Record<Screen, number>;
  /** the MAC each row of the other screens is about, if any */
  macAt: (screen: Exclude<Screen, 'nodes'>, row: number) => Mac | undefined;
  /** the BMC address of each row of the BMCs screen */
  bmcAt?: (row: number) => string | undefined;
}

const clamp = (c: number, n: number): number => Math.min(Math.max(0, n - 1), Math.max(0, c));

/**
 * The cursor of every screen: on Nodes it stays on the node it was on (`pinned`) while rows move
 * under it (sorting, new nodes); elsewhere it is kept inside the list. Pure.
 */
export function resolveCursors(ui: UiState, pinned: Mac | undefined, f: ListFacts): Record<Screen, number> {
  const at = pinned ? f.nodes.findIndex((n) => n.mac === pinned) : -1;
  return {
    nodes: at >= 0 ? at : clamp(ui.cursor.nodes, f.nodes.length),
    leases: clamp(ui.cursor.leases, f.counts.leases),
    boots: clamp(ui.cursor.boots, f.counts.boots),
    bmcs: clamp(ui.cursor.bmcs, f.counts.bmcs),
    log: clamp(ui.cursor.log, f.counts.log),
  };
}

/** The node the selected row is about: the open detail's, the Nodes row's, or the row's MAC elsewhere. */
export function selectedMac(ui: UiState, cursors: Record<Screen, number>, f: ListFacts): Mac | undefined {
  if (ui.detail) return ui.detail.mac;
  if (ui.screen === 'nodes') return f.nodes[cursors.nodes]?.mac;
  return f.macAt(ui.screen, cursors[ui.screen]);
}

/** The BMC the power-on key means: the BMCs row's, else the one tied to the selected node. */
export function selectedBmc(
  ui: UiState,
  cursors: Record<Screen, number>,
  f: ListFacts,
  bmcOfNode: (mac: Mac) => string | undefined,
): string | undefined {
  if (!ui.detail && ui.screen === 'bmcs') return f.bmcAt?.(cursors.bmcs);
  const mac = selectedMac(ui, cursors, f);
  return mac !== undefined ? bmcOfNode(mac) : undefined;
}

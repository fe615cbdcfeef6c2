// The console's key dispatch: keys become commands (keys.ts), commands change the UI state
// (ui-state.ts) and may start an action on the master through the feed. Keys can arrive faster than
// React re-renders (a paste, a fast typist on a serial line): every key works on the latest UI state
// and the latest lists, kept in refs and updated synchronously per key.
import { useCallback, useRef, useState, type RefObject } from 'react';
import { useApp, useInput, type Key } from 'ink';
import type { Mac } from '../../model/events.js';
import type { MasterFeed } from '../master-feed.js';
import { commandFor, splitKeys } from '../keys.js';
import {
  applyCommand,
  applyPromptKey,
  initialUi,
  resolveCursors,
  selectedMac,
  selectedBmc,
  type Effect,
  type ListFacts,
  type UiState,
} from '../ui-state.js';

/** What the keys need to know about the screen as it is drawn now. */
export interface KeyFacts extends ListFacts {
  /** lines of the open detail, and of the help */
  detailCount: number;
  helpCount: number;
  /** rows a page key moves */
  page: number;
  /** peers that `A` would shut down */
  inventoried: number;
  /** the BMC tied to a node, if any */
  bmcOfNode?: (mac: Mac) => string | undefined;
}

interface KeyState {
  ui: UiState;
  /** the node the Nodes cursor stays on while rows move */
  pinned: Mac | undefined;
}

export interface ConsoleKeys extends KeyState {
  /** the screen sets this on every render, once its lists are computed from `ui`; keys read it */
  facts: RefObject<KeyFacts>;
}

const NO_FACTS: KeyFacts = {
  nodes: [],
  counts: { nodes: 0, leases: 0, boots: 0, bmcs: 0, log: 0 },
  macAt: () => undefined,
  detailCount: 0,
  helpCount: 0,
  page: 1,
  inventoried: 0,
};

export function useConsoleKeys(opts: {
  feed: MasterFeed;
  readOnly: boolean;
  by: string;
  onQuit?: () => void;
}): ConsoleKeys {
  const { feed, readOnly, by, onQuit } = opts;
  const app = useApp();
  const [keys, setKeys] = useState<KeyState>(() => ({ ui: initialUi(), pinned: undefined }));
  const latest = useRef(keys);
  latest.current = keys;
  const facts = useRef(NO_FACTS);

  const runEffect = useCallback(
    (effect: Effect | undefined) => {
      if (!effect) return;
      if (effect.kind === 'quit') {
        onQuit?.();
        app.exit();
        return;
      }
      const setUi = (f: (ui: UiState) => UiState) => setKeys((k) => ({ ...k, ui: f(k.ui) }));
      const onProgress = (m: string) =>
        setUi((u) => (u.prompt?.kind === 'running' ? { ...u, prompt: { ...u.prompt, progress: m } } : u));
      void feed.action(effect.action, { by, onProgress }).then((out) =>
        setUi((u) => ({
          ...u,
          prompt: undefined,
          status: { ok: out.ok, text: `${effect.label}: ${out.message || (out.ok ? 'done' : 'failed')}` },
        })),
      );
    },
    [app, feed, by, onQuit],
  );

  const onKey = (input: string, key: Key): void => {
    const cur = latest.current;
    const f = facts.current;
    const commit = (next: KeyState, effect?: Effect) => {
      latest.current = next;
      setKeys(next);
      runEffect(effect);
    };
    if (cur.ui.prompt?.kind === 'running') return;
    if (cur.ui.prompt) {
      const printable =
        !key.ctrl && !key.meta && !key.return && !key.escape && !key.tab && !key.backspace && !key.delete;
      const r = applyPromptKey(cur.ui, {
        text: printable ? input : '',
        enter: key.return,
        escape: key.escape,
        backspace: key.backspace || key.delete,
      });
      commit({ ...cur, ui: r.ui }, r.effect);
      return;
    }
    const command = commandFor(input, key);
    if (!command) return;
    const cursor = resolveCursors(cur.ui, cur.pinned, f);
    const ui = cur.ui;
    const r = applyCommand({ ...ui, cursor }, command, {
      count: ui.help ? f.helpCount : ui.detail ? f.detailCount : f.counts[ui.screen],
      page: f.page,
      selectedMac: selectedMac(ui, cursor, f),
      selectedBmc: selectedBmc(ui, cursor, f, f.bmcOfNode ?? (() => undefined)),
      inventoried: f.inventoried,
      readOnly,
    });
    // on Nodes the cursor pins the node under it (in the list as the operator saw it when pressing)
    const pinned = !r.ui.detail && r.ui.screen === 'nodes' ? f.nodes[r.ui.cursor.nodes]?.mac : cur.pinned;
    commit({ ui: r.ui, pinned }, r.effect);
  };

  useInput((chunk, chunkKey) => {
    for (const [input, key] of splitKeys(chunk, chunkKey)) onKey(input, key);
  });
  return { ...keys, facts };
}

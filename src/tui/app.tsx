// The console screen: header, tabs, the current screen (Nodes, Leases, Boots, Log, a node's detail or
// the help) and the footer. It renders the feed's state and turns keys into UI changes (ui-state.ts)
// and actions sent back to the master through the feed. No network code here.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, useApp, useInput, type Key } from 'ink';
import type { Mac, ReconEvent } from '../model/events.js';
import { NO_MASTER_HINT, type MasterFeed } from './master-feed.js';
import { commandFor, splitKeys } from './keys.js';
import {
  activeTransfers,
  filterNodes,
  headerText,
  layoutColumns,
  rowText,
  sortNodes,
  toneOf,
} from './node-table.js';
import { detailLines, leaseLines, logLines, transferLines, type Line } from './lists.js';
import {
  applyCommand,
  applyPromptKey,
  initialUi,
  type Effect,
  type Screen,
  type UiState,
} from './ui-state.js';
import { makeTheme, ThemeContext } from './theme.js';
import { useFeedFrame } from './hooks/use-feed.js';
import { useDiskFree } from './hooks/use-disk-free.js';
import { useTerminalSize, type TerminalSize } from './hooks/use-terminal-size.js';
import { Header, headerHeight } from './views/header.js';
import { Footer } from './views/footer.js';
import { HelpView, helpText } from './views/help-view.js';
import { ListView, type ListRow } from './views/list-view.js';
import { Tabs } from './views/tabs.js';

export interface ConsoleAppProps {
  feed: MasterFeed;
  readOnly: boolean;
  ascii: boolean;
  color: boolean;
  /** who the master's log names as the actor of an action */
  by: string;
  /** a fixed terminal size (tests, benchmarks); default: follow the terminal */
  size?: TerminalSize;
  /** the redraw tick: events between two ticks cost one frame */
  tickMs?: number;
  onQuit?: () => void;
}

export function ConsoleApp(props: ConsoleAppProps) {
  const theme = useMemo(() => makeTheme(props.ascii, props.color), [props.ascii, props.color]);
  return (
    <ThemeContext.Provider value={theme}>
      <Console {...props} />
    </ThemeContext.Provider>
  );
}

const toRows = (lines: Line[]): ListRow[] =>
  lines.map((l, i) => ({ key: String(i), text: l.text, tone: l.tone }));

function Console(props: ConsoleAppProps) {
  const { feed, readOnly } = props;
  const app = useApp();
  const { frame, now } = useFeedFrame(feed, props.tickMs ?? 1000);
  const size = useTerminalSize(props.size);
  const state = feed.state;
  const link = feed.link;
  const diskFree = useDiskFree(state.master?.dataDir);
  const [ui, setUi] = useState<UiState>(initialUi);
  const [nodeMac, setNodeMac] = useState<Mac | undefined>(undefined);
  const [history, setHistory] = useState<{ mac: Mac; events: ReconEvent[] } | undefined>(undefined);
  // the last column is left alone: on a vt100 writing there arms an automatic line wrap
  const width = Math.max(20, size.columns - 1);
  const glyphs = makeTheme(props.ascii, props.color).glyphs;

  // `frame` changes whenever the feed's (mutable) state changed: it is what invalidates these
  const nodes = useMemo(
    () => sortNodes(filterNodes(Object.values(state.nodes), ui.filter), ui.sort, ui.reverse),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [frame, state, ui.filter, ui.sort, ui.reverse],
  );
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const transfers = useMemo(() => activeTransfers(state), [frame, state]);
  const leases = useMemo(
    () => leaseLines(state, now, width, glyphs, props.ascii),
    [state, now, width, glyphs, props.ascii],
  );
  const boots = useMemo(
    () => transferLines(state, now, width, glyphs, props.ascii),
    [state, now, width, glyphs, props.ascii],
  );
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const log = useMemo(() => logLines(feed.log, props.ascii), [frame, feed, props.ascii]);
  const detailNode = ui.detail ? state.nodes[ui.detail.mac] : undefined;
  const detail = useMemo(
    () =>
      ui.detail
        ? detailLines(
            detailNode,
            ui.detail.mac,
            history?.mac === ui.detail.mac ? history.events : [],
            now,
            props.ascii,
          )
        : [],
    [ui.detail, detailNode, history, now, props.ascii],
  );

  // the node's history is asked again whenever that node changed
  const detailMac = ui.detail?.mac;
  const detailSeen = detailNode?.lastSeen;
  useEffect(() => {
    if (!detailMac) return;
    let alive = true;
    void feed.nodeEvents(detailMac).then((events) => alive && setHistory({ mac: detailMac, events }));
    return () => {
      alive = false;
    };
  }, [feed, detailMac, detailSeen, link.status]);

  const counts: Record<Screen, number> = {
    nodes: nodes.length,
    leases: leases.lines.length,
    boots: boots.lines.length,
    log: log.length,
  };
  const pinned = nodeMac ? nodes.findIndex((n) => n.mac === nodeMac) : -1;
  const clamp = (c: number, n: number) => Math.min(Math.max(0, n - 1), Math.max(0, c));
  const cursor: Record<Screen, number> = {
    nodes: pinned >= 0 ? pinned : clamp(ui.cursor.nodes, nodes.length),
    leases: clamp(ui.cursor.leases, leases.lines.length),
    boots: clamp(ui.cursor.boots, boots.lines.length),
    log: clamp(ui.cursor.log, log.length),
  };
  const screenLines: Record<Exclude<Screen, 'nodes'>, Line[]> = {
    leases: leases.lines,
    boots: boots.lines,
    log,
  };
  const bodyHeight = Math.max(3, size.rows - 1 - headerHeight(state, link) - 1 - 2);
  const inventoried = useMemo(
    () => Object.values(state.nodes).filter((n) => n.inventory && n.power !== 'off').length,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [frame, state],
  );

  const runEffect = useCallback(
    (effect: Effect | undefined) => {
      if (!effect) return;
      if (effect.kind === 'quit') {
        props.onQuit?.();
        app.exit();
        return;
      }
      if (effect.kind === 'loadDetail') {
        setHistory(undefined);
        return;
      }
      const onProgress = (m: string) =>
        setUi((u) => (u.prompt?.kind === 'running' ? { ...u, prompt: { ...u.prompt, progress: m } } : u));
      void feed.action(effect.action, { by: props.by, onProgress }).then((out) =>
        setUi((u) => ({
          ...u,
          prompt: undefined,
          status: { ok: out.ok, text: `${effect.label}: ${out.message || (out.ok ? 'done' : 'failed')}` },
        })),
      );
    },
    [app, feed, props],
  );

  // Keys can arrive faster than React re-renders (a paste, a fast typist on a serial line): the
  // handler works on the latest UI state in a ref, updated synchronously per key.
  const latest = useRef({ ui, nodeMac });
  latest.current = { ui, nodeMac };
  const helpCount = helpText(readOnly, props.ascii).length;
  const facts = {
    nodes,
    counts,
    detailCount: detail.length,
    helpCount,
    screenLines,
    bodyHeight,
    inventoried,
  };
  const factsRef = useRef(facts);
  factsRef.current = facts;

  useInput((chunk, chunkKey) => {
    for (const [input, key] of splitKeys(chunk, chunkKey)) onKey(input, key);
  });

  function onKey(input: string, key: Key): void {
    const cur = latest.current.ui;
    const f = factsRef.current;
    const commit = (next: UiState, effect?: Effect) => {
      latest.current = { ...latest.current, ui: next };
      setUi(next);
      runEffect(effect);
    };
    if (cur.prompt?.kind === 'running') return;
    if (cur.prompt) {
      const printable =
        !key.ctrl && !key.meta && !key.return && !key.escape && !key.tab && !key.backspace && !key.delete;
      const r = applyPromptKey(cur, {
        text: printable ? input : '',
        enter: key.return,
        escape: key.escape,
        backspace: key.backspace || key.delete,
      });
      commit(r.ui, r.effect);
      return;
    }
    const command = commandFor(input, key);
    if (!command) return;
    const pin = latest.current.nodeMac ? f.nodes.findIndex((n) => n.mac === latest.current.nodeMac) : -1;
    const cursorNow = { ...cur.cursor, nodes: pin >= 0 ? pin : clamp(cur.cursor.nodes, f.nodes.length) };
    const selected = cur.detail
      ? cur.detail.mac
      : cur.screen === 'nodes'
        ? f.nodes[cursorNow.nodes]?.mac
        : f.screenLines[cur.screen][clamp(cur.cursor[cur.screen], f.counts[cur.screen])]?.mac;
    const r = applyCommand({ ...cur, cursor: cursorNow }, command, {
      count: cur.help ? f.helpCount : cur.detail ? f.detailCount : f.counts[cur.screen],
      page: f.bodyHeight - 1,
      selectedMac: selected,
      inventoried: f.inventoried,
      readOnly,
    });
    if (!r.ui.detail && r.ui.screen === 'nodes') {
      const mac = f.nodes[r.ui.cursor.nodes]?.mac;
      latest.current = { ...latest.current, nodeMac: mac };
      setNodeMac(mac);
    }
    commit(r.ui, r.effect);
  }

  let body;
  if (ui.help)
    body = <HelpView readOnly={readOnly} scroll={ui.helpScroll} height={bodyHeight} width={width} />;
  else if (ui.detail)
    body = (
      <ListView
        rows={toRows(detail)}
        count={detail.length}
        cursor={ui.detail.scroll}
        height={bodyHeight}
        width={width}
        select={false}
        empty=""
      />
    );
  else if (ui.screen === 'nodes') {
    const cols = layoutColumns(width);
    body = (
      <ListView
        header={headerText(cols, ui.sort, ui.reverse, glyphs)}
        rows={(start, end) =>
          nodes.slice(start, end).map((n) => ({
            key: n.mac,
            text: rowText(n, cols, transfers.get(n.mac), now, glyphs, props.ascii),
            tone: toneOf(n.stage),
          }))
        }
        count={nodes.length}
        cursor={cursor.nodes}
        height={bodyHeight}
        width={width}
        select
        empty={
          ui.filter
            ? `no node matches "${ui.filter}"`
            : link.status === 'retrying' && nodes.length === 0
              ? `no master at ${feed.socketPath}: ${NO_MASTER_HINT}; retrying (q quits)`
              : 'no nodes yet: waiting for the first PXE request'
        }
      />
    );
  } else {
    const data =
      ui.screen === 'log' ? { header: undefined, lines: log } : ui.screen === 'leases' ? leases : boots;
    body = (
      <ListView
        header={data.header}
        rows={toRows(data.lines)}
        count={data.lines.length}
        cursor={cursor[ui.screen]}
        height={bodyHeight}
        width={width}
        select
        empty={ui.screen === 'log' ? 'no events since this console connected' : `no ${ui.screen} yet`}
      />
    );
  }

  const extra =
    ui.screen === 'nodes' && !ui.detail ? `sort ${ui.sort}${ui.filter ? `  filter "${ui.filter}"` : ''}` : '';
  return (
    <Box flexDirection="column" width={width} height={size.rows - 1}>
      <Header state={state} link={link} now={now} diskFree={diskFree} width={width} />
      <Tabs screen={ui.screen} detail={ui.detail?.mac} counts={counts} extra={extra} width={width} />
      {body}
      <Footer ui={ui} readOnly={readOnly} width={width} />
    </Box>
  );
}

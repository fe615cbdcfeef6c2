// The console screen: header, tabs, the current screen (Nodes, Leases, Boots, Log, a node's detail or
// the help) and the footer. The feed's view and the UI state go in; keys are handled by
// useConsoleKeys, heights come from layout.ts. No network code here.
import { useMemo } from 'react';
import { Box } from 'ink';
import { NO_MASTER_HINT, type MasterFeed } from './master-feed.js';
import { fleetHealth, fullNodeHealth } from '../model/health.js';
import { activeTransfers, filterNodes, QUICK_FILTER_LABEL, sortNodes } from './node-table.js';
import { detailLines, leaseLines, logLines, transferLines, type Line } from './lists.js';
import { bmcLines } from './bmc-lines.js';
import { resolveCursors, type Screen, type UiState } from './ui-state.js';
import { makeTheme, ThemeContext } from './theme.js';
import { screenLayout } from './layout.js';
import { useFeedFrame } from './hooks/use-feed.js';
import { useDiskFree } from './hooks/use-disk-free.js';
import { useNodeDetail } from './hooks/use-node-detail.js';
import { useConsoleKeys } from './hooks/use-console-keys.js';
import { useTerminalSize, type TerminalSize } from './hooks/use-terminal-size.js';
import { Header } from './views/header.js';
import { Footer } from './views/footer.js';
import { HelpView, helpText } from './views/help-view.js';
import { ListView, type ListRow } from './views/list-view.js';
import { NodesView } from './views/nodes-view.js';
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

/** What the tab bar says about the Nodes list: sort, quick filter, filter words. */
function nodesExtra(ui: UiState): string {
  const parts = [`sort ${ui.sort}${ui.reverse ? ' (reversed)' : ''}`];
  if (ui.quick) parts.push(QUICK_FILTER_LABEL[ui.quick]);
  if (ui.filter) parts.push(`filter "${ui.filter}"`);
  return parts.join('  ');
}

function Console(props: ConsoleAppProps) {
  const { feed, readOnly } = props;
  const { view, now } = useFeedFrame(feed, props.tickMs ?? 1000);
  const size = useTerminalSize(props.size);
  const { state, link } = view;
  const layout = screenLayout(size, state, link);
  const { width } = layout;
  const glyphs = useMemo(() => makeTheme(props.ascii, props.color).glyphs, [props.ascii, props.color]);
  const diskFree = useDiskFree(state.master?.dataDir);

  const all = useMemo(() => Object.values(view.state.nodes), [view]);
  const withNames = useMemo(() => all.some((n) => n.hostname), [all]);
  const transfers = useMemo(() => activeTransfers(view.state), [view]);
  const health = useMemo(() => fleetHealth(view.state), [view]);
  const leases = useMemo(
    () => leaseLines(state, now, width, glyphs, props.ascii),
    [state, now, width, glyphs, props.ascii],
  );
  const boots = useMemo(
    () => transferLines(state, now, width, glyphs, props.ascii),
    [state, now, width, glyphs, props.ascii],
  );
  const log = useMemo(() => logLines(view.log, props.ascii), [view, props.ascii]);
  const bmcs = useMemo(
    () => bmcLines(state, width, glyphs, props.ascii),
    [state, width, glyphs, props.ascii],
  );
  const inventoried = useMemo(() => all.filter((n) => n.inventory && n.power !== 'off').length, [all]);

  const keys = useConsoleKeys({ feed, readOnly, by: props.by, onQuit: props.onQuit });
  const { ui } = keys;
  const nodes = useMemo(
    () => sortNodes(filterNodes(all, ui.filter, ui.quick, health), ui.sort, ui.reverse, health),
    [all, ui.filter, ui.quick, ui.sort, ui.reverse, health],
  );
  const detailData = useNodeDetail(feed, view, ui.detail?.mac);
  const detail = useMemo(() => {
    if (!ui.detail) return [];
    const node = view.state.nodes[ui.detail.mac];
    // with the inventory file at hand, every reason; else the stored summary's
    const nodeHealth =
      node?.inventory?.summary.health && detailData.inventory
        ? fullNodeHealth(view.state, node, detailData.inventory)
        : health.get(ui.detail.mac);
    return detailLines(
      node,
      ui.detail.mac,
      nodeHealth,
      detailData.inventory,
      detailData.events,
      now,
      props.ascii,
    );
  }, [ui.detail, view, health, detailData, now, props.ascii]);

  const counts: Record<Screen, number> = {
    nodes: nodes.length,
    leases: leases.lines.length,
    boots: boots.lines.length,
    bmcs: bmcs.lines.length,
    log: log.length,
  };
  const lists = {
    nodes,
    counts,
    macAt: (screen: Exclude<Screen, 'nodes'>, row: number) =>
      (screen === 'log'
        ? log
        : screen === 'leases'
          ? leases.lines
          : screen === 'bmcs'
            ? bmcs.lines
            : boots.lines)[row]?.mac,
    bmcAt: (row: number) => bmcs.lines[row]?.address,
  };
  // the lists follow the UI state and the keys act on the lists as drawn: hand them over
  keys.facts.current = {
    ...lists,
    detailCount: detail.length,
    helpCount: helpText(readOnly, props.ascii).length,
    page: layout.page,
    inventoried,
    bmcOfNode: (mac: string) => view.state.nodes[mac]?.bmc,
  };
  const cursor = resolveCursors(ui, keys.pinned, lists);

  let body;
  if (ui.help)
    body = <HelpView readOnly={readOnly} scroll={ui.helpScroll} height={layout.body} width={width} />;
  else if (ui.detail)
    body = (
      <ListView
        rows={toRows(detail)}
        count={detail.length}
        cursor={ui.detail.scroll}
        height={layout.body}
        width={width}
        select={false}
        empty=""
      />
    );
  else if (ui.screen === 'nodes')
    body = (
      <NodesView
        nodes={nodes}
        transfers={transfers}
        health={health}
        withNames={withNames}
        sort={ui.sort}
        reverse={ui.reverse}
        cursor={cursor.nodes}
        now={now}
        height={layout.body}
        width={width}
        empty={
          ui.filter || ui.quick
            ? `no node matches${ui.quick ? ` (${QUICK_FILTER_LABEL[ui.quick]})` : ''}${ui.filter ? ` "${ui.filter}"` : ''}`
            : link.status === 'retrying' && all.length === 0
              ? `no master at ${feed.socketPath}: ${NO_MASTER_HINT}; retrying (q quits)`
              : 'no nodes yet: waiting for the first PXE request'
        }
      />
    );
  else {
    const data =
      ui.screen === 'log'
        ? { header: undefined, lines: log }
        : ui.screen === 'leases'
          ? leases
          : ui.screen === 'bmcs'
            ? bmcs
            : boots;
    body = (
      <ListView
        header={data.header}
        rows={toRows(data.lines)}
        count={data.lines.length}
        cursor={cursor[ui.screen]}
        height={layout.body}
        width={width}
        select
        empty={ui.screen === 'log' ? 'no events since this console connected' : `no ${ui.screen} yet`}
      />
    );
  }

  return (
    <Box flexDirection="column" width={width} height={layout.height}>
      <Header state={state} link={link} now={now} diskFree={diskFree} width={width} />
      <Tabs
        screen={ui.screen}
        detail={ui.detail?.mac}
        counts={counts}
        extra={ui.screen === 'nodes' && !ui.detail ? nodesExtra(ui) : ''}
        width={width}
      />
      {body}
      <Footer ui={ui} readOnly={readOnly} width={width} />
    </Box>
  );
}

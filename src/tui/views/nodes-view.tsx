// The Nodes screen: the column header and one row per node, only the visible window rendered.
import type { Mac } from '../../model/events.js';
import type { NodeRecord, Transfer } from '../../model/reducer.js';
import {
  columnSpan,
  headerText,
  layoutColumns,
  rowText,
  toneOf,
  verdictTone,
  type HealthByMac,
  type SortKey,
} from '../node-table.js';
import { useTheme } from '../theme.js';
import { ListView } from './list-view.js';

export function NodesView(props: {
  nodes: readonly NodeRecord[];
  transfers: ReadonlyMap<Mac, Transfer>;
  /** each node's verdict as the fleet sees it: the HEALTH cell, in its verdict's colour */
  health: HealthByMac;
  /** some node has a host name: only then is there a NAME column */
  withNames: boolean;
  sort: SortKey;
  reverse: boolean;
  cursor: number;
  now: number;
  height: number;
  width: number;
  empty: string;
}) {
  const theme = useTheme();
  const cols = layoutColumns(props.width, props.withNames);
  const healthAt = columnSpan(cols, 'health');
  return (
    <ListView
      header={headerText(cols, props.sort, props.reverse, theme.glyphs)}
      rows={(start, end) =>
        props.nodes.slice(start, end).map((n) => {
          const health = props.health.get(n.mac);
          return {
            key: n.mac,
            text: rowText(n, cols, props.transfers.get(n.mac), props.now, theme.glyphs, theme.ascii, health),
            tone: toneOf(n.stage),
            mark: healthAt && health && { ...healthAt, color: theme.tone(verdictTone(health.verdict)) },
          };
        })
      }
      count={props.nodes.length}
      cursor={props.cursor}
      height={props.height}
      width={props.width}
      select
      empty={props.empty}
    />
  );
}

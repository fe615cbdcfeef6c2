// A windowed list: a column header and exactly `height` rows (blank-padded, so the frame never changes
// height), the selected row in inverse video. Only the visible rows become Ink elements.
import { Box, Text } from 'ink';
import type { Tone } from '../node-table.js';
import { fit } from '../format.js';
import { useTheme } from '../theme.js';
import { windowStart } from './window.js';

export interface ListRow {
  key: string;
  text: string;
  tone?: Tone;
  /** a stretch of `text` in a colour of its own (a verdict cell), by character offsets */
  mark?: { from: number; to: number; color: string | undefined };
}

/** The fitted row cut around its mark: before, marked, after (by characters, as `fit` counts them). */
function cutAround(text: string, mark: NonNullable<ListRow['mark']>): [string, string, string] {
  const chars = [...text];
  return [
    chars.slice(0, mark.from).join(''),
    chars.slice(mark.from, mark.to).join(''),
    chars.slice(mark.to).join(''),
  ];
}

export function ListView(props: {
  header?: string;
  rows: readonly ListRow[] | ((start: number, end: number) => ListRow[]);
  count: number;
  cursor: number;
  height: number;
  width: number;
  /** highlight the cursor row (lists) or not (scrolling text) */
  select: boolean;
  empty: string;
}) {
  const theme = useTheme();
  const bodyHeight = Math.max(1, props.height - (props.header !== undefined ? 1 : 0));
  const start = props.select
    ? windowStart(props.cursor, props.count, bodyHeight)
    : Math.max(0, Math.min(props.cursor, props.count - bodyHeight));
  const end = Math.min(props.count, start + bodyHeight);
  const visible = typeof props.rows === 'function' ? props.rows(start, end) : props.rows.slice(start, end);
  const blanks = bodyHeight - visible.length;
  return (
    <Box flexDirection="column" height={props.height}>
      {props.header !== undefined && (
        <Text bold wrap="truncate">
          {fit(props.header, props.width, theme.glyphs)}
        </Text>
      )}
      {props.count === 0 && <Text dimColor>{props.empty}</Text>}
      {visible.map((r, i) => {
        const text = fit(r.text, props.width, theme.glyphs);
        const parts = r.mark && r.mark.color !== undefined ? cutAround(text, r.mark) : undefined;
        return (
          <Text
            key={r.key}
            wrap="truncate"
            color={theme.tone(r.tone ?? 'idle')}
            inverse={props.select && start + i === props.cursor}
          >
            {parts ? (
              <>
                {parts[0]}
                <Text color={r.mark?.color}>{parts[1]}</Text>
                {parts[2]}
              </>
            ) : (
              text
            )}
          </Text>
        );
      })}
      {blanks > (props.count === 0 ? 1 : 0) && <Box height={blanks - (props.count === 0 ? 1 : 0)} />}
    </Box>
  );
}

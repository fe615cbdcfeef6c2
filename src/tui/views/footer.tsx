// The two bottom lines: the prompt / progress / last result, and the key line from the key table.
import { Text, Box } from 'ink';
import { footerLine } from '../keys.js';
import { sortLettersText } from '../node-table.js';
import type { UiState } from '../ui-state.js';
import { useTheme } from '../theme.js';
import { clean, fit } from '../format.js';

export function Footer(props: { ui: UiState; readOnly: boolean; width: number }) {
  const { ui, width } = props;
  const theme = useTheme();
  const p = ui.prompt;
  let line: { text: string; color?: string; inverse?: boolean; bold?: boolean } = { text: '' };
  if (p?.kind === 'filter') line = { text: `filter: ${p.text}_  (Enter keeps, Esc clears)` };
  else if (p?.kind === 'sort') line = { text: `sort by: ${sortLettersText()}`, bold: true };
  else if (p?.kind === 'expect')
    line = { text: `expected node count: ${p.text}_  (Enter sets, empty clears, Esc cancels)`, bold: true };
  else if (p?.kind === 'confirm') line = { text: p.question, inverse: true, bold: true };
  else if (p?.kind === 'typed')
    line = { text: `${p.question} ${p.typed}_`, inverse: true, bold: true, color: theme.alert };
  else if (p?.kind === 'running')
    line = {
      text: `${p.label}: sending${p.progress ? ` ${theme.glyphs.dash} ${p.progress}` : ''}`,
      bold: true,
    };
  else if (ui.status)
    line = { text: ui.status.text, color: ui.status.ok ? theme.tone('ok') : theme.alert, bold: true };
  else if (ui.filter) line = { text: `filter: ${ui.filter}  (/ edits, Esc clears)` };
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={line.color} inverse={line.inverse} bold={line.bold}>
        {fit(clean(line.text, theme.ascii) || ' ', width, theme.glyphs)}
      </Text>
      <Text wrap="truncate" inverse={props.readOnly}>
        {footerLine(props.readOnly, theme.ascii, width)}
      </Text>
    </Box>
  );
}

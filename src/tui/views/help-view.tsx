// The `?` screen: every key from the key table, so help and behaviour cannot drift.
import { helpLines } from '../keys.js';
import { ListView } from './list-view.js';
import { useTheme } from '../theme.js';

export function HelpView(props: { readOnly: boolean; height: number; width: number }) {
  const theme = useTheme();
  const lines = [
    ...helpLines(props.readOnly, theme.ascii),
    '',
    'Actions ask for confirmation (y; the power-down needs the typed word) and show their result.',
    'Esc or ? closes this help.',
  ];
  return (
    <ListView
      header={props.readOnly ? 'Keys (READ-ONLY console)' : 'Keys'}
      rows={lines.map((text, i) => ({ key: String(i), text }))}
      count={lines.length}
      cursor={0}
      height={props.height}
      width={props.width}
      select={false}
      empty=""
    />
  );
}

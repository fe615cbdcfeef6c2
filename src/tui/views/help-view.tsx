// The `?` screen: every key from the key table, so help and behaviour cannot drift.
import { helpLines } from '../keys.js';
import { ListView } from './list-view.js';
import { useTheme } from '../theme.js';

/** The help text (the App also needs its length, for scrolling). */
export function helpText(readOnly: boolean, ascii: boolean): string[] {
  return [
    ...helpLines(readOnly, ascii),
    '',
    'Actions ask for confirmation (y; the power-down needs the typed word) and show their result.',
    'Up/Down scroll this help; any other key closes it.',
  ];
}

export function HelpView(props: { readOnly: boolean; scroll: number; height: number; width: number }) {
  const theme = useTheme();
  const lines = helpText(props.readOnly, theme.ascii);
  return (
    <ListView
      header={props.readOnly ? 'Keys (READ-ONLY console)' : 'Keys'}
      rows={lines.map((text, i) => ({ key: String(i), text }))}
      count={lines.length}
      cursor={props.scroll}
      height={props.height}
      width={props.width}
      select={false}
      empty=""
    />
  );
}

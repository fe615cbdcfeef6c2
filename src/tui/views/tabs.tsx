// The screen tabs with their row counts, then the current sort and filter, filled with a rule.
import { Text } from 'ink';
import { SCREENS, SCREEN_TITLES, type Screen } from '../ui-state.js';
import { clean, fit } from '../format.js';
import { useTheme } from '../theme.js';

export function Tabs(props: {
  screen: Screen;
  detail?: string;
  counts: Record<Screen, number>;
  extra: string;
  width: number;
}) {
  const theme = useTheme();
  const tabs = SCREENS.map((s) => ({
    s,
    label: ` ${SCREEN_TITLES[s]} ${props.counts[s]} `,
    active: s === props.screen && !props.detail,
  }));
  if (props.detail) tabs.push({ s: 'nodes', label: ` Detail ${props.detail} `, active: true });
  const used = tabs.reduce((n, t) => n + t.label.length, 0);
  const extra = props.extra ? ` ${clean(props.extra, theme.ascii)} ` : ' ';
  const rest = Math.max(0, props.width - used);
  const tail =
    extra.length >= rest
      ? fit(extra, rest, theme.glyphs)
      : extra + theme.glyphs.rule.repeat(rest - extra.length);
  return (
    <Text wrap="truncate">
      {tabs.map((t) => (
        <Text key={t.label} inverse={t.active} bold={t.active}>
          {t.label}
        </Text>
      ))}
      <Text>{tail}</Text>
    </Text>
  );
}

// The top lines: who the master is, its services, a prominent rogue-DHCP alert, the data dir's free
// space, counts by stage, the fleet's progress, the clock, and a banner while the master is not
// reachable. Every line drawn here is counted in layout.ts (headerLines).
import { Box, Text } from 'ink';
import { STAGE_ORDER, type ServiceName } from '../../model/events.js';
import { countByStage, type ReconState } from '../../model/reducer.js';
import { fleetProgress, progressText } from '../../model/fleet.js';
import { describeStorage } from '../../model/space.js';
import { humanBytes } from '../../shared/units.js';
import { bar, clean, fit, fmtClock, fmtElapsed, type Glyphs } from '../format.js';
import type { LinkState } from '../master-feed.js';
import { useTheme } from '../theme.js';

const SHOWN_SERVICES: readonly ServiceName[] = ['dhcp4', 'dhcp6', 'ra', 'dns', 'tftp', 'http'];

export function Header(props: {
  state: ReconState;
  link: LinkState;
  now: number;
  diskFree: number | undefined;
  width: number;
}) {
  const { state, link, now, width } = props;
  const theme = useTheme();
  const m = state.master;
  const title =
    `recon ${m ? `${m.names[0] ?? 'master'} ${m.ipv4}${m.ipv6 ? ` ${m.ipv6}` : ''}` : '(no master yet)'}` +
    `  data ${props.diskFree !== undefined ? `${humanBytes(props.diskFree)} free` : '?'}`;
  const clock = fmtClock(new Date(now));
  const counts = countByStage(state);
  const total = Object.keys(state.nodes).length;
  const countText = `${total} node${total === 1 ? '' : 's'}: ${STAGE_ORDER.filter((s) => counts[s])
    .map((s) => `${s} ${counts[s]}`)
    .join(', ')}`;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {fit(clean(title, theme.ascii), width - clock.length - 1, theme.glyphs)} {clock}
      </Text>
      <Text wrap="truncate">
        {SHOWN_SERVICES.map((name, i) => {
          const s = state.services[name];
          const label = !s
            ? `${name} ?`
            : s.state === 'up'
              ? `${name} up`
              : `${name} ${s.state}${s.detail ? ` (${s.detail})` : ''}`;
          const bad = s && (s.state === 'failed' || s.state === 'down' || s.state === 'blocked');
          return (
            <Text
              key={name}
              color={bad ? theme.alert : s?.state === 'up' ? theme.tone('ok') : undefined}
              bold={bad}
            >
              {i > 0 ? '  ' : ''}
              {clean(label, theme.ascii)}
            </Text>
          );
        })}
      </Text>
      <Text wrap="truncate">{fit(countText, width, theme.glyphs)}</Text>
      <Text wrap="truncate" bold>
        {fit(progressLine(state, Math.min(30, Math.floor(width / 5)), theme.glyphs), width, theme.glyphs)}
      </Text>
      {state.rogue.map((r) => (
        <Text key={r.serverId} inverse bold color={theme.alert} wrap="truncate">
          {fit(
            clean(
              ` ALERT: another DHCP server answers on this network: ${r.serverId}${r.serverMac ? ` (${r.serverMac})` : ''}` +
                `${r.offeredIp ? ` offered ${r.offeredIp}` : ''} `,
              theme.ascii,
            ),
            width,
            theme.glyphs,
          )}
        </Text>
      ))}
      {state.storage?.full && (
        <Text inverse bold color={theme.alert} wrap="truncate">
          {fit(clean(` ALERT: ${describeStorage(state.storage)} `, theme.ascii), width, theme.glyphs)}
        </Text>
      )}
      {state.stopping !== undefined && (
        <Text bold color={theme.alert} wrap="truncate">
          {fit(clean(`master stopping: ${state.stopping}`, theme.ascii), width, theme.glyphs)}
        </Text>
      )}
      {link.status !== 'live' && (
        <Text inverse bold wrap="truncate">
          {fit(
            link.status === 'connecting'
              ? ' connecting to the master '
              : ` master not reachable ${theme.glyphs.dash} retrying (attempt ${link.attempt}, ${fmtElapsed(now - link.since)}): ${clean(link.error, theme.ascii)} `,
            width,
            theme.glyphs,
          )}
        </Text>
      )}
    </Box>
  );
}

/** "[████····] 134 / 200 inventoried · 12 booting · 3 problems"; the bar only with an expected count. */
export function progressLine(state: ReconState, barWidth: number, g: Glyphs): string {
  const p = fleetProgress(state);
  const text = progressText(p, g.dot);
  return p.expected !== undefined ? `${bar(p.inventoried / p.expected, barWidth, g)} ${text}` : text;
}

// Headless console: no screen drawing, one plain line per event (`time stage mac ip detail`) and a
// periodic one-line summary — for serial logs and the journal. No escape codes, ever.
import type { Writable } from 'node:stream';
import { STAGE_ORDER } from '../model/events.js';
import { countByStage, type ReconState } from '../model/reducer.js';
import { eventLineText } from './describe-event.js';
import { fleetHealth, verdictCounts, VERDICTS } from '../model/health.js';
import { clean, fmtClock } from './format.js';
import type { LinkState, MasterFeed } from './master-feed.js';

/**
 * The summary line: `time summary - - nodes 12 (leased 2, uploaded 10); inventories 10 (health 7 ok, 2 warn,
 * 1 fail); transfers 1 active`.
 */
export function summaryLine(state: ReconState, now: Date): string {
  const counts = countByStage(state);
  const stages = STAGE_ORDER.filter((s) => counts[s])
    .map((s) => `${s} ${counts[s]}`)
    .join(', ');
  const nodes = Object.values(state.nodes);
  const inventories = nodes.filter((n) => n.inventory).length;
  const h = verdictCounts(state, fleetHealth(state));
  const judged = VERDICTS.filter((v) => h[v])
    .map((v) => `${h[v]} ${v}`)
    .reverse()
    .join(', ');
  const active = Object.values(state.transfers).filter((t) => t.state === 'active').length;
  const down = Object.entries(state.services)
    .filter(([, s]) => s.state === 'failed' || s.state === 'down' || s.state === 'blocked')
    .map(([k, s]) => `${k} ${s.state}`);
  const parts = [
    `nodes ${nodes.length}${stages ? ` (${stages})` : ''}`,
    `inventories ${inventories}${judged ? ` (health ${judged})` : ''}`,
    `transfers ${active} active`,
  ];
  if (down.length) parts.push(`services ${down.join(', ')}`);
  if (state.rogue.length) parts.push(`ALERT rogue DHCP ${state.rogue.map((r) => r.serverId).join(', ')}`);
  return `${fmtClock(now)} summary - - ${parts.join('; ')}`;
}

/** A line about the link to the master, or undefined when the change is not worth a line. */
export function linkLine(
  prev: LinkState['status'],
  link: LinkState,
  now: Date,
  dash: string,
): string | undefined {
  if (link.status === 'live') return `${fmtClock(now)} connected - - master ${link.version}`;
  if (link.status === 'retrying' && prev !== 'retrying')
    return `${fmtClock(now)} disconnected - - master not reachable ${dash} retrying: ${link.error}`;
  return undefined;
}

export interface HeadlessOptions {
  ascii: boolean;
  summaryEveryMs?: number;
  /** resolves the run when aborted (signals, tests) */
  signal?: AbortSignal;
}

/** Prints until the signal aborts; returns the exit code. */
export function runHeadless(feed: MasterFeed, out: Writable, opts: HeadlessOptions): Promise<number> {
  const write = (line: string) => {
    if (!out.writableEnded) out.write(clean(line, opts.ascii) + '\n');
  };
  const dash = opts.ascii ? '-' : '—';
  let prev: LinkState['status'] = feed.link.status;
  const onLink = (link: LinkState) => {
    const l = linkLine(prev, link, new Date(), dash);
    prev = link.status;
    if (l) write(l);
  };
  const onSnapshot = (state: ReconState) => write(summaryLine(state, new Date()));
  const onEvent = (_ev: unknown, line: Parameters<typeof eventLineText>[0] | undefined) => {
    if (line) write(eventLineText(line));
  };
  feed.on('link', onLink);
  feed.on('snapshot', onSnapshot);
  feed.on('event', onEvent);
  const timer = setInterval(() => {
    if (feed.link.status === 'live') write(summaryLine(feed.state, new Date()));
  }, opts.summaryEveryMs ?? 60_000);
  feed.start();
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      feed.off('link', onLink);
      feed.off('snapshot', onSnapshot);
      feed.off('event', onEvent);
      feed.stop();
      resolve(0);
    };
    if (opts.signal?.aborted) finish();
    else opts.signal?.addEventListener('abort', finish, { once: true });
  });
}

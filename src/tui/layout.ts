// Every height on the console screen, in one place: the header's lines, the tab bar, the body and
// the footer. The views draw exactly the lines counted here, so the frame never outgrows the terminal.
import type { ReconState } from '../model/reducer.js';
import type { LinkState } from './master-feed.js';
import type { TerminalSize } from './hooks/use-terminal-size.js';

/** title, services, stage counts, fleet progress */
export const HEADER_FIXED_LINES = 4;
export const TAB_LINES = 1;
/** the prompt / status line and the key line */
export const FOOTER_LINES = 2;
/** the body never gets less than this, even on a tiny terminal */
const MIN_BODY = 3;

/** The header's lines for this state: the fixed ones, one per rogue DHCP server, a stopping line and
 *  the link banner while the master is not reachable. Header draws exactly these. */
export function headerLines(state: ReconState, link: LinkState): number {
  return (
    HEADER_FIXED_LINES +
    state.rogue.length +
    (state.storage?.full ? 1 : 0) +
    (state.stopping !== undefined ? 1 : 0) +
    (link.status !== 'live' ? 1 : 0)
  );
}

export interface ScreenLayout {
  /** columns drawn: the last terminal column is left alone (on a vt100 writing there arms a line wrap) */
  width: number;
  /** lines drawn: the last terminal line is left alone too, so the frame never scrolls */
  height: number;
  header: number;
  body: number;
  /** rows a page key moves (a list's header line is not a row) */
  page: number;
}

export function screenLayout(size: TerminalSize, state: ReconState, link: LinkState): ScreenLayout {
  const width = Math.max(20, size.columns - 1);
  const height = size.rows - 1;
  const header = headerLines(state, link);
  const body = Math.max(MIN_BODY, height - header - TAB_LINES - FOOTER_LINES);
  return { width, height, header, body, page: body - 1 };
}

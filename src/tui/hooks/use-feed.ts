// The single hook that follows the master. The screen is redrawn on a steady tick (default once a
// second, which also moves the clock and elapsed times), never once per event: however many events
// arrived in between, they cost one frame — a 115200-baud line cannot take a redraw per event.
import { useEffect, useState } from 'react';
import type { MasterFeed } from '../master-feed.js';
import type { ReconState } from '../../model/reducer.js';
import type { EventLine } from '../describe-event.js';
import type { LinkState } from '../master-feed.js';

/**
 * What the screen draws from. The feed folds events into its state in place; a new view object is
 * made exactly when the feed's version moved, so anything computed from a view is recomputed when,
 * and only when, the feed changed.
 */
export interface FeedView {
  readonly state: ReconState;
  readonly log: readonly EventLine[];
  readonly link: LinkState;
  readonly version: number;
}

export interface FeedFrame {
  view: FeedView;
  /** the time of the last tick (ms) */
  now: number;
}

const viewOf = (feed: MasterFeed): FeedView => ({
  state: feed.state,
  log: feed.log,
  link: feed.link,
  version: feed.version,
});

export function useFeedFrame(feed: MasterFeed, tickMs: number): FeedFrame {
  const [frame, setFrame] = useState<FeedFrame>(() => ({ view: viewOf(feed), now: Date.now() }));
  useEffect(() => {
    const refresh = () =>
      setFrame((f) => ({
        view: f.view.version === feed.version && f.view.state === feed.state ? f.view : viewOf(feed),
        now: Date.now(),
      }));
    // connection changes are shown at once: the operator must see "not reachable" immediately
    feed.on('link', refresh);
    const timer = setInterval(refresh, tickMs);
    refresh();
    return () => {
      clearInterval(timer);
      feed.off('link', refresh);
    };
  }, [feed, tickMs]);
  return frame;
}

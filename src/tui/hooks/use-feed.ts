// The single hook that follows the master. The screen is redrawn on a steady tick (default once a
// second, which also moves the clock and elapsed times), never once per event: however many events
// arrived in between, they cost one frame — a 115200-baud line cannot take a redraw per event.
import { useEffect, useState } from 'react';
import type { MasterFeed } from '../master-feed.js';

export interface FeedFrame {
  /** changes whenever the feed's state changed since the last tick */
  frame: number;
  /** the time of the last tick (ms) */
  now: number;
}

export function useFeedFrame(feed: MasterFeed, tickMs: number): FeedFrame {
  const [tick, setTick] = useState<FeedFrame>(() => ({ frame: 0, now: Date.now() }));
  useEffect(() => {
    let dirty = false;
    const markDirty = () => {
      dirty = true;
    };
    // connection changes are shown at once: the operator must see "not reachable" immediately
    const bumpNow = () => {
      dirty = false;
      setTick((t) => ({ frame: t.frame + 1, now: Date.now() }));
    };
    feed.on('event', markDirty);
    feed.on('snapshot', markDirty);
    feed.on('link', bumpNow);
    const timer = setInterval(() => {
      const changed = dirty;
      dirty = false;
      setTick((t) => ({ frame: changed ? t.frame + 1 : t.frame, now: Date.now() }));
    }, tickMs);
    return () => {
      clearInterval(timer);
      feed.off('event', markDirty);
      feed.off('snapshot', markDirty);
      feed.off('link', bumpNow);
    };
  }, [feed, tickMs]);
  return tick;
}

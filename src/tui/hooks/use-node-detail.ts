// What the open node detail shows beyond the live state: the node's own events (asked from the master
// whenever the node changed) and its full inventory.json (read from the data dir: the console runs on
// the master machine), read again when a new inventory is stored.
import { useEffect, useState } from 'react';
import type { Mac, ReconEvent } from '../../model/events.js';
import type { NodeRecord } from '../../model/reducer.js';
import { readNodeInventory } from '../../model/data-dir.js';
import type { Inventory } from '../../shared/inventory/index.js';
import type { MasterFeed } from '../master-feed.js';
import type { FeedView } from './use-feed.js';

export interface NodeDetailData {
  events: readonly ReconEvent[];
  inventory?: Inventory;
}

const NONE: NodeDetailData = { events: [] };

export function useNodeDetail(feed: MasterFeed, view: FeedView, mac: Mac | undefined): NodeDetailData {
  const node: NodeRecord | undefined = mac ? view.state.nodes[mac] : undefined;
  const seen = node?.lastSeen;
  const sha = node?.inventory?.sha256;
  const dataDir = view.state.master?.dataDir;
  const live = view.link.status === 'live';
  const [history, setHistory] = useState<{ mac: Mac; events: ReconEvent[] }>();
  const [inventory, setInventory] = useState<{ mac: Mac; sha: string; inventory?: Inventory }>();

  useEffect(() => {
    if (!mac || !live) return;
    let alive = true;
    void feed.nodeEvents(mac).then((events) => alive && setHistory({ mac, events }));
    return () => {
      alive = false;
    };
  }, [feed, mac, seen, live]);

  useEffect(() => {
    if (!mac || !sha || !dataDir) return;
    let alive = true;
    void readNodeInventory(dataDir, mac).then((inv) => alive && setInventory({ mac, sha, inventory: inv }));
    return () => {
      alive = false;
    };
  }, [mac, sha, dataDir]);

  if (!mac) return NONE;
  return {
    events: history?.mac === mac ? history.events : [],
    inventory: inventory?.mac === mac && inventory.sha === sha ? inventory.inventory : undefined,
  };
}

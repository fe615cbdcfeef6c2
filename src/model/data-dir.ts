// Reading a data dir (the master's, or a stick's on a laptop after the fact): where a node's files are,
// a node's full inventory, and the whole fleet state rebuilt from the event log. Nothing here writes
// except readLog's cut of a torn last line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mac } from './events.js';
import { readLog, type SkippedLine } from './log.js';
import { reduceAll, type ReconState } from './reducer.js';
import { validateInventory, type Inventory } from '../shared/inventory/index.js';

/** nodes/<mac>/…, relative to the data dir: the report links these so they open from the stick. */
export const nodeFile = (mac: Mac, file: 'inventory.json' | 'raw.tar.gz' | 'events.jsonl'): string =>
  `nodes/${mac}/${file}`;

/** A node's inventory.json, validated; undefined when absent or not a valid inventory. */
export async function readNodeInventory(dataDir: string, mac: Mac): Promise<Inventory | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, nodeFile(mac, 'inventory.json')), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = validateInventory(JSON.parse(text));
    return v.ok ? v.inventory : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirContents {
  dir: string;
  state: ReconState;
  /** full inventories by MAC, for the nodes whose inventory.json reads and validates */
  inventories: Map<Mac, Inventory>;
  skipped: SkippedLine[];
}

/** The full inventories of the state's nodes that have one stored (and whose file reads and validates). */
export async function readInventories(dataDir: string, state: ReconState): Promise<Map<Mac, Inventory>> {
  const inventories = new Map<Mac, Inventory>();
  for (const n of Object.values(state.nodes)) {
    if (!n.inventory) continue;
    const inv = await readNodeInventory(dataDir, n.mac);
    if (inv) inventories.set(n.mac, inv);
  }
  return inventories;
}

/** The fleet as the master last knew it: events.jsonl replayed through the reducer, plus the inventories. */
export async function readDataDir(dir: string): Promise<DataDirContents> {
  const log = await readLog(join(dir, 'events.jsonl'));
  const state = reduceAll(log.events);
  return { dir, state, inventories: await readInventories(dir, state), skipped: log.skipped };
}

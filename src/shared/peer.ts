// The words master and peer share: a node's MAC, its stages, and the commands a peer can be given.
// Down here so the collector (bundled into post.tgz, run on peers) needs nothing of the master's.

/** Lower-case colon-separated MAC, e.g. "52:54:00:12:34:56". */
export type Mac = string;

/** Where a node is on its way from first DISCOVER to powered off. Order matters: see STAGE_ORDER. */
export type Stage =
  | 'discovered'
  | 'leased'
  | 'tftp'
  | 'menu'
  | 'kernel'
  | 'initrd'
  | 'image'
  | 'booted'
  | 'collecting'
  | 'uploaded'
  | 'waiting'
  | 'powering-off'
  | 'powered-off'
  | 'released';

export const STAGE_ORDER: readonly Stage[] = [
  'discovered',
  'leased',
  'tftp',
  'menu',
  'kernel',
  'initrd',
  'image',
  'booted',
  'collecting',
  'uploaded',
  'waiting',
  'powering-off',
  'powered-off',
  'released',
];

export type PeerCommand = 'none' | 'shutdown' | 'recollect';

export function normalizeMac(input: string): Mac | undefined {
  const hex = input.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || !/^[0-9a-f:.-]+$/i.test(input)) return undefined;
  return hex.match(/../g)!.join(':');
}

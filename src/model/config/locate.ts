// Client commands find the master's control socket: --socket, else the config file's controlSocket (or,
// for a read-only client, its view-only socket).
import { dirname, join } from 'node:path';
import { loadConfig } from './load.js';
import type { ReconConfig } from './schema.js';

/** The view-only control socket: configured, or `control-read-only.sock` beside the control socket. */
export function readOnlySocketOf(config: ReconConfig): string {
  return config.controlSocketReadOnly ?? join(dirname(config.controlSocket), 'control-read-only.sock');
}

export function controlSocketPath(
  values: { socket?: unknown; config?: unknown },
  opts: { readOnly?: boolean } = {},
): string {
  if (typeof values.socket === 'string') return values.socket;
  const config = loadConfig(typeof values.config === 'string' ? values.config : undefined);
  return opts.readOnly ? readOnlySocketOf(config) : config.controlSocket;
}

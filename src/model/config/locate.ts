// Client commands find the master's control socket: --socket, else the config file's controlSocket.
import { loadConfig } from './load.js';

export function controlSocketPath(values: { socket?: unknown; config?: unknown }): string {
  if (typeof values.socket === 'string') return values.socket;
  return loadConfig(typeof values.config === 'string' ? values.config : undefined).controlSocket;
}

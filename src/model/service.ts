// The contract between `recon master` and each network service it runs (dhcp4, dhcp6, dns, tftp, http, ...).
// A service is started with the shared context and returns a handle that stops it cleanly.
import type { Logger } from 'pino';
import type { ReconConfig } from './config/schema.js';
import type { StateStore } from './store.js';
import type { ServiceName } from './events.js';
import type { UploadRegistry } from './inflight.js';

export interface MasterFlags {
  /** answer PXE clients with boot options only (another DHCP server hands out addresses) */
  proxyDhcp: boolean;
  /** serve DHCP even when the guard saw another DHCP server */
  forceDhcp: boolean;
}

export interface ServiceContext {
  config: ReconConfig;
  store: StateStore;
  log: Logger;
  flags: MasterFlags;
  version: string;
  /** the master's uploads in flight, which its power-down waits for (a service started alone makes its own) */
  uploads?: UploadRegistry;
}

export interface RunningService {
  name: ServiceName;
  stop(): Promise<void>;
}

export type ServiceStarter = (ctx: ServiceContext) => Promise<RunningService>;

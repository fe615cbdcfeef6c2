// `recon master`: config → state store → control socket → network services, and an orderly stop.
import type { Logger } from 'pino';
import type { ReconConfig } from '../model/config/schema.js';
import { StateStore } from '../model/store.js';
import { UploadRegistry } from '../model/inflight.js';
import { ControlServer } from './control/server.js';
import { readOnlySocketOf } from '../model/config/locate.js';
import { masterLogger } from '../model/logger.js';
import { startServices, stopServices } from './services.js';
import { watchBootRefusals } from './refusal-watch.js';
import type { MasterFlags, RunningService, ServiceContext } from '../model/service.js';
import { VERSION } from '../version.js';
import { registerPowerActions } from './power/actions.js';
import { applyConfiguredExpectation, registerFleetActions } from './fleet-actions.js';
import { registerBmcActions } from './bmc/actions.js';

export class Master {
  private running: RunningService[] = [];
  private stopping: Promise<void> | undefined;
  servicesStopped = false;

  private constructor(
    readonly ctx: ServiceContext,
    readonly control: ControlServer,
    /** the read-only consoles' socket: the same state, every action refused */
    private readonly view: ControlServer,
  ) {}

  get store(): StateStore {
    return this.ctx.store;
  }
  get config(): ReconConfig {
    return this.ctx.config;
  }
  get log(): Logger {
    return this.ctx.log;
  }
  get version(): string {
    return this.ctx.version;
  }

  static async start(
    config: ReconConfig,
    flags: MasterFlags,
    opts: { logStderr?: boolean } = {},
  ): Promise<Master> {
    const log = masterLogger(config, { stderr: opts.logStderr });
    const store = await StateStore.open(config.dataDir, {
      log,
      snapshotEverySeconds: config.state.snapshotEverySeconds,
      reserveBytes: config.state.reserveBytes,
    });
    const r = store.recovery;
    log.info(
      {
        fromSnapshotSeq: r.fromSnapshotSeq,
        replayed: r.replayed,
        skipped: r.skipped.length,
        truncatedBytes: r.truncatedBytes,
      },
      'state recovered',
    );
    const uploads = new UploadRegistry();
    const ctx: ServiceContext = { config, store, log, flags, version: VERSION, uploads };
    const control = new ControlServer(config.controlSocket, store, VERSION, log);
    const view = new ControlServer(readOnlySocketOf(config), store, VERSION, log, 'view-only');
    const master = new Master(ctx, control, view);
    registerPowerActions(master, { uploads });
    registerFleetActions(control, store);
    registerBmcActions(control, { store, config, log });
    await store.emit({
      type: 'master.started',
      data: {
        version: VERSION,
        pid: process.pid,
        names: config.names,
        ipv4: config.ipv4.address,
        ipv6: config.ipv6.enabled ? config.ipv6.address : undefined,
        dataDir: config.dataDir,
        maxNodes: config.state.maxNodes,
      },
    });
    await applyConfiguredExpectation(store, config);
    await control.start();
    await view.start();
    await store.emit({
      type: 'service',
      data: {
        service: 'control',
        state: 'up',
        detail: `${config.controlSocket}; view-only ${readOnlySocketOf(config)}`,
      },
    });
    watchBootRefusals(store, config, log);
    master.running = await startServices(ctx);
    return master;
  }

  /** Stops the network services (DHCP, DNS, TFTP, HTTP, ...) but keeps the store and control socket. */
  async stopNetworkServices(): Promise<void> {
    if (this.servicesStopped) return;
    this.servicesStopped = true;
    await stopServices(this.ctx, this.running);
    this.running = [];
  }

  /** Orderly stop: services, then a last snapshot and the log closed, then the control socket. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'master stopping');
      await this.store.emit({ type: 'master.stopping', data: { reason } }).catch(() => undefined);
      await this.stopNetworkServices();
      await this.control.stop();
      await this.view.stop();
      await this.store.close();
      await new Promise<void>((r) => this.log.flush(() => r()));
    })();
    return this.stopping;
  }
}

// The power actions of the control socket: shutdown / shutdown-all (peers), recollect, poweroff (the
// final power-down) and export (the fleet report). `registerPowerActions(master)` wires them in.
import type { ControlServer } from '../control/server.js';
import type { ActionOutcome } from '../control/protocol.js';
import type { Mac } from '../../model/events.js';
import { writeFileDurable } from '../../shared/durable.js';
import { renderReport } from '../../report/index.js';
import { readInventories } from '../../model/data-dir.js';
import type { UploadRegistry } from '../../model/inflight.js';
import { shutdownAllTargets, shutdownPeers, type PeerShutdownResult } from './peer-shutdown.js';
import { finalPowerDown, type PowerDownHost } from './final.js';
import { systemSeam, type PowerDownSeam } from './seam.js';
import { resolveExportTarget } from '../export-target.js';

export interface PowerActionHost extends PowerDownHost {
  control: ControlServer;
  stop(reason: string): Promise<void>;
}

export interface PowerActionOptions {
  seam?: PowerDownSeam;
  /** the master's uploads in flight (the HTTP service registers them) */
  uploads: UploadRegistry;
  /** called once the power-off command has run and the master has stopped (default: process.exit) */
  exit?: (code: number) => void;
}

/** One line for a batch of peer shutdowns. Pure. */
export function summarizeShutdown(results: PeerShutdownResult[]): ActionOutcome {
  const failed = results.filter((r) => !r.ok);
  const through = (via: 'redfish' | 'ipmi', name: string) => {
    const n = results.filter((r) => r.ok && r.via === via).length;
    return n ? [`${n} through ${name}`] : [];
  };
  const viaBmc = [...through('redfish', 'Redfish'), ...through('ipmi', 'IPMI')];
  const okCount = results.length - failed.length;
  const parts = [
    `${okCount} of ${results.length} peer(s) shutting down or off${viaBmc.length ? ` (${viaBmc.join(', ')})` : ''}`,
  ];
  for (const f of failed) if (!f.ok) parts.push(`${f.mac}: ${f.reason}`);
  return { ok: failed.length === 0, message: parts.join('; '), data: results };
}

/** How long the master waits after replying before it stops, so the reply reaches the console. */
const EXIT_DELAY_MS = 200;

export function registerPowerActions(master: PowerActionHost, opts: PowerActionOptions): void {
  const seam = opts.seam ?? systemSeam;
  const uploads = opts.uploads;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const ctx = { store: master.store, config: master.config, log: master.log };
  let poweringDown = false;

  const unknownMacs = (macs: Mac[]) => macs.filter((m) => !master.store.node(m));

  master.control.registerAction('shutdown', async (action, { by, progress }) => {
    if (action.name !== 'shutdown') return { ok: false, message: 'wrong action' };
    const unknown = unknownMacs(action.macs);
    if (unknown.length) return { ok: false, message: `unknown node(s): ${unknown.join(', ')}` };
    return summarizeShutdown(await shutdownPeers(ctx, action.macs, by, progress));
  });

  master.control.registerAction('shutdown-all', async (_action, { by, progress }) => {
    const targets = shutdownAllTargets(master.store.state);
    if (targets.length === 0) return { ok: true, message: 'no inventoried peer is still on' };
    progress(`shutting down ${targets.length} peer(s)`);
    return summarizeShutdown(await shutdownPeers(ctx, targets, by, progress));
  });

  master.control.registerAction('recollect', async (action, { by }) => {
    if (action.name !== 'recollect') return { ok: false, message: 'wrong action' };
    const unknown = unknownMacs(action.macs);
    if (unknown.length) return { ok: false, message: `unknown node(s): ${unknown.join(', ')}` };
    for (const mac of action.macs)
      await master.store.emit({ type: 'command.queued', data: { mac, command: 'recollect', by } });
    return { ok: true, message: `recollect queued for ${action.macs.length} peer(s)` };
  });

  master.control.registerAction('export', async (action) => {
    if (action.name !== 'export') return { ok: false, message: 'wrong action' };
    const state = master.store.state;
    const report = { state, inventories: await readInventories(master.config.dataDir, state) };
    const text = renderReport(report, action.format, {
      generatedAt: new Date().toISOString(),
      version: master.version,
    });
    if (action.out === undefined)
      return { ok: true, message: `${action.format} report, ${text.length} bytes`, data: { text } };
    const target = await resolveExportTarget(master.config.dataDir, action.out, action.format);
    if ('error' in target) return { ok: false, message: target.error };
    await writeFileDurable(target.path, text, { mkdir: false });
    return { ok: true, message: `wrote ${target.path}` };
  });

  master.control.registerAction('poweroff', async (action, { by, progress }) => {
    if (action.name !== 'poweroff') return { ok: false, message: 'wrong action' };
    if (poweringDown) return { ok: false, message: 'a power-down is already under way' };
    poweringDown = true;
    let poweredOff = false;
    try {
      const outcome = await finalPowerDown(master, {
        by,
        waitSeconds: action.waitSeconds ?? master.config.power.uploadWaitSeconds,
        progress,
        seam,
        uploads,
        pid: process.pid,
      });
      poweredOff = outcome.poweredOff;
      if (poweredOff) {
        // the reply goes out first; then the master stops (services and store are already down)
        setTimeout(() => {
          master.stop('powered off').then(
            () => exit(0),
            () => exit(1),
          );
        }, EXIT_DELAY_MS);
      }
      return { ok: outcome.ok, message: outcome.message, data: { dataMount: outcome.dataMount } };
    } finally {
      // after a real power-off nothing may run again; after a stop the operator may ask again
      poweringDown = poweredOff;
    }
  });
}

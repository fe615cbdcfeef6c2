// The final safe power-down of the master, in an order that never loses data:
//   1. the data mount (own partition or not) and who else holds it — busy → stop, nothing changed;
//   2. uploads in flight — wait at most waitSeconds with a countdown, then cut and name the unfinished ones
//      (the operator's word wins over a peer's: a peer trickling its upload cannot hold the power-down);
//   3. stop DHCP/DNS/TFTP/HTTP; 4. write report.{json,csv,html}; 5. flush + close the state store;
//   6. sync; 7. unmount the data partition (never forced; busy → name the holders and stop);
//   8. verify (mount gone, fsck -n clean); 9. run power.poweroffCommand, last and once.
// Every step is safe to repeat, so after a stop the operator fixes the cause and asks again.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { StateStore } from '../../model/store.js';
import type { NewEvent } from '../../model/events.js';
import type { UploadRegistry } from '../../model/inflight.js';
import { writeFileDurable } from '../../shared/durable.js';
import { REPORT_FORMATS, renderReport } from '../../report/index.js';
import { readInventories } from '../../model/data-dir.js';
import { classifyDataMount, isMounted, parseMountinfo, type DataMount } from './mounts.js';
import { describeHolder } from './holders.js';
import type { PowerDownSeam } from './seam.js';
import { detachLogFilesUnder } from './log-detach.js';

/** How long an upload whose body is complete may take to be stored once the wait is over. */
const STORING_GRACE_MS = 5000;

export interface PowerDownHost {
  config: ReconConfig;
  store: StateStore;
  log: Logger;
  version: string;
  stopNetworkServices(): Promise<void>;
}

export interface PowerDownOptions {
  by: string;
  /** how long to wait for uploads in flight before cutting them; 0 cuts them at once */
  waitSeconds: number;
  progress: (message: string) => void;
  seam: PowerDownSeam;
  uploads: UploadRegistry;
  /** this process: its own files are closed before the unmount, so it is not counted as a holder */
  pid: number;
}

export interface PowerDownOutcome {
  ok: boolean;
  /** true once the power-off command ran successfully */
  poweredOff: boolean;
  message: string;
  dataMount?: string;
}

export async function finalPowerDown(host: PowerDownHost, o: PowerDownOptions): Promise<PowerDownOutcome> {
  const { config, store, log } = host;
  const emit = async (ev: NewEvent) => {
    try {
      await store.emit(ev);
    } catch {
      /* after step 5 the store is closed: progress messages and the log still tell */
    }
  };
  const step = async (name: string, ok: boolean, detail?: string) => {
    o.progress(`${name}${ok ? '' : ' FAILED'}${detail ? `: ${detail}` : ''}`);
    log.info({ step: name, ok, detail }, 'power-down step');
    await emit({ type: 'power.step', data: { step: name, ok, detail } });
  };
  const stop = async (name: string, message: string): Promise<PowerDownOutcome> => {
    await step(name, false, message);
    return { ok: false, poweredOff: false, message };
  };

  // 1. where the data lives, and whether anything else holds it
  const dataDir = await o.seam.realpath(config.dataDir);
  const where: DataMount = classifyDataMount(parseMountinfo(await o.seam.readMountinfo()), dataDir);
  if (where.kind === 'own') {
    const m = where.mount;
    await step('data mount', true, `${m.mountPoint} (${m.fstype} on ${m.source}) will be unmounted`);
    const holders = await o.seam.findHolders(m.dev, o.pid);
    if (holders.length)
      return stop(
        'data mount busy',
        `${m.mountPoint} is in use by ${holders.map(describeHolder).join('; ')} — stop them and ask again; nothing was changed`,
      );
  } else {
    await step('data mount', true, `${where.why}: the system's orderly shutdown unmounts it`);
  }

  // 2. uploads in flight: wait, then cut what is still arriving; an upload whose body is complete is being
  // stored and gets a few seconds to finish
  const settleUploads = async (waitMs: number): Promise<void> => {
    if (o.uploads.inflight().length === 0) return;
    if (waitMs > 0)
      await o.uploads.waitIdle(waitMs, (left, macs) =>
        o.progress(`waiting for ${macs.length} upload(s) to finish: ${left} s left (${macs.join(', ')})`),
      );
    const cut = o.uploads.discard();
    if (cut.length) {
      log.warn({ macs: cut, waitedSeconds: waitMs / 1000 }, 'unfinished uploads discarded');
      await step(
        'uploads discarded',
        false,
        `not finished after ${waitMs / 1000} s, cut and not stored: ${cut.join(', ')}`,
      );
    }
    const left = await o.uploads.waitIdle(STORING_GRACE_MS);
    if (left.length) log.warn({ macs: left }, 'uploads still storing after the grace; going on');
  };
  await settleUploads(o.waitSeconds * 1000);

  // 3. network services
  await emit({ type: 'master.stopping', data: { reason: `final power-down by ${o.by}` } });
  await host.stopNetworkServices();
  await step('network services stopped', true, 'DHCP, DNS, TFTP and HTTP are closed');
  await settleUploads(0); // an upload that began just before HTTP closed

  // 4. the report, next to the data it describes
  const meta = { generatedAt: new Date().toISOString(), version: host.version };
  // the report sits beside the node files: its details come from their inventory.json
  const report = { state: store.state, inventories: await readInventories(config.dataDir, store.state) };
  for (const f of REPORT_FORMATS)
    await writeFileDurable(join(config.dataDir, `report.${f}`), renderReport(report, f, meta));
  await step('report written', true, REPORT_FORMATS.map((f) => `report.${f}`).join(', '));

  // 5. the state store: last events, snapshot, event log closed
  await step(
    'state closing',
    true,
    `${Object.keys(store.state.nodes).length} nodes, event ${store.state.seq}`,
  );
  await store.close();
  o.progress('state flushed and closed');

  // 6. our own files on the data mount, then sync
  if (where.kind === 'own') {
    const closedLogs = detachLogFilesUnder(log, where.mount.mountPoint);
    if (closedLogs.length) o.progress(`log file closed: ${closedLogs.join(', ')}`);
    if (process.cwd() === where.mount.mountPoint || process.cwd().startsWith(where.mount.mountPoint + '/'))
      process.chdir('/');
  }
  const synced = await o.seam.sync();
  if (synced.code !== 0) return stop('sync', synced.output || `sync exited ${synced.code}`);
  o.progress('sync done');

  // 7 + 8. unmount and verify
  if (where.kind === 'own') {
    const m = where.mount;
    const u = await o.seam.umount(m.mountPoint);
    if (u.code !== 0) {
      const holders = await o.seam.findHolders(m.dev, o.pid);
      const who = holders.length ? `in use by ${holders.map(describeHolder).join('; ')}` : u.output;
      o.progress(`unmount FAILED: ${m.mountPoint} ${who}`);
      return {
        ok: false,
        poweredOff: false,
        message: `unmount of ${m.mountPoint} failed: ${who} — nothing was forced; the data is synced and the state closed; stop them and ask again`,
      };
    }
    if (isMounted(parseMountinfo(await o.seam.readMountinfo()), m.mountPoint)) {
      o.progress(`unmount FAILED: ${m.mountPoint} is still mounted`);
      return {
        ok: false,
        poweredOff: false,
        message: `${m.mountPoint} is still mounted after umount (mounted twice?)`,
      };
    }
    o.progress(`unmounted ${m.mountPoint}`);
    const check = await o.seam.fsck(m.source, m.fstype);
    if (check && check.code !== 0) {
      o.progress(`fsck -n ${m.source} FAILED (exit ${check.code})`);
      return {
        ok: false,
        poweredOff: false,
        message: `fsck -n ${m.source} reports problems (exit ${check.code}): ${check.output.slice(-400)}`,
      };
    }
    o.progress(check ? `fsck -n ${m.source}: clean` : `${m.fstype} has no read-only check here; skipped`);
  }

  // 9. power off, once
  const argv = config.power.poweroffCommand;
  o.progress(`powering off: ${argv.join(' ')}`);
  const p = await o.seam.poweroff(argv);
  if (p.code !== 0)
    return {
      ok: false,
      poweredOff: false,
      message: `${argv.join(' ')} failed (exit ${p.code}): ${p.output.slice(-300)}; the data is safe`,
    };
  if (where.kind === 'own')
    return {
      ok: true,
      poweredOff: true,
      dataMount: where.mount.mountPoint,
      message: `data safe on ${where.mount.source} (unmounted, clean); powering off`,
    };
  return { ok: true, poweredOff: true, message: 'state closed and synced; powering off' };
}

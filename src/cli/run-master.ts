// `recon master`: start, run until SIGTERM/SIGINT, stop in order so nothing acknowledged is lost.
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../model/config/load.js';
import { redactSecrets } from '../model/config/secrets.js';
import { Master } from '../master/daemon.js';
import { CliError } from './usage-error.js';
import { notifySystemd } from '../master/sd-notify.js';

/**
 * The one line for a master that cannot start: what failed, and — when no config file was found — that the
 * defaults were used and how to go on. Pure.
 */
export function startFailureLine(error: string, defaultsFrom: string | undefined): string {
  const what = error.split('\n')[0];
  return defaultsFrom === undefined
    ? `recon master: cannot start: ${what}`
    : `recon master: no config at ${defaultsFrom}, so the defaults apply; cannot start: ${what} ` +
        `(give a config with --config FILE, or try the demo: recon lab)`;
}

export async function runMaster(values: Record<string, unknown>): Promise<number> {
  const config = loadConfig(typeof values.config === 'string' ? values.config : undefined);
  if (values['print-config']) {
    process.stdout.write(JSON.stringify(redactSecrets(config), null, 2) + '\n');
    return 0;
  }
  const defaultsFrom =
    typeof values.config !== 'string' && !existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
  let master: Master;
  try {
    master = await Master.start(
      config,
      { proxyDhcp: values['proxy-dhcp'] === true, forceDhcp: values['force-dhcp'] === true },
      { logStderr: values['log-stderr'] === true },
    );
  } catch (e) {
    throw new CliError(startFailureLine((e as Error).message, defaultsFrom), 1);
  }
  process.stderr.write(
    `recon master ${master.ctx.version} running; control socket ${config.controlSocket}\n`,
  );
  // a unit of Type=notify is started once this arrives: every service has been started (or has failed)
  await notifySystemd(`READY=1\nSTATUS=serving on ${config.interface}\nMAINPID=${process.pid}`).catch(
    (e: unknown) => master.log.warn({ err: e }, 'could not tell systemd that the master is ready'),
  );
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) return; // a second signal while stopping changes nothing: the stop is already orderly
      void notifySystemd('STOPPING=1').catch(() => undefined);
      master
        .stop(sig)
        .then(() => resolve(0))
        .catch((e: unknown) => {
          process.stderr.write(`recon master: stop failed: ${(e as Error).message}\n`);
          resolve(1);
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

// `recon master`: start, run until SIGTERM/SIGINT, stop in order so nothing acknowledged is lost.
import { loadConfig } from '../model/config/load.js';
import { Master } from '../master/daemon.js';

export async function runMaster(values: Record<string, unknown>): Promise<number> {
  const config = loadConfig(typeof values.config === 'string' ? values.config : undefined);
  if (values['print-config']) {
    process.stdout.write(JSON.stringify(config, null, 2) + '\n');
    return 0;
  }
  const master = await Master.start(
    config,
    { proxyDhcp: values['proxy-dhcp'] === true, forceDhcp: values['force-dhcp'] === true },
    { logStderr: values['log-stderr'] === true },
  );
  process.stderr.write(
    `recon master ${master.ctx.version} running; control socket ${config.controlSocket}\n`,
  );
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) return; // a second signal while stopping changes nothing: the stop is already orderly
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

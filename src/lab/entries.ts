// Process entry points the lab starts: `sim-peer` (one simulated peer) and `master` (recon master with the
// power actions registered, so the console's shutdown and power-down keys work in the lab).
// Usage: node entries.js sim-peer [flags] | node entries.js master CONFIG
import { loadConfig } from '../master/config/load.js';
import { Master } from '../master/daemon.js';
import { registerPowerActions } from '../master/power/actions.js';
import { simPeer } from './sim-peer.js';

async function labMaster(configPath: string | undefined): Promise<number> {
  const master = await Master.start(loadConfig(configPath), { proxyDhcp: false, forceDhcp: false });
  registerPowerActions(master);
  process.stderr.write(`recon master ${master.version} running (lab)\n`);
  return new Promise<number>((resolve) => {
    const stop = () =>
      void master.stop('SIGTERM').then(
        () => resolve(0),
        () => resolve(1),
      );
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

const [what, ...rest] = process.argv.slice(2);
const run =
  what === 'sim-peer' ? simPeer(rest) : what === 'master' ? labMaster(rest[0]) : Promise.resolve(64);
run.then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab ${what ?? '?'}: ${(e as Error).message}\n`);
    process.exit(1);
  },
);

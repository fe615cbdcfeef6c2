// Process entry point the lab starts for each simulated peer (the master is the real `recon master`).
// Usage: node entries.js sim-peer [flags]
import { simPeer } from './sim-peer.js';

const [what, ...rest] = process.argv.slice(2);
const run = what === 'sim-peer' ? simPeer(rest) : Promise.resolve(64);
run.then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab ${what ?? '?'}: ${(e as Error).message}\n`);
    process.exit(1);
  },
);

// `recon master --config FILE` without the rest of the CLI (no console, no lab, no collector): what the
// power-cut VM runs, bundled small so that Node starts it quickly under TCG.
import { runMaster } from '../../src/cli/run-master.js';

const code = await runMaster({ config: process.argv[2] });
process.exitCode = code;

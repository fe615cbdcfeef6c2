// Starts `recon console` for terminal tests: through the real CLI once it dispatches to the console,
// else straight through the console's run entry with the same flags.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runConsoleCommand } from '../../src/tui/run.js';

const cliSource = readFileSync(new URL('../../src/cli.ts', import.meta.url), 'utf8');
if (cliSource.includes('runConsoleCommand')) {
  process.argv.splice(2, 0, 'console');
  await import('../../src/cli.js');
} else {
  const { values } = parseArgs({
    options: {
      socket: { type: 'string' },
      'read-only': { type: 'boolean' },
      headless: { type: 'boolean' },
      ascii: { type: 'boolean' },
    },
  });
  process.exitCode = await runConsoleCommand(values);
}

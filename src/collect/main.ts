// Stand-alone entry of the collector (bundled into post.tgz): `node collect.mjs [flags]`, the same flags as
// `recon collect`, so a peer runs it without the rest of recon.
import { parseArgs } from 'node:util';
import { runCollect } from './agent.js';
import { COLLECT_HELP, COLLECT_OPTIONS, collectOptionsFromFlags, CollectFlagError } from './flags.js';

const USAGE = [
  'usage: collect [flags]',
  ...COLLECT_HELP.map(([flag, what]) => `  ${flag.padEnd(26)}${what}`),
  'env: RECON_POWEROFF_COMMAND (same as --poweroff-command)',
].join('\n');

declare const RECON_VERSION: string | undefined;

export async function main(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: { ...COLLECT_OPTIONS, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await runCollect({
      ...collectOptionsFromFlags(v, process.env),
      version: typeof RECON_VERSION === 'string' ? RECON_VERSION : undefined,
    });
  } catch (e) {
    if (!(e instanceof CollectFlagError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 64;
  }
}

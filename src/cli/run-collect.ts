// `recon collect`: maps the CLI flags onto the collector agent.
import { runCollect } from '../collect/agent.js';
import { collectOptionsFromFlags, CollectFlagError } from '../collect/flags.js';
import { CliError } from './usage-error.js';
import { VERSION } from '../version.js';

export function runCollectCommand(values: Record<string, unknown>): Promise<number> {
  try {
    return runCollect({ ...collectOptionsFromFlags(values, process.env), version: VERSION });
  } catch (e) {
    if (e instanceof CollectFlagError) throw new CliError(`recon collect: ${e.message}`);
    throw e;
  }
}

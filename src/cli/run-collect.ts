// `recon collect`: maps the CLI flags onto the collector agent.
import { runCollect, type CollectCliOptions } from '../collect/agent.js';
import { CliError } from './usage-error.js';
import { VERSION } from '../version.js';

const POLICIES = ['if-bmc', 'always', 'never'] as const;

export function runCollectCommand(values: Record<string, unknown>): Promise<number> {
  const str = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
  const opts: CollectCliOptions = {
    version: VERSION,
    once: values.once === true,
    dryRun: values['dry-run'] === true,
  };
  if (str('master')) opts.master = str('master');
  if (str('cmdline')) opts.cmdlineFile = str('cmdline');
  if (str('replay')) opts.replayDir = str('replay');
  if (str('record')) opts.recordDir = str('record');
  const policy = str('poweroff');
  if (policy !== undefined) {
    if (!(POLICIES as readonly string[]).includes(policy))
      throw new CliError(`recon collect: --poweroff must be one of ${POLICIES.join(', ')}`);
    opts.poweroff = policy as (typeof POLICIES)[number];
  }
  const cmd = str('poweroff-command') ?? process.env.RECON_POWEROFF_COMMAND;
  if (cmd) opts.poweroffCommand = cmd.split(/\s+/).filter(Boolean);
  const wait = str('lldp-wait');
  if (wait !== undefined) {
    const n = Number(wait);
    if (!Number.isFinite(n) || n < 0)
      throw new CliError('recon collect: --lldp-wait must be a number of seconds ≥ 0');
    opts.lldpWaitSeconds = n;
  }
  return runCollect(opts);
}

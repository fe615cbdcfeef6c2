// The collector's command-line flags, shared by `recon collect` and the stand-alone collector in post.tgz
// (which must not pull in the rest of the CLI): one table of options and help lines, one mapping onto the
// agent's options with the same checks.
import type { CollectCliOptions } from './agent.js';
import type { PowerOffPolicy } from './cmdline.js';

export const COLLECT_OPTIONS = {
  master: { type: 'string' },
  cmdline: { type: 'string' },
  once: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  poweroff: { type: 'string' },
  'poweroff-command': { type: 'string' },
  'lldp-wait': { type: 'string' },
  ipmitool: { type: 'string' },
  replay: { type: 'string' },
  record: { type: 'string' },
} as const;

export const COLLECT_HELP: [string, string][] = [
  ['--master URL', 'the master (default: pxeaddr= from the kernel command line, then DNS "bang")'],
  ['--cmdline FILE', 'read kernel arguments from FILE instead of /proc/cmdline'],
  ['--once', 'collect and upload, then exit (no power-off, no command polling)'],
  ['--dry-run', 'collect and print the inventory as JSON; no master needed'],
  ['--poweroff P', 'after upload: if-bmc (default), always or never'],
  ['--poweroff-command ARGV', 'the command that powers this node off (default: systemctl poweroff)'],
  ['--lldp-wait S', 'seconds to listen for LLDP neighbours (default 35)'],
  ['--ipmitool ARGV', 'the ipmitool command with its interface (default: ipmitool on /dev/ipmi0)'],
  ['--replay DIR', 'use tool outputs recorded in DIR instead of running the tools (lab, tests)'],
  ['--record DIR', 'also save every tool output into DIR (to make a replayable machine)'],
];

const POLICIES: readonly string[] = ['if-bmc', 'always', 'never'];

/** A flag with a value the collector cannot use; the message names the flag. */
export class CollectFlagError extends Error {}

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** Parsed flag values → agent options. `RECON_POWEROFF_COMMAND` stands in for --poweroff-command. */
export function collectOptionsFromFlags(
  values: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): CollectCliOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
  const opts: CollectCliOptions = { once: values.once === true, dryRun: values['dry-run'] === true };
  if (str('master')) opts.master = str('master');
  if (str('cmdline')) opts.cmdlineFile = str('cmdline');
  if (str('replay')) opts.replayDir = str('replay');
  if (str('record')) opts.recordDir = str('record');
  const policy = str('poweroff');
  if (policy !== undefined) {
    if (!POLICIES.includes(policy))
      throw new CollectFlagError(`--poweroff must be one of ${POLICIES.join(', ')}`);
    opts.poweroff = policy as PowerOffPolicy;
  }
  const cmd = str('poweroff-command') ?? env.RECON_POWEROFF_COMMAND;
  if (cmd) opts.poweroffCommand = words(cmd);
  const ipmitool = str('ipmitool');
  if (ipmitool) opts.ipmitool = words(ipmitool);
  const wait = str('lldp-wait');
  if (wait !== undefined) {
    const n = Number(wait);
    if (!Number.isInteger(n) || n < 0)
      throw new CollectFlagError('--lldp-wait must be a whole number of seconds ≥ 0');
    opts.lldpWaitSeconds = n;
  }
  return opts;
}

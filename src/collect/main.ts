// Stand-alone entry of the collector (bundled into post.tgz): `node collect.mjs [flags]`, the same flags as
// `recon collect`, so a peer runs it without the rest of recon.
import { parseArgs } from 'node:util';
import { runCollect } from './agent.js';
import type { PowerOffPolicy } from './cmdline.js';

const USAGE = `usage: collect [--master URL] [--cmdline FILE] [--once] [--dry-run] [--poweroff if-bmc|always|never]
               [--poweroff-command "ARGV"] [--lldp-wait SECONDS] [--ipmitool "ARGV"]
               [--replay DIR] [--record DIR]
--replay DIR: take every tool output from a recorded machine (DIR/sources.json) instead of running tools
--record DIR: also write this machine's raw tool outputs to DIR, in the form --replay reads
env: RECON_POWEROFF_COMMAND (same as --poweroff-command)`;

declare const RECON_VERSION: string | undefined;

export async function main(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
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
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const policy = v.poweroff;
  if (policy !== undefined && policy !== 'if-bmc' && policy !== 'always' && policy !== 'never') {
    process.stderr.write(`--poweroff must be if-bmc, always or never\n`);
    return 64;
  }
  const lldp = v['lldp-wait'] === undefined ? undefined : Number(v['lldp-wait']);
  if (lldp !== undefined && !(Number.isInteger(lldp) && lldp >= 0)) {
    process.stderr.write(`--lldp-wait must be a whole number of seconds\n`);
    return 64;
  }
  const poweroffCmd = v['poweroff-command'] ?? process.env.RECON_POWEROFF_COMMAND;
  return runCollect({
    master: v.master,
    cmdlineFile: v.cmdline,
    once: v.once,
    dryRun: v['dry-run'],
    poweroff: policy as PowerOffPolicy | undefined,
    poweroffCommand: poweroffCmd ? poweroffCmd.split(/\s+/).filter(Boolean) : undefined,
    lldpWaitSeconds: lldp,
    ipmitool: v.ipmitool ? v.ipmitool.split(/\s+/).filter(Boolean) : undefined,
    replayDir: v.replay,
    recordDir: v.record,
    version: typeof RECON_VERSION === 'string' ? RECON_VERSION : undefined,
  });
}

#!/usr/bin/env node
// recon's command line: parse, dispatch to the subcommand, map failures to one clear line + exit code.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage / bad config / capability not built.
import { parseArgs } from 'node:util';
import { COMMANDS, commandHelp, mainHelp, type CommandSpec } from './cli/commands.js';
import { joinNegativeValues } from './cli/option-values.js';
import { CliError } from './cli/usage-error.js';
import { ConfigError } from './model/config/load.js';
import { VERSION } from './version.js';
import { runMaster } from './cli/run-master.js';
import { runStatus } from './cli/run-status.js';
import { runPower } from './cli/run-power.js';
import { runExport } from './cli/run-export.js';
import { runCollectCommand } from './cli/run-collect.js';
import { runLabCommand } from './cli/run-lab.js';
import { runConsoleCommand } from './tui/run.js';

type Runner = (values: Record<string, unknown>, positionals: string[]) => Promise<number>;

const RUNNERS: Record<string, Runner> = {
  master: runMaster,
  status: runStatus,
  console: runConsoleCommand,
  collect: runCollectCommand,
  lab: runLabCommand,
  power: runPower,
  export: runExport,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp(VERSION));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const spec: CommandSpec | undefined = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new CliError(`recon: unknown command '${name}' (try 'recon --help')`);
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(rest, spec.options),
      options: { ...spec.options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
      allowPositionals: spec.verbs !== undefined,
      strict: true,
    });
  } catch (e) {
    throw new CliError(`recon ${name}: ${(e as Error).message.split('\n')[0]} (try 'recon ${name} --help')`);
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(spec));
    return 0;
  }
  if (parsed.values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (spec.verbs) {
    const verb = parsed.positionals[0];
    if (!verb || !spec.verbs.includes(verb) || parsed.positionals.length > 1)
      throw new CliError(
        `recon ${name}: expected one of ${spec.verbs.join(', ')} (try 'recon ${name} --help')`,
      );
  }
  const run = RUNNERS[spec.name];
  if (!run) throw new CliError(`recon ${name}: no runner`);
  return run(parsed.values, parsed.positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (e instanceof ConfigError) {
      for (const p of e.problems) process.stderr.write(`${e.file}: ${p}\n`);
      process.exitCode = 2;
    } else {
      // one line for the operator; RECON_DEBUG=1 adds the stack for a bug report
      const err = e as Error;
      process.stderr.write(
        process.env.RECON_DEBUG === '1'
          ? `recon: ${err.stack}\n`
          : `recon: ${String(err.message ?? e).split('\n')[0]}\n`,
      );
      process.exitCode = 1;
    }
  },
);

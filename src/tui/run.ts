// `recon console`: pick the mode for this terminal (Ink screen or headless lines), connect to the
// master's control socket and run until the operator detaches or the process is told to stop.
import { readlinkSync } from 'node:fs';
import { MasterFeed, NO_MASTER_HINT, type LinkState } from './master-feed.js';
import { decideTerminalMode } from './terminal-mode.js';
import { runHeadless } from './headless.js';
import { controlSocketPath } from '../model/config/locate.js';
import type { runScreen as RunScreen } from './screen.js';

export interface ConsoleOptions {
  socket: string;
  readOnly: boolean;
  headless: boolean;
  ascii: boolean;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];

/** The terminal this console runs on, for the master's log ("shutdown requested by console:tty1"). */
function actor(): string {
  try {
    return `console:${readlinkSync('/proc/self/fd/0').replace(/^\/dev\//, '')}`;
  } catch {
    return 'console';
  }
}

/** Variables that make Ink (is-in-ci) draw nothing until exit and then only the last frame. */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'];

/**
 * Loads the Ink screen with the CI variables hidden: the console has already chosen a live screen
 * because stdout is a terminal and stdin reads keys, so an inherited `CI=true` (a console opened from a
 * build job, a lab started by a test runner) must not leave the operator looking at a blank terminal.
 * Headless mode is how the console writes for logs.
 */
async function loadScreen(): Promise<{ runScreen: typeof RunScreen }> {
  const saved = CI_VARIABLES.map((k) => [k, process.env[k]] as const);
  for (const k of CI_VARIABLES) delete process.env[k];
  try {
    return await import('./screen.js');
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}

/**
 * A console that finds no master at its first try says so once on stderr, with the way on. It keeps retrying
 * rather than exiting: on the live image the consoles start with the master and must wait for it.
 */
function explainFirstFailure(feed: MasterFeed): void {
  const onLink = (link: LinkState) => {
    feed.off('link', onLink);
    if (link.status === 'retrying')
      process.stderr.write(
        `recon console: ${link.error}: ${NO_MASTER_HINT}; retrying until it answers (Ctrl-C stops)\n`,
      );
  };
  feed.on('link', onLink);
}

export async function runConsole(opts: ConsoleOptions): Promise<number> {
  const stdin = process.stdin;
  const mode = decideTerminalMode(
    { headless: opts.headless, ascii: opts.ascii },
    {
      stdoutIsTTY: process.stdout.isTTY === true,
      rawModeSupported: stdin.isTTY === true && typeof stdin.setRawMode === 'function',
      term: process.env.TERM,
      noColor: process.env.NO_COLOR,
    },
  );
  const feed = new MasterFeed(opts.socket);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    if (mode.headless) {
      if (mode.reason && !opts.headless)
        process.stderr.write(`recon console: ${mode.reason}: printing plain lines\n`);
      explainFirstFailure(feed);
      return await runHeadless(feed, process.stdout, { ascii: mode.ascii, signal: stop.signal });
    }
    const { runScreen } = await loadScreen();
    feed.start();
    await runScreen(feed, mode, { readOnly: opts.readOnly, by: actor(), signal: stop.signal });
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    feed.stop();
  }
}

/** The `recon console` runner for the CLI's command table (flags already parsed). */
export function runConsoleCommand(values: Record<string, unknown>): Promise<number> {
  return runConsole({
    // a read-only console connects to the view-only socket, where the master refuses every action
    socket: controlSocketPath(values, { readOnly: values['read-only'] === true }),
    readOnly: values['read-only'] === true,
    headless: values.headless === true,
    ascii: values.ascii === true,
  });
}

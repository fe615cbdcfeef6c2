// `recon console`: pick the mode for this terminal (Ink screen or headless lines), connect to the
// master's control socket and run until the operator detaches or the process is told to stop.
import { readlinkSync } from 'node:fs';
import { render } from 'ink';
import { MasterFeed } from './master-feed.js';
import { decideTerminalMode } from './terminal-mode.js';
import { runHeadless } from './headless.js';
import { ConsoleApp } from './app.js';
import { controlSocketPath } from '../cli/locate.js';

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
      return await runHeadless(feed, process.stdout, { ascii: mode.ascii, signal: stop.signal });
    }
    feed.start();
    const ink = render(
      <ConsoleApp feed={feed} readOnly={opts.readOnly} ascii={mode.ascii} color={mode.color} by={actor()} />,
      { exitOnCtrlC: false, patchConsole: false, maxFps: 20 },
    );
    stop.signal.addEventListener('abort', () => ink.unmount(), { once: true });
    await ink.waitUntilExit();
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    feed.stop();
  }
}

/** The `recon console` runner for the CLI's command table (flags already parsed). */
export function runConsoleCommand(values: Record<string, unknown>): Promise<number> {
  return runConsole({
    socket: controlSocketPath(values),
    readOnly: values['read-only'] === true,
    headless: values.headless === true,
    ascii: values.ascii === true,
  });
}

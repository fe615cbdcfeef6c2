// The Ink screen of `recon console`: rendered live until the operator detaches or `signal` aborts.
// Loaded only once the console has decided on a screen (see run.tsx: Ink reads its environment when loaded).
import { render } from 'ink';
import { ConsoleApp } from './app.js';
import type { MasterFeed } from './master-feed.js';
import type { TerminalMode } from './terminal-mode.js';

export async function runScreen(
  feed: MasterFeed,
  mode: TerminalMode,
  o: { readOnly: boolean; by: string; signal: AbortSignal },
): Promise<void> {
  const ink = render(
    <ConsoleApp feed={feed} readOnly={o.readOnly} ascii={mode.ascii} color={mode.color} by={o.by} />,
    { exitOnCtrlC: false, patchConsole: false, maxFps: 20 },
  );
  o.signal.addEventListener('abort', () => ink.unmount(), { once: true });
  await ink.waitUntilExit();
}

// Decides how the console talks to its terminal: the Ink screen or plain lines, Unicode or ASCII,
// colour or not. Pure, so the rules (serial terminals, pipes, NO_COLOR) are table-tested.

export interface TerminalFacts {
  stdoutIsTTY: boolean;
  /** `stdin.isRawModeSupported`: only `true` lets Ink read single keys */
  rawModeSupported: boolean | undefined;
  term: string | undefined;
  noColor: string | undefined;
}

export interface TerminalMode {
  headless: boolean;
  ascii: boolean;
  color: boolean;
  /** why the console runs headless when it was not asked to */
  reason?: string;
}

/** Terminals that are typically a serial line or the Linux text console: no wide glyphs there. */
const ASCII_TERMS = new Set(['vt100', 'vt102', 'vt220', 'linux', 'dumb']);

export function decideTerminalMode(
  flags: { headless: boolean; ascii: boolean },
  facts: TerminalFacts,
): TerminalMode {
  let reason: string | undefined;
  if (!flags.headless) {
    if (!facts.stdoutIsTTY) reason = 'stdout is not a terminal';
    else if (facts.rawModeSupported !== true) reason = 'stdin cannot read single keys';
  }
  const term = (facts.term ?? '').toLowerCase();
  const ascii = flags.ascii || ASCII_TERMS.has(term) || ASCII_TERMS.has(term.split('-')[0] ?? '');
  // NO_COLOR: any non-empty value disables colour (no-color.org)
  const color = !(facts.noColor !== undefined && facts.noColor !== '') && term !== 'dumb';
  const mode: TerminalMode = { headless: flags.headless || reason !== undefined, ascii, color };
  if (reason) mode.reason = reason;
  return mode;
}

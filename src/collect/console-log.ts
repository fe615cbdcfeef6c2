// One plain line per step on the peer's console (and in the journal): readable on a serial line, no colours.
export type ConsoleLine = (line: string) => void;

export function consoleLine(write: (s: string) => void = (s) => process.stderr.write(s)): ConsoleLine {
  return (line) => write(`recon-collect: ${line}\n`);
}

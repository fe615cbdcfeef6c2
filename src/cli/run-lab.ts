// `recon lab`: flags → the lab runner. Root builds the namespace lab; without root, the loopback lab.
import { runLab } from '../lab/lab.js';
import { wholeNumber } from './option-values.js';
import { CliError } from './usage-error.js';

export async function runLabCommand(values: Record<string, unknown>): Promise<number> {
  const peers = wholeNumber('lab', 'peers', values.peers, { min: 1, max: 1000, fallback: 8 });
  const qemu = wholeNumber('lab', 'qemu', values.qemu, { min: 0, max: 16, fallback: 0 });
  if (qemu > 0 && process.getuid?.() !== 0)
    throw new CliError('recon lab: --qemu needs root (the VMs sit on taps of the lab bridge)', 2);
  if (values.bmc === true && qemu === 0)
    throw new CliError('recon lab: --bmc gives the --qemu VMs their BMCs: add --qemu N', 2);
  const r = await runLab({
    peers,
    qemu,
    bmc: values.bmc === true,
    loopback: process.getuid?.() !== 0,
    headless: values.headless === true || process.stdout.isTTY !== true,
    keep: values.keep === true,
  });
  return r.ok ? 0 : 1;
}

// `recon lab`: flags → the lab runner. Root builds the namespace lab; without root, the loopback lab.
import { runLab } from '../lab/lab.js';
import { CliError } from './usage-error.js';

export async function runLabCommand(values: Record<string, unknown>): Promise<number> {
  const peers = typeof values.peers === 'string' ? Number(values.peers) : 8;
  if (!Number.isInteger(peers) || peers < 1 || peers > 1000)
    throw new CliError('recon lab: --peers must be 1..1000');
  const qemu = typeof values.qemu === 'string' ? Number(values.qemu) : 0;
  if (!Number.isInteger(qemu) || qemu < 0 || qemu > 16) throw new CliError('recon lab: --qemu must be 0..16');
  if (qemu > 0 && process.getuid?.() !== 0)
    throw new CliError('recon lab: --qemu needs root (the VMs sit on taps of the lab bridge)', 2);
  const r = await runLab({
    peers,
    qemu,
    loopback: process.getuid?.() !== 0,
    headless: values.headless === true || process.stdout.isTTY !== true,
    keep: values.keep === true,
  });
  return r.ok ? 0 : 1;
}

// `recon lab`: flags → the lab runner. Root builds the namespace lab; without root there is nothing to run yet.
import { runLab } from '../lab/lab.js';
import { CliError } from './usage-error.js';

export async function runLabCommand(values: Record<string, unknown>): Promise<number> {
  const peers = typeof values.peers === 'string' ? Number(values.peers) : 8;
  if (!Number.isInteger(peers) || peers < 1 || peers > 1000)
    throw new CliError('recon lab: --peers must be 1..1000');
  if (values.qemu !== undefined)
    throw new CliError('recon lab: --qemu is not built yet in this version of recon', 2);
  if (process.getuid?.() !== 0)
    throw new CliError(
      'recon lab: needs root (network namespaces); root adds an isolated DHCP/TFTP/HTTP network',
      2,
    );
  const r = await runLab({
    peers,
    headless: values.headless === true || process.stdout.isTTY !== true,
    keep: values.keep === true,
  });
  return r.ok ? 0 : 1;
}

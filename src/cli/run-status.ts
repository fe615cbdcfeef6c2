// `recon status`: one-shot summary over the control socket.
import { ControlClient } from '../master/control/client.js';
import { controlSocketPath } from '../model/config/locate.js';
import { formatStatus, summarize } from './status-format.js';
import { CliError } from './usage-error.js';

export async function runStatus(values: Record<string, unknown>): Promise<number> {
  const path = controlSocketPath(values);
  let client: ControlClient;
  try {
    client = await ControlClient.connect(path);
  } catch (e) {
    throw new CliError(`recon status: ${(e as Error).message}`, 1);
  }
  try {
    const { state, version } = await client.getState();
    const summary = summarize(state, version);
    process.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : formatStatus(summary));
    return 0;
  } finally {
    client.close();
  }
}

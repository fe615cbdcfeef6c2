// `recon export --format json|csv|html [--out FILE]`: the fleet report from the master's current state,
// to stdout or (durably) to a file.
import { resolve } from 'node:path';
import { ControlClient } from '../master/control/client.js';
import { writeFileDurable } from '../shared/durable.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { controlSocketPath } from '../model/config/locate.js';
import { CliError } from './usage-error.js';

export async function runExport(values: Record<string, unknown>): Promise<number> {
  const format = values.format;
  if (typeof format !== 'string' || !REPORT_FORMATS.includes(format as ReportFormat))
    throw new CliError(`recon export: --format must be one of ${REPORT_FORMATS.join(', ')}`);
  const path = controlSocketPath(values);
  let client: ControlClient;
  try {
    client = await ControlClient.connect(path);
  } catch (e) {
    throw new CliError(`recon export: ${(e as Error).message}`, 1);
  }
  try {
    const r = await client.action({ name: 'export', format: format as ReportFormat }, { by: 'cli' });
    const text = (r.data as { text?: unknown } | undefined)?.text;
    if (!r.ok || typeof text !== 'string') throw new CliError(`recon export: ${r.message || 'no report'}`, 1);
    if (typeof values.out === 'string') {
      const out = resolve(values.out);
      await writeFileDurable(out, text);
      process.stderr.write(`wrote ${out}\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } finally {
    client.close();
  }
}

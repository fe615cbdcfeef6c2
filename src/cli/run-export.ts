// `recon export --format json|csv|html [--out FILE]`: the fleet report, to stdout or (durably) to a
// file. From the running master's state (control socket), or with `--data DIR`... from data dirs alone
// (a stick on a laptop, or one stick per network segment merged into one report), no master needed.
import { dirname, relative, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { ControlClient } from '../master/control/client.js';
import { writeFileDurable } from '../shared/durable.js';
import { readDataDir } from '../model/data-dir.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../report/index.js';
import { mergeSources } from '../report/merge.js';
import { controlSocketPath } from '../model/config/locate.js';
import { VERSION } from '../version.js';
import { CliError } from './usage-error.js';

export async function runExport(values: Record<string, unknown>): Promise<number> {
  const format = values.format;
  if (typeof format !== 'string' || !REPORT_FORMATS.includes(format as ReportFormat))
    throw new CliError(`recon export: --format must be one of ${REPORT_FORMATS.join(', ')}`);
  const out = typeof values.out === 'string' ? resolve(values.out) : undefined;
  const dirs = Array.isArray(values.data) ? (values.data as string[]) : [];
  const text = dirs.length
    ? await fromDataDirs(dirs, format as ReportFormat, out)
    : await fromMaster(values, format as ReportFormat);
  if (out) {
    await writeFileDurable(out, text);
    process.stderr.write(`wrote ${out}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

async function fromDataDirs(dirs: string[], format: ReportFormat, out: string | undefined): Promise<string> {
  // links in the report are relative to where it is written (stdout: the current directory)
  const from = out ? dirname(out) : process.cwd();
  const sources = [];
  for (const dir of dirs) {
    const abs = resolve(dir);
    const st = await stat(abs).catch(() => undefined);
    if (!st?.isDirectory()) throw new CliError(`recon export: --data ${dir}: not a directory`, 1);
    const contents = await readDataDir(abs).catch((e: unknown) => {
      throw new CliError(`recon export: --data ${dir}: ${(e as Error).message}`, 1);
    });
    for (const s of contents.skipped)
      process.stderr.write(`${dir}/events.jsonl line ${s.line} skipped: ${s.reason}\n`);
    sources.push({
      dir,
      linkBase: relative(from, abs),
      state: contents.state,
      inventories: contents.inventories,
    });
  }
  const input = mergeSources(sources);
  for (const c of input.conflicts ?? [])
    process.stderr.write(`${c.mac}: in ${[c.chosen, ...c.others].join(' and ')}; shown from ${c.chosen}\n`);
  return renderReport(input, format, { generatedAt: new Date().toISOString(), version: VERSION });
}

async function fromMaster(values: Record<string, unknown>, format: ReportFormat): Promise<string> {
  const path = controlSocketPath(values);
  let client: ControlClient;
  try {
    client = await ControlClient.connect(path);
  } catch (e) {
    throw new CliError(`recon export: ${(e as Error).message} (without a master: --data DIR)`, 1);
  }
  try {
    const r = await client.action({ name: 'export', format }, { by: 'cli' });
    const text = (r.data as { text?: unknown } | undefined)?.text;
    if (!r.ok || typeof text !== 'string') throw new CliError(`recon export: ${r.message || 'no report'}`, 1);
    return text;
  } finally {
    client.close();
  }
}

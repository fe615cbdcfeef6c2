// The master's log: pino into a file in the data dir (or the configured file), never the console's stdout.
// The file shares the stick with the data: when a write to it fails (ENOSPC on a full stick, EIO) the file
// log stops, with one line on stderr, instead of an unhandled stream error ending the master — and
// pino's flush at exit, which retries a failing write forever, has nothing left to flush.
import { pino, destination, multistream, type Logger, type StreamEntry } from 'pino';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReconConfig } from './config/schema.js';
import { REDACTED, SECRET_LOG_PATHS } from './config/secrets.js';

const skipLine = (): boolean => true;

export function masterLogger(config: ReconConfig, opts: { stderr?: boolean } = {}): Logger {
  const file = config.log.file ?? join(config.dataDir, 'recon.log');
  mkdirSync(dirname(file), { recursive: true });
  const level = config.log.level;
  const fileStream = destination({ dest: file, sync: false, mkdir: true });
  fileStream.on('error', (err: NodeJS.ErrnoException) => {
    if (fileStream.write === skipLine) return;
    fileStream.write = skipLine;
    fileStream.flushSync = () => undefined;
    process.stderr.write(`recon: the log file ${file} stopped: ${err.code ?? err.message}\n`);
  });
  const streams: StreamEntry[] = [{ level, stream: fileStream }];
  if (opts.stderr) streams.push({ level, stream: destination(2) });
  return pino(
    { level, base: { pid: process.pid }, redact: { paths: SECRET_LOG_PATHS, censor: REDACTED } },
    multistream(streams),
  );
}

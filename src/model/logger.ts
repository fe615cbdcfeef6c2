// The master's log: pino into a file in the data dir (or the configured file), never the console's stdout.
import { pino, destination, multistream, type Logger, type StreamEntry } from 'pino';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReconConfig } from './config/schema.js';
import { REDACTED, SECRET_LOG_PATHS } from './config/secrets.js';

export function masterLogger(config: ReconConfig, opts: { stderr?: boolean } = {}): Logger {
  const file = config.log.file ?? join(config.dataDir, 'recon.log');
  mkdirSync(dirname(file), { recursive: true });
  const level = config.log.level;
  const streams: StreamEntry[] = [{ level, stream: destination({ dest: file, sync: false, mkdir: true }) }];
  if (opts.stderr) streams.push({ level, stream: destination(2) });
  return pino(
    { level, base: { pid: process.pid }, redact: { paths: SECRET_LOG_PATHS, censor: REDACTED } },
    multistream(streams),
  );
}

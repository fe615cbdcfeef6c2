// Before the data partition is unmounted, the master's own log file on it must be closed. The logger
// is pino over a multistream: the file destinations under the mount are flushed, taken out of the
// multistream (later lines still reach stderr, if that was asked for) and closed.
import { symbols, type Logger } from 'pino';

interface FileDestination {
  file?: string | number;
  flushSync?: () => void;
  end?: () => void;
}

interface MultiStreamLike {
  streams?: { stream: FileDestination }[];
}

/** Detaches and closes every log file of `log` whose path starts with `dir/`; returns their paths. */
export function detachLogFilesUnder(log: Logger, dir: string): string[] {
  const ms = (log as unknown as Record<symbol, unknown>)[symbols.streamSym] as MultiStreamLike | undefined;
  const streams = ms?.streams;
  if (!Array.isArray(streams)) return [];
  const closed: string[] = [];
  for (let i = streams.length - 1; i >= 0; i--) {
    const s = streams[i]!.stream;
    if (
      typeof s.file !== 'string' ||
      !(s.file === dir || s.file.startsWith(dir.endsWith('/') ? dir : dir + '/'))
    )
      continue;
    try {
      s.flushSync?.();
    } catch {
      /* a destination still opening has nothing to flush */
    }
    streams.splice(i, 1);
    s.end?.();
    closed.push(s.file);
  }
  return closed;
}

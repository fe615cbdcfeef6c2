// Where the master (running as root) may write a report a console asked for: only inside its data dir,
// under a relative name ending in the report's format, into a directory that already exists there (none
// is created), never through a symlink that leads out, never over the master's own files.
import { lstat, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** Files of the data dir the master itself keeps; a report never replaces them. */
const OWN_FILES = new Set(['state.json', 'events.jsonl', 'leases.json', 'recon.log']);

/** Checks a requested name; returns its path segments or why it is refused. Pure. */
export function exportNameSegments(out: string, format: string): string[] | { error: string } {
  const refuse = (why: string) => ({ error: `export: ${JSON.stringify(out.slice(0, 200))} refused: ${why}` });
  if (out.startsWith('/')) return refuse('give a name relative to the data dir, not an absolute path');
  if (out.length > 1024 || out.includes('\0')) return refuse('not a usable file name');
  const segments = out.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return refuse('empty, "." and ".." path parts are not allowed');
  if (segments.some((s) => s.startsWith('.') || s.length > 255)) return refuse('hidden or overlong name');
  if (segments[0] === 'nodes') return refuse("nodes/ holds the peers' uploads");
  if (segments.length === 1 && OWN_FILES.has(segments[0]!))
    return refuse("that is one of the master's own files");
  if (!out.endsWith(`.${format}`)) return refuse(`a ${format} report's name ends in .${format}`);
  return segments;
}

const inside = (root: string, path: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** The real path to write the report to, or why not. Reads the file system (realpath, lstat). */
export async function resolveExportTarget(
  dataDir: string,
  out: string,
  format: string,
): Promise<{ path: string } | { error: string }> {
  const segments = exportNameSegments(out, format);
  if ('error' in segments) return segments;
  const name = segments[segments.length - 1]!;
  const root = await realpath(dataDir);
  let parent: string;
  try {
    parent = await realpath(join(root, ...segments.slice(0, -1)));
  } catch {
    return {
      error: `export: ${out} refused: its directory does not exist in the data dir (none is created)`,
    };
  }
  if (!inside(root, parent))
    return { error: `export: ${out} refused: its directory leads out of the data dir` };
  const existing = await lstat(join(parent, name)).catch(() => undefined);
  if (existing && !existing.isFile())
    return { error: `export: ${out} refused: it exists and is not a plain file` };
  return { path: join(parent, name) };
}

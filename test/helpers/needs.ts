// Decides whether a test can run here. A test that cannot run is *skipped with a reason*
// ("skipped: needs root", "skipped: missing tool udhcpc") — it never passes silently.
import { execFileSync } from 'node:child_process';

const toolCache = new Map<string, boolean>();

export function hasTool(tool: string): boolean {
  let found = toolCache.get(tool);
  if (found === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v "$1"`, 'sh', tool], { stdio: 'ignore' });
      found = true;
    } catch {
      found = false;
    }
    toolCache.set(tool, found);
  }
  return found;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Returns a skip reason (for node:test's `skip` option) or false when everything needed is present. */
export function needs(req: { root?: boolean; tools?: string[]; env?: string }): string | false {
  if (req.root && !isRoot()) return 'skipped: needs root';
  for (const t of req.tools ?? []) if (!hasTool(t)) return `skipped: missing tool ${t}`;
  if (req.env && !process.env[req.env]) return `skipped: set ${req.env}=1 to run`;
  return false;
}

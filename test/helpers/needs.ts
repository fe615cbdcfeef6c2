// Decides whether a test can run here. A test that cannot run is *skipped with a reason*
// ("skipped: needs root", "skipped: missing tool udhcpc (Debian package udhcpc)") — it never passes silently.
// Every tool a test asks for must be declared in test/tools.json with its Debian package: .ci/run installs
// those packages from the same file, so the skip list and the CI install list cannot drift apart.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

interface ToolsFile {
  tools: Record<string, string>;
  imageTools: Record<string, string>;
}

const TOOLS_FILE = new URL('../tools.json', import.meta.url);
const declared: ToolsFile = JSON.parse(readFileSync(TOOLS_FILE, 'utf8')) as ToolsFile;

/** The Debian package that provides `tool` (a command name or an absolute file path); throws when undeclared. */
export function toolPackage(tool: string): string {
  const pkg = declared.tools[tool] ?? declared.imageTools[tool];
  if (pkg === undefined) throw new Error(`test tool ${tool} is not declared in test/tools.json`);
  return pkg;
}

const toolCache = new Map<string, boolean>();

/** A command on PATH, or a file when `tool` is an absolute path. */
export function hasTool(tool: string): boolean {
  let found = toolCache.get(tool);
  if (found === undefined) {
    if (tool.startsWith('/')) found = existsSync(tool);
    else
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

/** The skip reason for a missing tool: names the tool and the package that provides it. */
export function missingTool(tool: string): string {
  return `skipped: missing tool ${tool} (Debian package ${toolPackage(tool)})`;
}

/** Returns a skip reason (for node:test's `skip` option) or false when everything needed is present. */
export function needs(req: { root?: boolean; tools?: string[]; env?: string }): string | false {
  for (const t of req.tools ?? []) toolPackage(t); // an undeclared tool is a mistake in the test, wherever it runs
  if (req.root && !isRoot()) return 'skipped: needs root';
  for (const t of req.tools ?? []) if (!hasTool(t)) return missingTool(t);
  if (req.env && !process.env[req.env]) return `skipped: set ${req.env}=1 to run`;
  return false;
}

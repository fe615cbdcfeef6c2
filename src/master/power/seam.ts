// The side effects of the final power-down, behind one interface so tests can run the sequence
// against a real loop-mounted filesystem with an injected power-off command. Each runs a real tool with
// execFile (no shell) or reads /proc.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { findHolders, type Holder } from './holders.js';

export interface ToolResult {
  code: number;
  output: string;
}

export interface PowerDownSeam {
  readMountinfo(): Promise<string>;
  realpath(path: string): Promise<string>;
  /** flushes every filesystem's dirty data to its device */
  sync(): Promise<ToolResult>;
  /** plain unmount: never forced, never lazy */
  umount(mountPoint: string): Promise<ToolResult>;
  /** a read-only check (fsck -n); undefined when this filesystem type cannot be checked here */
  fsck(device: string, fstype: string): Promise<ToolResult | undefined>;
  findHolders(dev: string, exceptPid: number): Promise<Holder[]>;
  /** runs the configured power-off command */
  poweroff(argv: string[]): Promise<ToolResult>;
}

export function runTool(argv: string[], timeoutMs: number): Promise<ToolResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.resolve({ code: 127, output: 'empty command' });
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const output = (stdout + stderr).trim();
      if (!err) return resolve({ code: 0, output });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ code: 127, output: `${cmd}: not found` });
      resolve({
        code: typeof e.code === 'number' ? e.code : 1,
        output: e.killed ? `${output} (timed out)`.trim() : output,
      });
    });
  });
}

/** Filesystems whose fsck has a trustworthy read-only mode. */
const FSCK_N = new Set(['ext2', 'ext3', 'ext4', 'vfat']);

export const systemSeam: PowerDownSeam = {
  readMountinfo: () => readFile('/proc/self/mountinfo', 'utf8'),
  realpath: (p) => realpath(p),
  sync: () => runTool(['sync'], 120_000),
  umount: (mp) => runTool(['umount', mp], 60_000),
  fsck: async (device, fstype) =>
    FSCK_N.has(fstype) ? runTool(['fsck', '-n', '-t', fstype, device], 300_000) : undefined,
  findHolders,
  poweroff: (argv) => runTool(argv, 120_000),
};

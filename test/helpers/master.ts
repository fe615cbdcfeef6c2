// Runs the real `recon` CLI in tests: the built dist/cli.js when present (npm test builds first),
// else the TypeScript source through tsx. startMaster() writes a config, starts `recon master`
// (optionally inside a network namespace) and waits until its control socket answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ControlClient } from '../../src/master/control/client.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { portsFrom } from '../../src/lab/network.js';
import { run, type ExecResult } from './netns.js';

const ROOT = resolve(import.meta.dirname, '../..');

export function reconArgv(): string[] {
  const dist = join(ROOT, 'dist', 'cli.js');
  // RECON_TEST_FROM_SOURCE=1 runs the source even when dist/ exists (a build may be stale or in progress)
  return existsSync(dist) && process.env.RECON_TEST_FROM_SOURCE !== '1'
    ? [process.execPath, dist]
    : [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli.ts')];
}

export function recon(args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  return run([...reconArgv(), ...args], opts);
}

/** A loopback config on random unprivileged ports, for tests that need no namespace. */
export function loopbackConfig(dir: string, extra: ReconConfigInput = {}): ReconConfigInput {
  const base = 20000 + Math.floor(Math.random() * 40000);
  return {
    interface: 'lo',
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'tftp'),
    controlSocket: join(dir, 'control.sock'),
    ipv4: { address: '127.0.0.1', prefix: 8, range: ['127.0.0.50', '127.0.0.90'] },
    ipv6: { enabled: false },
    http: { roots: { '/install': join(dir, 'install'), '/export': join(dir, 'export') } },
    guard: { enabled: false },
    ports: portsFrom(base),
    ...extra,
  };
}

export interface RunningMaster {
  dir: string;
  configPath: string;
  socket: string;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM and wait for exit; returns the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** stop (if running) and remove the temp dir */
  cleanup(): Promise<void>;
}

export async function waitForSocket(path: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await ControlClient.connect(path, 500);
      c.close();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startMaster(
  opts: {
    config?: (dir: string) => ReconConfigInput;
    dir?: string;
    netns?: string;
    args?: string[];
    env?: NodeJS.ProcessEnv;
    /** how long the control socket may take to answer (a loaded machine running the source is slow) */
    readyTimeoutMs?: number;
  } = {},
): Promise<RunningMaster> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'recon-master-')));
  const config = (opts.config ?? loopbackConfig)(dir);
  const configPath = join(dir, 'recon.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const argv = [...reconArgv(), 'master', '--config', configPath, ...(opts.args ?? [])];
  const full = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const proc = spawn(full[0]!, full.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const socket = config.controlSocket ?? '/run/recon/control.sock';
  try {
    await Promise.race([
      waitForSocket(socket, opts.readyTimeoutMs),
      exited.then((code) => {
        throw new Error(`recon master exited with ${code}: ${err}`);
      }),
    ]);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  const m: RunningMaster = {
    dir,
    configPath,
    socket,
    proc,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async cleanup() {
      await m.stop('SIGKILL');
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return m;
}

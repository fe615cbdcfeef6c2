// A typed wrapper around `ipmitool -I lanplus`: execFile (no shell), the password only in the child's
// environment (-E reads IPMI_PASSWORD, so it never shows in a process listing), the configured cipher
// suite, a time limit per call, retries for failures that may pass, and every failure classified
// (auth failed / unreachable / timeout / other) as an IpmiError.
import { execFile } from 'node:child_process';
import {
  classifyIpmiFailure,
  IpmiError,
  isRetryable,
  needsPing,
  parsePowerStatus,
  failureDetail,
} from './ipmi-result.js';
import type { ChassisPower } from './ipmi-result.js';
import { presencePing } from './rmcp.js';

export interface IpmiTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  cipherSuite: number;
}

export interface IpmiOptions {
  /** the longest one ipmitool call may take */
  timeoutSeconds: number;
  /** further tries after a failure that is not an authentication failure */
  retries: number;
  /** the ipmitool binary (a path or a name on PATH) */
  ipmitool?: string;
  /** told about each failed try */
  onRetry?: (err: IpmiError, attempt: number) => void;
}

interface RawRun {
  code: number;
  stdout: string;
  stderr: string;
  killed: boolean;
}

function execIpmitool(bin: string, args: string[], password: string, timeoutMs: number): Promise<RawRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, IPMI_PASSWORD: password };
  delete env.IPMITOOL_PASSWORD;
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr, killed: false });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.code === 'ENOENT')
          return resolve({ code: 127, stdout, stderr: `${bin}: not found`, killed: false });
        resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr, killed: e.killed === true });
      },
    );
  });
}

export class IpmiClient {
  constructor(
    readonly target: IpmiTarget,
    private readonly opts: IpmiOptions,
  ) {}

  /** The argv without the command words; exposed so a test can check no secret is in it. */
  baseArgs(): string[] {
    const t = this.target;
    // ipmitool's own per-try timeout (-N) and retry count (-R) keep it under our hard limit
    const perTry = Math.max(1, Math.floor(this.opts.timeoutSeconds / 4));
    const session = ['-I', 'lanplus', '-C', String(t.cipherSuite), '-H', t.host, '-p', String(t.port)];
    return ['-v', ...session, '-U', t.username, '-E', '-N', String(perTry), '-R', '1'];
  }

  /** Runs one ipmitool command with retries; returns stdout or throws IpmiError. */
  async run(command: string[]): Promise<string> {
    let last: IpmiError | undefined;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      const r = await execIpmitool(
        this.opts.ipmitool ?? 'ipmitool',
        [...this.baseArgs(), ...command],
        this.target.password,
        this.opts.timeoutSeconds * 1000,
      );
      if (r.code === 0) return r.stdout;
      const ping = needsPing(r.stderr)
        ? await presencePing(this.target.host, this.target.port, 1000)
        : undefined;
      const kind =
        r.code === 127 ? 'other' : classifyIpmiFailure({ stderr: r.stderr, killed: r.killed, ping });
      const detail = r.killed
        ? `no answer within ${this.opts.timeoutSeconds} s`
        : (failureDetail(r.stderr) || `ipmitool exited ${r.code}`) +
          (ping ? ` (presence ping: ${ping})` : '');
      last = new IpmiError(kind, `${this.target.host}:${this.target.port} ${command.join(' ')}: ${detail}`);
      if (!isRetryable(kind) || r.code === 127) break;
      if (attempt < this.opts.retries) this.opts.onRetry?.(last, attempt + 1);
    }
    throw last ?? new IpmiError('other', 'no attempt made');
  }

  async powerStatus(): Promise<ChassisPower> {
    const out = await this.run(['chassis', 'power', 'status']);
    const s = parsePowerStatus(out);
    if (!s) throw new IpmiError('other', `unexpected power status answer: ${out.trim().slice(0, 120)}`);
    return s;
  }

  /** ACPI soft-off: asks the operating system to shut down. */
  async softOff(): Promise<void> {
    await this.run(['chassis', 'power', 'soft']);
  }

  /** Hard power-off. */
  async hardOff(): Promise<void> {
    await this.run(['chassis', 'power', 'off']);
  }

  async powerOn(): Promise<void> {
    await this.run(['chassis', 'power', 'on']);
  }
}

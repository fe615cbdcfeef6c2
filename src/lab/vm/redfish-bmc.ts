// The project's Redfish BMC simulator (test/helpers/redfish-sim-main.ts, DSP0266; Debian has no Redfish
// emulator) as the BMC of a lab VM: HTTPS on the BMC's own address in its namespace, the VM's power
// program as its host. It lives with the test helpers and runs through tsx, so only a source checkout
// has it; without it the lab gives every VM ipmi_sim.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileDurable } from '../../shared/durable.js';
import { redfishSimHostFlags } from './vm-power.js';

/** The simulator's program in this checkout (the same path from src/lab/vm and dist/lab/vm). */
export const REDFISH_SIM_PROGRAM = fileURLToPath(
  new URL('../../../test/helpers/redfish-sim-main.ts', import.meta.url),
);

/** The argv prefix that runs the simulator, or undefined when this installation has no simulator or no tsx. */
export function redfishSimCommand(): string[] | undefined {
  if (!existsSync(REDFISH_SIM_PROGRAM)) return undefined;
  try {
    return [process.execPath, '--import', import.meta.resolve('tsx'), REDFISH_SIM_PROGRAM];
  } catch {
    return undefined;
  }
}

export interface RedfishBmcOptions {
  command: string[];
  /** its password file and log go here */
  dir: string;
  netns?: string;
  address: string;
  username: string;
  password: string;
  /** the VM's power program (vm-power.ts) */
  hostScript: string;
  /** vendor profile of its answers (plain, idrac9, ilo5, …) */
  vendor?: string;
}

export interface RedfishBmc {
  address: string;
  fingerprint: string;
  /** what the simulator printed so far */
  output(): string;
  stop(): Promise<void>;
}

export async function startRedfishBmc(o: RedfishBmcOptions): Promise<RedfishBmc> {
  await mkdir(o.dir, { recursive: true });
  const passwordFile = join(o.dir, 'password');
  await writeFileDurable(passwordFile, `${o.password}\n`, { mode: 0o600 });
  const argv = [
    ...o.command,
    ...['--address', o.address, '--port', '443', '--username', o.username],
    ...['--password-file', passwordFile, '--vendor', o.vendor ?? 'plain'],
    ...redfishSimHostFlags(o.hostScript),
  ];
  const full = o.netns ? ['ip', 'netns', 'exec', o.netns, ...argv] : argv;
  const child: ChildProcess = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const take = (c: string) => {
    if (output.length < 65536) output += c;
  };
  child.stdout?.setEncoding('utf8').on('data', take);
  child.stderr?.setEncoding('utf8').on('data', take);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // tsx compiles the simulator at start: up to a minute on a loaded machine
  for (let i = 0; !/redfish-sim listening/.test(output); i++) {
    if (child.exitCode !== null || i > 600) {
      await stop();
      throw new Error(`the Redfish simulator did not start: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: o.address,
    fingerprint: /redfish-sim listening \S+ sha256 (\S+)/.exec(output)?.[1] ?? '',
    output: () => output,
    stop,
  };
}

// The Redfish simulator as a program, for rigs (started inside a network namespace, its host a QEMU VM):
//   tsx test/helpers/redfish-sim-main.ts --address 10.67.0.2 --port 443 --username admin --password-file F
//     [--vendor plain|idrac9|ilo5|ilo6|supermicro-x12|supermicro-x13] [--cert F --key F] [--async-resets N|always]
//     [--on-cmd CMD] [--off-cmd CMD] [--graceful-cmd CMD] [--state-cmd CMD] [--boot-file F] [--initial on|off]
// Host hooks are shell command lines: --on-cmd runs at power on with RECON_BOOT_TARGET (Pxe, Hdd, None, …),
// RECON_BOOT_MODE (UEFI|Legacy) and RECON_BOOT_ENABLED (Once|Continuous|Disabled) in its environment;
// --off-cmd is a hard off, --graceful-cmd the ACPI power button (default: nothing, like a VM in firmware);
// --state-cmd prints "on" or "off" (without it the simulator remembers the power state itself).
// --boot-file receives the boot override for each power on ("Pxe Once UEFI") before --on-cmd runs.
// Prints one line "redfish-sim listening https://ADDRESS:PORT sha256 FINGERPRINT" when ready; stops on SIGTERM.
import { exec } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs, promisify } from 'node:util';
import { VENDORS } from '../fixtures/bmc/redfish-vendors.js';
import { startRedfishSim, type SimBoot, type SimHost, type SimPower } from './redfish-sim.js';

const sh = promisify(exec);

const { values: a } = parseArgs({
  options: {
    address: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '443' },
    username: { type: 'string', default: 'admin' },
    'password-file': { type: 'string' },
    vendor: { type: 'string', default: 'plain' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'async-resets': { type: 'string' },
    'on-cmd': { type: 'string' },
    'off-cmd': { type: 'string' },
    'graceful-cmd': { type: 'string' },
    'state-cmd': { type: 'string' },
    'boot-file': { type: 'string' },
    initial: { type: 'string', default: 'off' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`redfish-sim: ${msg}\n`);
  process.exit(2);
}

const vendor = VENDORS.find((v) => v.name === a.vendor) ?? fail(`unknown --vendor ${a.vendor}`);
if (!a['password-file']) fail('--password-file is required');
const password = (await readFile(a['password-file'], 'utf8')).split('\n')[0]!.trimEnd();

/** A host driven by command lines; the power state remembered unless a state command tells it. */
class CommandHost implements SimHost {
  private state: SimPower = a.initial === 'on' ? 'On' : 'Off';
  private async run(cmd: string | undefined, env: Record<string, string> = {}): Promise<string> {
    if (!cmd) return '';
    try {
      return (await sh(cmd, { env: { ...process.env, ...env }, timeout: 30_000 })).stdout;
    } catch (e) {
      // the request that ran it is answered 500; the reason goes where the rig keeps this program's output
      process.stderr.write(`redfish-sim: host command failed: ${cmd}: ${(e as Error).message}\n`);
      throw e;
    }
  }
  async power(): Promise<SimPower> {
    if (!a['state-cmd']) return this.state;
    return /^\s*on\b/i.test(await this.run(a['state-cmd'])) ? 'On' : 'Off';
  }
  async powerOn(boot: SimBoot): Promise<void> {
    const active = boot.enabled !== 'Disabled';
    if (a['boot-file'])
      await writeFile(a['boot-file'], `${active ? boot.target : 'None'} ${boot.enabled} ${boot.mode}\n`);
    await this.run(a['on-cmd'], {
      RECON_BOOT_TARGET: active ? boot.target : 'None',
      RECON_BOOT_MODE: boot.mode,
      RECON_BOOT_ENABLED: boot.enabled,
    });
    this.state = 'On';
  }
  async gracefulOff(): Promise<void> {
    await this.run(a['graceful-cmd']);
  }
  async forceOff(): Promise<void> {
    await this.run(a['off-cmd']);
    this.state = 'Off';
  }
}

const asyncArg = a['async-resets'];
const sim = await startRedfishSim({
  address: a.address,
  port: Number(a.port),
  username: a.username,
  password,
  vendor,
  host: new CommandHost(),
  asyncResets: asyncArg === undefined ? 'never' : asyncArg === 'always' ? 'always' : Number(asyncArg),
  certFile: a.cert,
  keyFile: a.key,
});
process.stdout.write(`redfish-sim listening ${sim.url} sha256 ${sim.fingerprint}\n`);
const stop = () => {
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

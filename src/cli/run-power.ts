// `recon power on [--bmc ADDR]... [--all] [--cycle] [--yes]`, `recon power peers [--mac M]... [--yes]`,
// `recon power off [--yes]` and `recon power trust --bmc ADDR --fingerprint SHA256 [--yes]`: ask the master over the control socket, print its progress lines to stderr as
// they come, and the outcome on stdout.
import { createInterface } from 'node:readline/promises';
import { ControlClient } from '../master/control/client.js';
import type { Action } from '../master/control/protocol.js';
import { normalizeMac } from '../model/events.js';
import { isSha256Fingerprint, normalizeFingerprint } from '../net/bmc/tofu.js';
import { controlSocketPath } from '../model/config/locate.js';
import { CliError } from './usage-error.js';

export interface PowerFlags {
  macs: string[];
  bmcs: string[];
  all: boolean;
  cycle: boolean;
  fingerprint?: string;
}

const NO_FLAGS: PowerFlags = { macs: [], bmcs: [], all: false, cycle: false };

/** The action a `recon power` command line asks for. Pure. */
export function powerAction(verb: string, macs: string[], more: Partial<PowerFlags> = {}): Action {
  const f = { ...NO_FLAGS, ...more, macs };
  if (verb === 'trust') {
    if (f.bmcs.length !== 1 || !f.fingerprint || macs.length || f.all || f.cycle)
      throw new CliError('recon power trust: give one --bmc ADDR and the --fingerprint its refusal named');
    const fingerprint = normalizeFingerprint(f.fingerprint);
    if (!isSha256Fingerprint(fingerprint))
      throw new CliError('recon power trust: --fingerprint is a SHA-256: 64 hex digits (colons allowed)');
    return { name: 'bmc-trust', address: f.bmcs[0]!, fingerprint };
  }
  if (f.fingerprint !== undefined)
    throw new CliError('recon power: --fingerprint is for "recon power trust"');
  if (verb !== 'on' && (f.bmcs.length || f.all || f.cycle))
    throw new CliError(`recon power ${verb}: --bmc, --all and --cycle are for "recon power on"`);
  if (verb === 'on') {
    if (macs.length)
      throw new CliError('recon power on: --mac is for "recon power peers"; name BMCs with --bmc');
    if (f.all && f.bmcs.length) throw new CliError('recon power on: give --bmc ADDR... or --all, not both');
    if (!f.all && !f.bmcs.length)
      throw new CliError('recon power on: name the BMCs (--bmc ADDR, repeatable) or say --all');
    return f.all
      ? { name: 'power-on', all: true, cycle: f.cycle }
      : { name: 'power-on', bmcs: [...new Set(f.bmcs)], cycle: f.cycle };
  }
  if (verb === 'off') {
    if (macs.length) throw new CliError('recon power off: --mac is for "recon power peers"');
    return { name: 'poweroff', confirm: 'poweroff' };
  }
  if (macs.length === 0) return { name: 'shutdown-all' };
  const list = macs.map((m) => {
    const n = normalizeMac(m);
    if (!n) throw new CliError(`recon power peers: --mac ${m} is not a MAC address like 52:54:00:12:34:56`);
    return n;
  });
  return { name: 'shutdown', macs: [...new Set(list)] };
}

function question(action: Action): string {
  if (action.name === 'poweroff') return 'Power off the master now (services stop, data unmounted)? [y/N] ';
  if (action.name === 'shutdown') return `Shut down ${action.macs.join(', ')}? [y/N] `;
  if (action.name === 'bmc-trust')
    return `Trust the certificate ${action.fingerprint} for the BMC at ${action.address} from now on? [y/N] `;
  if (action.name === 'power-on') {
    const which = action.all ? 'every BMC recon lists' : (action.bmcs ?? []).join(', ');
    return `Set a one-time network boot and power on through ${which}${action.cycle ? ' (power-cycling machines already on)' : ''}? [y/N] `;
  }
  return 'Shut down every inventoried peer? [y/N] ';
}

async function confirmed(action: Action): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('recon power: no terminal to confirm on: add --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question(action))).trim());
  } finally {
    rl.close();
  }
}

export async function runPower(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const verb = positionals[0] ?? '';
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : []);
  const action = powerAction(verb, list(values.mac), {
    bmcs: list(values.bmc),
    all: values.all === true,
    cycle: values.cycle === true,
    fingerprint: typeof values.fingerprint === 'string' ? values.fingerprint : undefined,
  });
  if (values.yes !== true && !(await confirmed(action))) {
    process.stderr.write('recon power: not confirmed; nothing done\n');
    return 1;
  }
  const path = controlSocketPath(values);
  let client: ControlClient;
  try {
    client = await ControlClient.connect(path);
  } catch (e) {
    throw new CliError(`recon power: ${(e as Error).message}`, 1);
  }
  try {
    const r = await client.action(action, { by: 'cli', onProgress: (m) => process.stderr.write(`  ${m}\n`) });
    (r.ok ? process.stdout : process.stderr).write(`${r.message}\n`);
    return r.ok ? 0 : 1;
  } finally {
    client.close();
  }
}

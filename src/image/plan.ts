// Turns the role decision into what the boot scripts apply: an environment file for the role script and the
// systemd units, the master's runtime config (the configured one with the chosen NIC's real name), and one
// argument file per console. Pure: table-tested.
import type { ReconConfig } from '../model/config/schema.js';
import type { RoleDecision } from './cmdline.js';
import type { Nic } from './nic.js';

export interface BootPlan {
  /** role.env: KEY='value' lines, readable by sh and by systemd's EnvironmentFile= */
  env: string;
  /** the master's config with `interface` set to the chosen NIC (master only) */
  runtimeConfig?: ReconConfig;
  /** tty → console.env content (master only) */
  consoles: Map<string, string>;
}

/** Single-quoted for sh and systemd alike; the characters the two would read differently are replaced. */
export function quoteEnv(value: string): string {
  return `'${value.replace(/['\\\n\r]/g, '_')}'`;
}

function envText(vars: Record<string, string | undefined>): string {
  return Object.entries(vars)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${quoteEnv(v)}\n`)
    .join('');
}

const isSerial = (tty: string) => /^(ttyS|ttyUSB|ttyAMA|hvc)\d+$/.test(tty);

/** Serial terminals get plain ASCII frames; a read-only console hides every action key. */
export function consoleArgs(tty: string, mode: 'interactive' | 'read-only'): string[] {
  const args: string[] = [];
  if (mode === 'read-only') args.push('--read-only');
  if (isSerial(tty)) args.push('--ascii');
  return args;
}

export function masterPlan(
  decision: RoleDecision & { role: 'master' },
  config: ReconConfig,
  nic: Nic,
): BootPlan {
  const consoles = new Map<string, string>();
  for (const [tty, mode] of Object.entries(config.consoles)) {
    if (!/^[A-Za-z0-9]+$/.test(tty)) continue; // a unit instance name, never a path
    const term = isSerial(tty) ? 'vt220' : 'linux';
    consoles.set(tty, envText({ RECON_CONSOLE_ARGS: consoleArgs(tty, mode).join(' '), TERM: term }));
  }
  const env = envText({
    RECON_ROLE: 'master',
    RECON_REASON: decision.reason,
    RECON_INTERFACE: nic.name,
    RECON_MAC: nic.mac,
    RECON_IPV4: `${config.ipv4.address}/${config.ipv4.prefix}`,
    RECON_IPV6: config.ipv6.enabled ? `${config.ipv6.address}/${config.ipv6.prefix}` : undefined,
    RECON_HOSTNAME: config.names[0],
    RECON_DATA_DIR: config.dataDir,
    RECON_CONSOLES: [...consoles.keys()].join(' '),
  });
  return { env, runtimeConfig: { ...config, interface: nic.name }, consoles };
}

/** `bootNic`: the NIC the peer booted from (found by its BOOTIF MAC), kept leased after the initrd's client is gone. */
export function peerPlan(decision: RoleDecision & { role: 'peer' }, bootNic?: Nic): BootPlan {
  const env = envText({
    RECON_ROLE: 'peer',
    RECON_REASON: decision.reason,
    RECON_PXEADDR: decision.pxeaddr,
    RECON_MAC: decision.bootMac,
    RECON_INTERFACE: bootNic?.name,
  });
  return { env, consoles: new Map() };
}

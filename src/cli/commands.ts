// The command table: names, options and help texts of every `recon` subcommand, in one place so the
// help output and the parser cannot drift. The run functions live in src/cli/run-*.ts.
import type { ParseArgsConfig } from 'node:util';
import { COLLECT_HELP, COLLECT_OPTIONS } from '../collect/flags.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** option help lines: [flag text, description] */
  help: [string, string][];
  options: Options;
  /** sub-verbs (e.g. `power peers`, `power off`) */
  verbs?: string[];
}

const locate: [string, string][] = [
  ['--socket PATH', 'the master control socket (default: from the config file)'],
  ['--config FILE', 'the config file (default /etc/recon/recon.json)'],
];
const locateOpts: Options = { socket: { type: 'string' }, config: { type: 'string' } };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'master',
    summary: 'run the PXE master: DHCP, DNS, TFTP, HTTP, state and the control socket',
    usage: 'recon master [--config FILE] [--proxy-dhcp] [--force-dhcp] [--print-config]',
    help: [
      ['--config FILE', 'the config file (default /etc/recon/recon.json; all defaults when it is absent)'],
      ['--proxy-dhcp', 'another DHCP server owns addresses: answer PXE clients with boot options only'],
      ['--force-dhcp', 'serve DHCP even when another DHCP server answers on the segment'],
      ['--print-config', 'print the effective config (defaults filled in) and exit'],
      ['--log-stderr', 'also log to stderr (the log file in the data dir is always written)'],
    ],
    options: {
      config: { type: 'string' },
      'proxy-dhcp': { type: 'boolean' },
      'force-dhcp': { type: 'boolean' },
      'print-config': { type: 'boolean' },
      'log-stderr': { type: 'boolean' },
    },
  },
  {
    name: 'console',
    summary: 'the operator console: live nodes, leases, boots, log; peer shutdown and final power-down',
    usage: 'recon console [--socket PATH | --config FILE] [--read-only] [--headless] [--ascii]',
    help: [
      ...locate,
      ['--read-only', "show everything, change nothing (uses the master's view-only socket)"],
      ['--headless', 'no screen drawing: one plain line per event (automatic when stdout is not a terminal)'],
      ['--ascii', 'ASCII borders, no wide glyphs (automatic for vt100/vt220/linux terminals)'],
    ],
    options: {
      ...locateOpts,
      'read-only': { type: 'boolean' },
      headless: { type: 'boolean' },
      ascii: { type: 'boolean' },
    },
  },
  {
    name: 'collect',
    summary: 'on a peer: inventory this machine and upload it to the master',
    usage: 'recon collect [--master URL] [--cmdline FILE] [--once] [--dry-run] [flags]',
    help: COLLECT_HELP,
    options: COLLECT_OPTIONS,
  },
  {
    name: 'lab',
    summary: 'the demo: an isolated lab network with a master, simulated peers and the console',
    usage: 'recon lab [--peers N] [--qemu N [--bmc]] [--headless] [--keep]',
    help: [
      ['--peers N', 'simulated peers (default 8)'],
      ['--qemu N', 'real QEMU virtual machines that PXE boot (root only)'],
      ['--bmc', 'the VMs start switched off behind simulated BMCs; power them on from the console (W)'],
      ['--headless', 'no console screen: plain lines, and power down when every peer is done'],
      ['--keep', 'leave the lab running after the console exits'],
    ],
    options: {
      peers: { type: 'string' },
      qemu: { type: 'string' },
      bmc: { type: 'boolean' },
      headless: { type: 'boolean' },
      keep: { type: 'boolean' },
    },
  },
  {
    name: 'status',
    summary: "one-shot summary of the master's state",
    usage: 'recon status [--socket PATH | --config FILE] [--json]',
    help: [...locate, ['--json', 'machine-readable output']],
    options: { ...locateOpts, json: { type: 'boolean' } },
  },
  {
    name: 'power',
    summary: 'power machines on through their BMCs, shut peers down, or power the master down safely',
    usage:
      'recon power on [--bmc ADDR]... [--all] [--cycle] [--yes] | recon power peers [--mac M]... [--yes] | recon power off [--yes] | recon power trust --bmc ADDR --fingerprint SHA256 [--yes]',
    help: [
      ...locate,
      ['on', 'one-time network boot, then power on, through the given BMCs (--bmc) or every BMC (--all)'],
      ['peers', 'shut down the given peers (--mac, repeatable) or every inventoried peer'],
      [
        'off',
        'final power-down: wait for uploads, stop services, write the report, sync, unmount, power off',
      ],
      [
        'trust',
        "accept a BMC's new HTTPS certificate: the fingerprint its refusal named (now …), after checking it",
      ],
      ['--mac M', 'a peer MAC address (repeatable)'],
      ['--bmc ADDR', 'a BMC address recon found or the config names (repeatable)'],
      ['--all', 'every BMC recon lists'],
      ['--cycle', 'power-cycle machines that are already on (default: leave them alone)'],
      ['--fingerprint SHA256', 'the certificate fingerprint to trust (for trust)'],
      ['--yes', 'do not ask for confirmation'],
    ],
    options: {
      ...locateOpts,
      fingerprint: { type: 'string' },
      mac: { type: 'string', multiple: true },
      bmc: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      cycle: { type: 'boolean' },
      yes: { type: 'boolean' },
    },
    verbs: ['on', 'peers', 'off', 'trust'],
  },
  {
    name: 'export',
    summary: 'write the fleet report (one row per node), from a running master or from data dirs',
    usage:
      'recon export --format json|csv|html [--out FILE] [--socket PATH | --config FILE | --data DIR [--data DIR]...]',
    help: [
      ...locate,
      [
        '--data DIR',
        'no master needed: read this data dir (a stick); repeat to merge several, nodes merged by MAC',
      ],
      ['--format F', 'json, csv or html'],
      ['--out FILE', 'write here instead of stdout (html: links to node files are relative to it)'],
    ],
    options: {
      ...locateOpts,
      data: { type: 'string', multiple: true },
      format: { type: 'string' },
      out: { type: 'string' },
    },
  },
];

export function commandHelp(c: CommandSpec): string {
  const width = Math.max(...c.help.map(([f]) => f.length), 9) + 2;
  const lines = [`recon ${c.name} — ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:'];
  for (const [flag, text] of [...c.help, ['--help', 'show this help'] as [string, string]])
    lines.push(`  ${flag.padEnd(width)}${text}`);
  return lines.join('\n') + '\n';
}

export function mainHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return (
    [
      `recon ${version} — PXE-boot a fleet from one USB stick, inventory it, power it down safely`,
      '',
      'Usage: recon <command> [options]',
      '',
      'Commands:',
      ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
      '',
      "Run 'recon <command> --help' for a command's options. 'recon --version' prints the version.",
    ].join('\n') + '\n'
  );
}

// The role step of the live image, run once at boot by recon-role.service (through /usr/lib/recon/recon-role):
// decides master or peer from the kernel command line, picks the master's NIC (raising the Ethernet links
// to see their carrier, lowering the others after), and writes what the role script and the units apply: <run-dir>/role.env, <run-dir>/recon.json (master), <run-dir>/console/<tty>.env.
// Usage: node role.js [--cmdline FILE] [--config FILE] [--sys-net DIR] [--udev-data DIR] [--run-dir DIR]
//        [--carrier-wait SECONDS]
// Exit codes: 0 decided, 1 no usable NIC for the master, 2 bad usage or config.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, ConfigError } from '../model/config/load.js';
import { writeFileDurable } from '../shared/durable.js';
import { decideRole, parseCmdline } from './cmdline.js';
import { selectMasterNic, type NicChoice } from './nic.js';
import { masterPlan, peerPlan, type BootPlan } from './plan.js';
import { readNics, waitForUdevNics } from './sysfs.js';
import { normalizeMac } from '../shared/peer.js';
import { lowerOtherLinks, raiseEthernetLinks } from './links.js';

/** How long the role step waits for udev to name the NICs (it is seconds at most on real hardware). */
const UDEV_WAIT_SECONDS = 30;

interface Options {
  cmdline: string;
  config: string;
  sysNet: string;
  udevData: string;
  runDir: string;
  carrierWaitSeconds: number;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      cmdline: { type: 'string', default: '/proc/cmdline' },
      config: { type: 'string', default: '/etc/recon/recon.json' },
      'sys-net': { type: 'string', default: '/sys/class/net' },
      'udev-data': { type: 'string', default: '/run/udev/data' },
      'run-dir': { type: 'string', default: '/run/recon' },
      'carrier-wait': { type: 'string', default: '10' },
    },
    strict: true,
  });
  const carrierWaitSeconds = Number(values['carrier-wait']);
  if (!Number.isFinite(carrierWaitSeconds) || carrierWaitSeconds < 0)
    throw new Error('--carrier-wait: expected seconds');
  return {
    cmdline: values.cmdline,
    config: values.config,
    sysNet: values['sys-net'],
    udevData: values['udev-data'],
    runDir: values['run-dir'],
    carrierWaitSeconds,
  };
}

/** Links come up a few seconds after `ip link set up`: poll until the choice succeeds or time runs out. */
async function chooseNic(sysNet: string, wanted: string, waitSeconds: number): Promise<NicChoice> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const choice = selectMasterNic(await readNics(sysNet), wanted);
    if (choice.ok || Date.now() >= deadline) return choice;
    await sleep(250);
  }
}

async function writePlan(runDir: string, plan: BootPlan): Promise<void> {
  if (plan.runtimeConfig)
    await writeFileDurable(join(runDir, 'recon.json'), `${JSON.stringify(plan.runtimeConfig, null, 2)}\n`);
  for (const [tty, text] of plan.consoles)
    await writeFileDurable(join(runDir, 'console', `${tty}.env`), text);
  // role.env last: its presence means the whole plan is in place
  await writeFileDurable(join(runDir, 'role.env'), plan.env);
}

async function main(argv: string[]): Promise<number> {
  const opts = options(argv);
  const decision = decideRole(parseCmdline(await readFile(opts.cmdline, 'utf8')));
  if (decision.role === 'peer') {
    const bootNic = decision.bootMac
      ? (await readNics(opts.sysNet)).find((n) => normalizeMac(n.mac) === decision.bootMac)
      : undefined;
    await writePlan(opts.runDir, peerPlan(decision, bootNic));
    process.stdout.write(`recon: role=peer pxeaddr=${decision.pxeaddr ?? '-'} (${decision.reason})\n`);
    return 0;
  }
  const config = loadConfig(opts.config);
  const wanted = decision.interfaceOverride ?? config.interface;
  // NICs get their final names from udev first: a link that is up can no longer be renamed
  const { nics, pending } = await waitForUdevNics(opts.sysNet, opts.udevData, UDEV_WAIT_SECONDS);
  if (pending.length > 0)
    process.stderr.write(
      `recon: udev has not finished with ${pending.map((n) => n.name).join(', ')} after ${UDEV_WAIT_SECONDS} s; going on with these names\n`,
    );
  await raiseEthernetLinks(nics);
  const choice = await chooseNic(opts.sysNet, wanted, opts.carrierWaitSeconds);
  if (choice.ok) await lowerOtherLinks(nics, choice.nic.name);
  if (choice.warning) process.stderr.write(`recon: ${choice.warning}\n`);
  if (!choice.ok) {
    process.stderr.write(`recon: role=master but ${choice.error}\n`);
    return 1;
  }
  await writePlan(opts.runDir, masterPlan(decision, config, choice.nic));
  process.stdout.write(
    `recon: role=master interface=${choice.nic.name} (${choice.nic.mac}, ${choice.how}) ` +
      `address=${config.ipv4.address}/${config.ipv4.prefix} (${decision.reason})\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError) for (const p of e.problems) process.stderr.write(`${e.file}: ${p}\n`);
    else process.stderr.write(`recon role: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);

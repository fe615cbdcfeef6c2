// ipmi_sim (OpenIPMI's lanserv) as the real BMC of a lab VM: IPMI over LAN on the BMC's own address
// (port 623 in its namespace), the VM's KCS interface wired to it over TCP (`serial … codec VM`, QEMU's
// ipmi-bmc-extern connects there), and the VM's power program as chassis_control, so `chassis bootdev
// pxe` and `chassis power on|off|soft|reset` act on the VM itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface IpmiBmcOptions {
  /** config, persistent state and log go here */
  dir: string;
  /** the namespace that holds the BMC's LAN address (undefined: the current one) */
  netns?: string;
  /** IPMI over LAN listens here */
  address: string;
  port?: number;
  /** the VM's KCS link listens here (QEMU's ipmi-bmc-extern connects) */
  kcsAddress: string;
  kcsPort: number;
  username: string;
  password: string;
  /** the chassis_control program (the VM's power program) */
  chassisControl: string;
}

/** ipmi_sim's lan.conf and emulator commands. Pure. */
export function ipmiSimConfig(o: IpmiBmcOptions): { lanConf: string; emu: string } {
  const q = (s: string) => {
    if (/["\n]/.test(s)) throw new Error(`ipmi_sim config value ${JSON.stringify(s)} cannot be quoted`);
    return `"${s}"`;
  };
  const lanConf = `name "reconlab"
set_working_mc 0x20
  startlan 1
    addr ${o.address} ${o.port ?? 623}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user md2 md5 straight
    allowed_auths_operator md2 md5 straight
    allowed_auths_admin md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial 15 ${o.kcsAddress} ${o.kcsPort} codec VM
  chassis_control ${q(o.chassisControl)}
  user 2 true ${q(o.username)} ${q(o.password)} admin 10 md2 md5 straight
`;
  const emu = [
    'mc_setbmc 0x20',
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
    'sel_enable 0x20 1000 0x0a',
    'mc_enable 0x20',
    '',
  ].join('\n');
  return { lanConf, emu };
}

export interface IpmiBmc {
  address: string;
  port: number;
  stop(): Promise<void>;
}

export async function startIpmiBmc(o: IpmiBmcOptions): Promise<IpmiBmc> {
  await mkdir(join(o.dir, 'state'), { recursive: true });
  const { lanConf, emu } = ipmiSimConfig(o);
  await writeFile(join(o.dir, 'lan.conf'), lanConf, { mode: 0o600 });
  await writeFile(join(o.dir, 'bmc.emu'), emu);
  const argv = [
    'ipmi_sim',
    '-c',
    join(o.dir, 'lan.conf'),
    '-f',
    join(o.dir, 'bmc.emu'),
    '-s',
    join(o.dir, 'state'),
    '-n',
  ];
  const full = o.netns ? ['ip', 'netns', 'exec', o.netns, ...argv] : argv;
  const fd = openSync(join(o.dir, 'ipmi_sim.log'), 'a');
  const child: ChildProcess = spawn(full[0]!, full.slice(1), { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // ipmi_sim has no readiness signal; it binds its sockets within a few hundred ms
  const early = await Promise.race([
    exited.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 700)),
  ]);
  if (early) throw new Error(`ipmi_sim exited at start (see ${join(o.dir, 'ipmi_sim.log')})`);
  return {
    address: o.address,
    port: o.port ?? 623,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}

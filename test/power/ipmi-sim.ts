// ipmi_sim (OpenIPMI's BMC simulator) on 127.0.0.1 (or another address) for the power tests: a lan.conf with an admin user,
// a chassis-control script that keeps the power state in a file and records every change, and an
// option for a guest OS that ignores ACPI soft-off (so soft-off then hard off can be observed).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface IpmiSim {
  address: string;
  port: number;
  dir: string;
  /** the chassis-control log: one line per set, "POWER -> 0" when the power changes */
  events(): Promise<string[]>;
  /** one line per chassis status read ("GET power"): what any session that asked for the power state leaves */
  reads(): Promise<string[]>;
  power(): Promise<string>;
  stop(): Promise<void>;
}

/** A free UDP port on an address of this namespace (bound, read, released). */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One FRU info area (IPMI FRU spec 1.0): version, length in 8-byte units, head bytes, 8-bit ASCII fields, checksum. */
function fruArea(head: number[], fields: string[]): number[] {
  const body = [
    0x01,
    0,
    ...head,
    ...fields.flatMap((f) => [0xc0 | f.length, ...Buffer.from(f, 'latin1')]),
    0xc1,
  ];
  while ((body.length + 1) % 8) body.push(0);
  body[1] = (body.length + 1) / 8;
  return [...body, -body.reduce((a, b) => a + b, 0) & 0xff];
}

/** A builtin FRU image with a board area and a product area, for `mc_add_fru_data`. */
export function fruImage(
  board: { vendor: string; product: string; serial: string; part: string },
  product: {
    vendor: string;
    name: string;
    part: string;
    version: string;
    serial: string;
  },
): number[] {
  // board head: English, manufactured 2016-02-01 04:32 UTC (minutes since 1996, little endian)
  const b = fruArea([0x19, 0x10, 0x32, 0xa1], [board.vendor, board.product, board.serial, board.part, '']);
  const p = fruArea(
    [0x19],
    [product.vendor, product.name, product.part, product.version, product.serial, '', ''],
  );
  const header = [0x01, 0, 0, 1, 1 + b.length / 8, 0, 0];
  return [...header, -header.reduce((x, y) => x + y, 0) & 0xff, ...b, ...p];
}

export async function startIpmiSim(opts: {
  password: string;
  softOffWorks: boolean;
  /** builtin FRU device contents (see fruImage); none: the BMC has no FRU data */
  fru?: number[];
  /** where it listens (default 127.0.0.1:<a free port>) */
  address?: string;
  port?: number;
  /** run it inside this network namespace (`ip netns exec`) */
  netns?: string;
  /** the machine's power when the simulator starts (default on) */
  poweredOn?: boolean;
}): Promise<IpmiSim> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-ipmi-'));
  const address = opts.address ?? '127.0.0.1';
  // inside a namespace the port cannot be probed from here: the standard one, unless given
  const port = opts.port ?? (opts.netns ? 623 : await freeUdpPort(address));
  await mkdir(join(dir, 'state'));
  await writeFile(join(dir, 'power'), opts.poweredOn === false ? '0\n' : '1\n');
  await writeFile(
    join(dir, 'lan.conf'),
    `name "testbmc"
set_working_mc 0x20
  startlan 1
    addr ${address} ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${dir}/chassis.sh 0x20"
  user 2 true    "admin"   "${opts.password}" admin 10       none md2 md5 straight
`,
  );
  await writeFile(
    join(dir, 'sim.emu'),
    'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n' +
      (opts.fru
        ? `mc_add_fru_data 0x20 0 ${opts.fru.length} data ${opts.fru.map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ')}\n`
        : '') +
      'sel_enable 0x20 1000 0x0a\nmc_enable 0x20\n',
  );
  // "set shutdown 1" is ACPI soft-off: the guest powers off only when softOffWorks
  await writeFile(
    join(dir, 'chassis.sh'),
    `#!/bin/sh
D='${dir}'; op=$2; shift 2
case $op in
  get) echo "GET $*" >> "$D/calls.log"
       for p in "$@"; do case $p in power) echo "power:$(cat "$D/power")";; *) echo "$p:0";; esac; done ;;
  set) while [ $# -ge 2 ]; do p=$1; v=$2; shift 2
         echo "SET $p $v" >> "$D/events.log"
         case $p in
           power) echo "$v" > "$D/power"; echo "POWER -> $v" >> "$D/events.log" ;;
           shutdown) if [ ${opts.softOffWorks ? 1 : 0} = 1 ]; then echo 0 > "$D/power"; echo "POWER -> 0 (guest shut down)" >> "$D/events.log"; fi ;;
         esac; done ;;
esac
exit 0
`,
  );
  await chmod(join(dir, 'chassis.sh'), 0o755);
  const argv = [
    'ipmi_sim',
    '-c',
    join(dir, 'lan.conf'),
    '-f',
    join(dir, 'sim.emu'),
    '-s',
    join(dir, 'state'),
    '-n',
  ];
  const full = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const child: ChildProcess = spawn(full[0]!, full.slice(1), { stdio: 'ignore' });
  await sleep(500);
  if (child.exitCode !== null) throw new Error(`ipmi_sim exited ${child.exitCode}`);
  return {
    address,
    port,
    dir,
    events: async () =>
      (await readFile(join(dir, 'events.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    reads: async () =>
      (await readFile(join(dir, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    power: async () => (await readFile(join(dir, 'power'), 'utf8')).trim(),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

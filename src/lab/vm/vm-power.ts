// The host side of a simulated BMC: a lab VM whose power and boot device a BMC controls. One program,
// `power.sh` in the VM's state directory, speaks ipmi_sim's chassis_control protocol, so ipmi_sim runs it
// as is and the Redfish simulator's host adapter calls it the same way:
//   power.sh get power|boot ...     → "power:0|1", "boot:<device>" (one line each)
//   power.sh set power 1|0          → start QEMU (boot order from the one-time boot device) | hard off
//   power.sh set reset 1            → hard reset: QEMU restarted, boot order read again
//   power.sh set shutdown 1         → the ACPI power button (a guest in firmware ignores it)
//   power.sh set boot pxe|default|… → the boot device for the next power on only
// "On" is a live QEMU process (its pid file, not a zombie); a guest that powers itself off ends QEMU
// (-no-reboot), so the BMC then reads off. A shell script, not node: ipmi_sim runs it on every status read.
import { execFile } from 'node:child_process';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileDurable } from '../../shared/durable.js';
import { bootSector } from './boot-sector.js';
import { qemuArgv, type VmSpec } from './qemu.js';

const execFileP = promisify(execFile);

/** Single-quoted for sh. Pure. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const vmPowerPaths = (stateDir: string) => ({
  script: join(stateDir, 'power.sh'),
  pidFile: join(stateDir, 'qemu.pid'),
  bootFile: join(stateDir, 'bootdev'),
  monitor: join(stateDir, 'monitor.sock'),
  log: join(stateDir, 'power.log'),
  qemuLog: join(stateDir, 'qemu.log'),
});

/** The power program for a VM: `network`/`disk` are QEMU argvs for each boot order. Pure. */
export function vmPowerScript(o: {
  stateDir: string;
  serialLog: string;
  /** argv prefix that runs QEMU where its tap lives (e.g. ip netns exec NS) */
  wrap: readonly string[];
  network: readonly string[];
  disk: readonly string[];
  /** this node binary sends the power button to QEMU's monitor socket */
  node: string;
}): string {
  const p = vmPowerPaths(o.stateDir);
  const cmd = (argv: readonly string[]) => [...o.wrap, ...argv].map(shQuote).join(' ');
  const button = `const s=require('net').connect(process.argv[1]);s.on('connect',()=>{s.write('system_powerdown\\n');setTimeout(()=>s.end(),300)});s.on('error',()=>process.exit(1))`;
  return `#!/bin/sh
# recon lab: power and boot device of one VM, for its simulated BMC (ipmi_sim chassis_control protocol)
PIDF=${shQuote(p.pidFile)}; BOOTF=${shQuote(p.bootFile)}; LOG=${shQuote(p.log)}; SERIAL=${shQuote(o.serialLog)}
log() { echo "$(date +%T.%3N) $*" >> "$LOG"; }
on() {
  pid=$(cat "$PIDF" 2>/dev/null) && [ -n "$pid" ] || return 1
  st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
bootdev() { cat "$BOOTF" 2>/dev/null || echo default; }
start() {
  dev=$(bootdev)
  # one-time: the next power on boots in the default order again
  echo default > "$BOOTF"
  rm -f "$PIDF"
  echo "=== power on, boot device $dev ===" >> "$SERIAL"
  if [ "$dev" = pxe ]; then
    setsid ${cmd(o.network)} -pidfile "$PIDF" </dev/null >>${shQuote(p.qemuLog)} 2>&1 &
  else
    setsid ${cmd(o.disk)} -pidfile "$PIDF" </dev/null >>${shQuote(p.qemuLog)} 2>&1 &
  fi
  i=0; while [ ! -s "$PIDF" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  log "on (boot $dev) pid $(cat "$PIDF" 2>/dev/null)"
}
stop() {
  on || return 0
  kill "$pid" 2>/dev/null
  i=0; while on && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  on && kill -9 "$pid" 2>/dev/null
  log "off"
}
op=$1; shift
case $op in
  get) for p in "$@"; do case $p in
         power) if on; then echo power:1; else echo power:0; fi ;;
         boot) echo "boot:$(bootdev)" ;;
         *) echo "$p:0" ;;
       esac; done ;;
  set) while [ $# -ge 2 ]; do p=$1; v=$2; shift 2; case $p in
         power) if [ "$v" = 1 ]; then on || start; else stop; fi ;;
         reset) if on; then stop; start; fi ;;
         shutdown) on && { log "power button"; ${shQuote(o.node)} -e ${shQuote(button)} ${shQuote(p.monitor)}; } ;;
         boot) echo "$v" > "$BOOTF"; log "boot device $v" ;;
       esac; done ;;
  *) echo "usage: $0 get|set ..." >&2; exit 1 ;;
esac
exit 0
`;
}

/**
 * The host hooks of the Redfish simulator's program (test/helpers/redfish-sim-main.ts) that make `script`,
 * a VM's power program, its host: the one-time Pxe override becomes the boot device of that power on,
 * GracefulShutdown the ACPI button, ForceOff a hard off, and PowerState the VM's. Pure.
 */
export function redfishSimHostFlags(script: string): string[] {
  const p = shQuote(script);
  return [
    '--on-cmd',
    `if [ "$RECON_BOOT_TARGET" = Pxe ]; then ${p} set boot pxe; fi; ${p} set power 1`,
    '--off-cmd',
    `${p} set power 0`,
    '--graceful-cmd',
    `${p} set shutdown 1`,
    '--state-cmd',
    `${p} get power | sed 's/power:1/on/; s/power:0/off/'`,
  ];
}

/** A lab VM behind a BMC: off until its BMC (or a test) powers it on. */
export interface PoweredVm {
  name: string;
  mac: string;
  /** the power program a BMC runs */
  script: string;
  serialLog: string;
  /** runs the power program (what the BMC does): e.g. ['set', 'power', '1'] */
  control(args: readonly string[]): Promise<string>;
  isOn(): Promise<boolean>;
  /** the power program's own log: one line per change */
  powerLog(): Promise<string>;
  /** hard off, whatever state it is in */
  stop(): Promise<void>;
}

export interface PoweredVmOptions {
  name: string;
  mac: string;
  tap: string;
  /** where QEMU runs (the namespace of the tap) */
  netns?: string;
  stateDir: string;
  ipmiBmc?: VmSpec['ipmiBmc'];
  memoryMiB?: number;
}

/**
 * Writes the VM's bootable disk and its power program. SeaBIOS + iPXE ROM: the disk's boot sector
 * stands for an installed OS, so without the one-time PXE override the VM boots the disk and halts.
 */
export async function preparePoweredVm(o: PoweredVmOptions): Promise<PoweredVm> {
  await mkdir(o.stateDir, { recursive: true });
  const paths = vmPowerPaths(o.stateDir);
  const serialLog = join(o.stateDir, 'serial.log');
  const disk = join(o.stateDir, 'disk.img');
  await writeFileDurable(disk, bootSector());
  const fh = await open(disk, 'r+');
  await fh.truncate(64 << 20).finally(() => fh.close());
  const spec = (bootFirst: 'network' | 'disk'): string[] =>
    qemuArgv({
      name: o.name,
      mac: o.mac,
      tap: o.tap,
      firmware: 'bios-ipxe',
      serialLog,
      serialAppend: true,
      disk,
      bootFirst,
      ipmiBmc: o.ipmiBmc,
      monitorSocket: paths.monitor,
      memoryMiB: o.memoryMiB,
    });
  await writeFile(
    paths.script,
    vmPowerScript({
      stateDir: o.stateDir,
      serialLog,
      wrap: o.netns ? ['ip', 'netns', 'exec', o.netns] : [],
      network: spec('network'),
      disk: spec('disk'),
      node: process.execPath,
    }),
  );
  await chmod(paths.script, 0o755);
  const control = async (args: readonly string[]): Promise<string> =>
    (await execFileP(paths.script, [...args], { timeout: 30_000 })).stdout;
  return {
    name: o.name,
    mac: o.mac,
    script: paths.script,
    serialLog,
    control,
    isOn: async () => (await control(['get', 'power'])).trim() === 'power:1',
    powerLog: () => readFile(paths.log, 'utf8').catch(() => ''),
    stop: async () => {
      await control(['set', 'power', '0']).catch(() => '');
    },
  };
}

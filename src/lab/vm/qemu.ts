// Starts one lab VM under QEMU: TCG acceleration (nested KVM is not dependable for real-mode firmware), a
// virtio NIC on a tap device of the lab bridge, the serial console to a file, and -no-reboot so a guest
// that powers off or gives up ends the QEMU process. Three firmware paths:
//   bios-ipxe  SeaBIOS with the iPXE NIC option ROM (the ROM is iPXE: DHCP → menu.ipxe directly)
//   uefi-pxe   OVMF with the NIC ROM removed, so EDK2's own PXE client fetches ipxe.efi by TFTP
//   uefi-sb    OVMF's Secure Boot build with Microsoft's keys enrolled (a copy of the vars per VM, SMM on,
//              flash writes only from SMM): refuses unsigned iPXE, boots signed shim → GRUB → kernel
// The argv builder is pure; startVm() is the thin process shell around it.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

export type VmFirmware = 'bios-ipxe' | 'uefi-pxe' | 'uefi-sb';
export const OVMF_PATHS = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd'];
/** Debian's ovmf: the Secure Boot code and the vars template with Microsoft's keys enrolled. */
export const OVMF_SECURE_BOOT = {
  code: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
  vars: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
};

export interface VmSpec {
  name: string;
  mac: string;
  tap: string;
  firmware: VmFirmware;
  serialLog: string;
  /** OVMF image for uefi-pxe */
  ovmf?: string;
  /** uefi-sb: this VM's own writable copy of OVMF_SECURE_BOOT.vars */
  ovmfVars?: string;
  memoryMiB?: number;
  /** a raw image attached read-only as a virtio disk (gives the inventory a disk) */
  disk?: string;
  accel?: 'tcg' | 'kvm';
  /**
   * A machine with an installed OS: the disk (bootable) and the NIC both in the boot order, this one
   * first. Unset: the network only (`-boot n`), the disk just something to inventory.
   */
  bootFirst?: 'network' | 'disk';
  /** a BMC outside QEMU reached over this TCP socket, seen by the guest as a KCS interface */
  ipmiBmc?: { host: string; port: number };
  /** an HMP monitor on this unix socket (the BMC presses the ACPI power button through it) */
  monitorSocket?: string;
  /** append to the serial log instead of truncating it (one log across power cycles) */
  serialAppend?: boolean;
}

export function qemuArgv(s: VmSpec): string[] {
  const uefi = s.firmware !== 'bios-ipxe';
  if (s.firmware === 'uefi-pxe' && !s.ovmf) throw new Error(`${s.name}: ${s.firmware} needs an OVMF image`);
  if (s.firmware === 'uefi-sb' && !s.ovmfVars) throw new Error(`${s.name}: uefi-sb needs its own vars copy`);
  const nicIndex = s.bootFirst === 'disk' ? 2 : 1;
  const nic = `virtio-net-pci,netdev=n0,mac=${s.mac},bootindex=${nicIndex}${uefi ? ',romfile=' : ''}`;
  const diskIndex = s.bootFirst ? `,bootindex=${3 - nicIndex}` : '';
  return [
    'qemu-system-x86_64',
    '-name',
    s.name,
    '-accel',
    s.accel ?? 'tcg',
    '-m',
    String(s.memoryMiB ?? 768),
    '-smp',
    '1',
    '-nodefaults',
    // -nographic (with no VGA) makes SeaBIOS and the iPXE ROM write their screen to the serial port too
    '-nographic',
    ...(s.serialAppend
      ? ['-chardev', `file,id=ser0,path=${s.serialLog},append=on`, '-serial', 'chardev:ser0']
      : ['-serial', `file:${s.serialLog}`]),
    '-monitor',
    s.monitorSocket ? `unix:${s.monitorSocket},server=on,wait=off` : 'none',
    '-no-reboot',
    // SMBIOS strings so dmidecode in the guest reports something recognisable
    '-smbios',
    `type=1,manufacturer=recon lab,product=QEMU ${s.firmware} VM,serial=${s.name}`,
    ...machineArgs(s),
    '-netdev',
    `tap,id=n0,ifname=${s.tap},script=no,downscript=no`,
    '-device',
    nic,
    ...(s.disk
      ? [
          '-drive',
          `file=${s.disk},if=none,id=d0,format=raw,readonly=on`,
          '-device',
          `virtio-blk-pci,drive=d0${diskIndex}`,
        ]
      : []),
    ...(s.ipmiBmc
      ? [
          '-chardev',
          `socket,id=ipmi0,host=${s.ipmiBmc.host},port=${s.ipmiBmc.port},reconnect=10`,
          '-device',
          'ipmi-bmc-extern,id=bmc0,chardev=ipmi0',
          '-device',
          'isa-ipmi-kcs,bmc=bmc0',
        ]
      : []),
    ...(s.bootFirst ? [] : ['-boot', 'n']),
  ];
}

function machineArgs(s: VmSpec): string[] {
  if (s.firmware === 'bios-ipxe') return ['-machine', 'pc'];
  if (s.firmware === 'uefi-pxe') return ['-machine', 'q35', '-bios', s.ovmf!];
  return [
    '-machine',
    'q35,smm=on',
    '-global',
    'driver=cfi.pflash01,property=secure,value=on',
    '-global',
    'ICH9-LPC.disable_s3=1',
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_SECURE_BOOT.code}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${s.ovmfVars!}`,
  ];
}

export interface RunningVm {
  spec: VmSpec;
  pid: number | undefined;
  startedAt: number;
  /** resolves when QEMU exits (the guest powered off, rebooted, or QEMU was killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
  /** QEMU's own stderr (start-up errors) */
  stderr(): string;
}

/** Starts QEMU, inside network namespace `netns` when given (where the tap lives). */
export function startVm(spec: VmSpec, opts: { netns?: string; qemuLog?: string } = {}): RunningVm {
  const argv = qemuArgv(spec);
  const full = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    if (err.length < 65536) err += c;
  });
  if (opts.qemuLog) child.stderr.pipe(createWriteStream(opts.qemuLog));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  return {
    spec,
    pid: child.pid,
    startedAt: Date.now(),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stderr: () => err,
  };
}

/** Serial text without ANSI escapes and carriage returns (SeaBIOS and EDK2 paint the screen). */
export function plainSerial(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1bc/g, '').replace(/\r/g, '');
}

/** Polls a serial log until `pattern` shows up; rejects after `timeoutMs` or when `stop` resolves first. */
export async function waitForSerial(
  path: string,
  pattern: RegExp,
  timeoutMs: number,
  stop?: Promise<unknown>,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  let stopped = false;
  void stop?.then(() => (stopped = true));
  for (;;) {
    const text = plainSerial(await readFile(path, 'latin1').catch(() => ''));
    if (pattern.test(text)) return text;
    if (stopped) throw new Error(`${path}: QEMU exited before ${String(pattern)} appeared`);
    if (Date.now() > until) throw new Error(`${path}: no ${String(pattern)} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

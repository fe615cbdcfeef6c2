// Test helpers for DHCPv4 against real clients: start recon's dhcp4 service inside a rig's master
// namespace (test/helpers/run-dhcp4.ts), follow its events, and run busybox udhcpc / dhclient in
// peer namespaces with hook scripts that record what the client was told and never touch /etc.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ReconEvent } from '../../src/model/events.js';
import type { NetnsRig } from './netns.js';

const tempDirs: string[] = [];
// the rigs' processes are gone by the time the test file's process exits, whether its tests passed or not
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A temp dir removed when this test file's process exits. */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `recon-${tag}-`));
  tempDirs.push(dir);
  return dir;
}

/** A config for the rig: br0, 10.99.0.1/24, pool .100-.200; `over` is merged one level deep. */
export function rigConfig(dataDir: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, Record<string, unknown> | string> = {
    interface: 'br0',
    dataDir,
    ipv4: { address: '10.99.0.1', prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
    ports: { http: 8080 },
    // iPXE for UEFI clients whatever this machine has installed (auto picks the signed chain when the
    // signed shim is there); a test of the signed chain says boot.uefi: 'shim-grub'
    boot: { uefi: 'ipxe' },
  };
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] =
      b && typeof b === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  return out;
}

export class ReconDhcp4 {
  readonly events: ReconEvent[] = [];
  private waiters: { pred: (e: ReconEvent) => boolean; resolve: (e: ReconEvent) => void }[] = [];
  stderr = '';

  private constructor(readonly child: ChildProcess) {}

  static async start(
    rig: NetnsRig,
    config: Record<string, unknown>,
    flags: string[] = [],
    env: Record<string, string> = {},
  ): Promise<ReconDhcp4> {
    const dir = tempDir('cfg');
    const cfgPath = join(dir, 'recon.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    const child = rig.spawn(
      rig.masterNs,
      [
        'env',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        '--import',
        'tsx',
        'test/helpers/run-dhcp4.ts',
        cfgPath,
        ...flags,
      ],
      {
        cwd: process.cwd(),
      },
    );
    const r = new ReconDhcp4(child);
    child.stderr?.on('data', (d: Buffer) => (r.stderr += d.toString()));
    let buf = '';
    const ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`recon dhcp4 did not start: ${r.stderr}`)), 20_000);
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`recon dhcp4 exited (${code}): ${r.stderr}`));
      });
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === 'READY') {
            clearTimeout(t);
            resolve();
          } else if (line.startsWith('{')) r.push(JSON.parse(line) as ReconEvent);
        }
      });
    });
    await ready;
    return r;
  }

  private push(ev: ReconEvent): void {
    this.events.push(ev);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(ev)) return true;
      w.resolve(ev);
      return false;
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  waitFor(pred: (e: ReconEvent) => boolean, ms = 10_000): Promise<ReconEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(`event not seen within ${ms} ms; got ${this.events.map((e) => e.type).join(',')}`),
          ),
        ms,
      );
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }

  /** SIGTERM and wait: the service stops and the store is closed cleanly. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  }
}

const UDHCPC_HOOK = `#!/bin/sh
# udhcpc hook: record every variable of the event; set the address; never touch /etc/resolv.conf
echo "== event=$1" >> "$HOOK_LOG"
env | grep -E '^(interface|ip|subnet|mask|router|dns|domain|serverid|lease|siaddr|sname|boot_file|bootfile|opt[0-9]+|hostname|broadcast|tftp|message)=' | sort >> "$HOOK_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew) ip addr replace "$ip/\${mask:-24}" dev "$interface" ;;
esac
exit 0
`;

/** The variables of the last `bound` event in a udhcpc hook log. */
export function lastBound(log: string): Record<string, string> | undefined {
  const blocks = log.split('== event=').filter((b) => b.startsWith('bound'));
  const last = blocks.at(-1);
  if (!last) return undefined;
  return Object.fromEntries(
    last
      .split('\n')
      .slice(1)
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
  log: string;
  bound?: Record<string, string>;
}

/** Runs busybox udhcpc once (-q: quit after a lease) in `ns`. */
export async function udhcpc(
  rig: NetnsRig,
  ns: string,
  extra: string[],
  timeoutMs = 30_000,
): Promise<ClientRun> {
  const dir = tempDir('udhcpc');
  const hook = join(dir, 'hook.sh');
  const log = join(dir, 'events.log');
  writeFileSync(hook, UDHCPC_HOOK);
  chmodSync(hook, 0o755);
  const r = await rig.exec(
    ns,
    [
      'env',
      `HOOK_LOG=${log}`,
      'busybox',
      'udhcpc',
      '-i',
      'eth0',
      '-f',
      '-q',
      '-n',
      '-t',
      '4',
      '-T',
      '2',
      '-s',
      hook,
      ...extra,
    ],
    { timeoutMs },
  );
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  return { ...r, log: text, bound: lastBound(text) };
}

// dhclient runs its script with a fresh environment, so the log path is written into the script
const dhclientHook = (log: string): string => `#!/bin/sh
HOOK_LOG='${log}'
echo "== reason=$reason" >> "$HOOK_LOG"; env | grep -E '^(new_|old_|interface=)' | sort >> "$HOOK_LOG"
case "$reason" in
  PREINIT) ip link set "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null ;;
esac
exit 0
`;

export interface Dhclient {
  dir: string;
  /** one dhclient invocation with the rig's conf/hook/lease/pid files */
  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  log(): string;
}

/** An isc-dhcp-client setup for `ns` (PXE BIOS identity, requests 66/67). */
export function dhclient(rig: NetnsRig, ns: string): Dhclient {
  const dir = tempDir('dhclient');
  const conf = join(dir, 'dhclient.conf');
  const hook = join(dir, 'hook.sh');
  const log = join(dir, 'events.log');
  writeFileSync(
    conf,
    `option pxe-client-arch code 93 = unsigned integer 16;
send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
send pxe-client-arch 0;
request subnet-mask, broadcast-address, routers, domain-name-servers, host-name, domain-name,
        tftp-server-name, bootfile-name, vendor-encapsulated-options;
timeout 20; retry 5;
`,
  );
  writeFileSync(hook, dhclientHook(log));
  chmodSync(hook, 0o755);
  const base = ['-4', '-v', '-cf', conf, '-sf', hook, '-lf', join(dir, 'leases'), '-pf', join(dir, 'pid')];
  return {
    dir,
    run: (args) => rig.exec(ns, ['dhclient', ...base, ...args], { timeoutMs: 40_000 }),
    log: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
  };
}

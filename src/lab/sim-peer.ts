// One simulated peer, run as its own process inside its own network namespace: the firmware's DHCP and
// TFTP, iPXE's second DHCP round and HTTP menu + kernel + initrd, then the real collector against a
// recorded machine. Its "power-off" is this process exiting after the master has been told.
// Usage: node sim-peer.js --ifname eth0 --mac M --firmware bios|uefi --machine DIR --work DIR
//          [--dhcp-port 67 --dhcp-client-port 68 --tftp-port 69] [--loopback] [--dhcp6]
// --loopback: the NIC is `lo`, where every leased 127/8 address is already local, so none is configured.
// --dhcp6: the lab sends router advertisements with the M flag, so iPXE also takes a DHCPv6 address.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { runCollect } from '../collect/agent.js';
import { reportStage } from '../collect/upload.js';
import { VERSION } from '../version.js';
import { dhcp6Lease, dhcpDora, tftpFetch, type PxeFirmware } from './pxe-client.js';

const execFileP = promisify(execFile);

/** The kernel and initrd URLs and the kernel command line in a recon menu.ipxe. Pure. */
export function parseMenu(text: string): { kernel: string; initrd: string; args: string } | undefined {
  const k = /^kernel\s+(\S+)\s*(.*?)\s*(\|\|.*)?$/m.exec(text);
  const i = /^initrd\s+(\S+)/m.exec(text);
  if (!k?.[1] || !i?.[1]) return undefined;
  return { kernel: k[1], initrd: i[1], args: k[2] ?? '' };
}

function line(mac: string, msg: string): void {
  process.stdout.write(`${new Date().toISOString()} ${mac} ${msg}\n`);
}

async function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

export async function simPeer(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      ifname: { type: 'string', default: 'eth0' },
      mac: { type: 'string' },
      firmware: { type: 'string', default: 'bios' },
      machine: { type: 'string' },
      work: { type: 'string' },
      'dhcp-port': { type: 'string', default: '67' },
      'dhcp-client-port': { type: 'string', default: '68' },
      'tftp-port': { type: 'string', default: '69' },
      loopback: { type: 'boolean', default: false },
      dhcp6: { type: 'boolean', default: false },
    },
  });
  const mac = v.mac ?? '';
  if (!mac || !v.machine || !v.work || (v.firmware !== 'bios' && v.firmware !== 'uefi')) {
    process.stderr.write('sim-peer: --mac, --machine, --work and --firmware bios|uefi are required\n');
    return 64;
  }
  const ifname = v.ifname;
  const ports = { server: Number(v['dhcp-port']), client: Number(v['dhcp-client-port']) };
  const say = (m: string) => line(mac, m);
  const configure = async (lease: { ip: string; prefix: number }) => {
    if (!v.loopback) await execFileP('ip', ['addr', 'replace', `${lease.ip}/${lease.prefix}`, 'dev', ifname]);
  };

  // 1. the NIC's PXE ROM: DHCP, then the boot file by TFTP
  const first = await dhcpDora({ ifname, mac, firmware: v.firmware as PxeFirmware, ipxe: false, ports });
  say(`dhcp ${v.firmware}: ${first.ip}/${first.prefix} boot file ${first.bootFile} from ${first.nextServer}`);
  await configure(first);
  const size = await tftpFetch(first.nextServer, Number(v['tftp-port']), first.bootFile);
  say(`tftp ${first.bootFile}: ${size} bytes`);

  // 2. iPXE: DHCP again, as iPXE, and the menu it is given
  const second = await dhcpDora({ ifname, mac, firmware: v.firmware as PxeFirmware, ipxe: true, ports });
  if (second.ip !== first.ip) await configure(second);
  if (v.dhcp6) {
    const ip6 = await dhcp6Lease({ ifname, mac });
    await execFileP('ip', ['-6', 'addr', 'replace', `${ip6}/128`, 'dev', ifname, 'nodad']);
    say(`dhcp6: ${ip6}`);
  }
  if (!/^https?:\/\//.test(second.bootFile))
    throw new Error(`iPXE was not given an HTTP menu: ${second.bootFile}`);
  const menuUrl = `${second.bootFile}${second.bootFile.includes('?') ? '&' : '?'}mac=${mac}`;
  const menuText = (await fetchBytes(menuUrl)).body.toString('utf8');
  const menu = parseMenu(menuText);
  if (!menu) throw new Error(`menu.ipxe without kernel/initrd: ${menuText.slice(0, 200)}`);
  for (const url of [menu.kernel, menu.initrd]) {
    const r = await fetchBytes(url);
    if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
    say(`http ${url}: ${r.body.length} bytes`);
  }

  // 3. the "kernel" runs the real collector with the command line the menu gave it
  const cmdline = join(v.work, 'cmdline');
  await writeFile(cmdline, menu.args.replace(/\$\{mac:hexhyp\}/g, mac.replace(/:/g, '-')) + '\n');
  const base = new URL(second.bootFile).origin;
  const code = await runCollect({
    master: base,
    cmdlineFile: cmdline,
    replayDir: v.machine,
    lldpWaitSeconds: 0,
    poweroffCommand: ['true'],
    version: VERSION,
    deadlineMs: 120_000,
    log: say,
  });
  if (code === 0) {
    await reportStage({ base, mac, log: say, deadlineMs: 10_000 }, 'powered-off', 'simulated peer exited');
    say('powered off');
  }
  return code;
}

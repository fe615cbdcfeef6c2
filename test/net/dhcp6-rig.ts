// Shared pieces of the DHCPv6 rig tests: the master config for a NetnsRig, waiting for a usable
// link-local address, and dhclient -6 with its own config, hook script, lease and pid files (never the
// host's), returning what the hook saw.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { RIG_V4, RIG_V6, type NetnsRig } from '../helpers/netns.js';

export function rigConfig(dir: string, extra: Partial<ReconConfigInput> = {}): ReconConfigInput {
  return {
    interface: 'br0',
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'tftp'),
    controlSocket: join(dir, 'control.sock'),
    ipv4: { address: RIG_V4.master, prefix: RIG_V4.prefix, range: ['10.99.0.100', '10.99.0.200'] },
    ipv6: { address: RIG_V6.master, range: ['::1000', '::1fff'] },
    guard: { enabled: false },
    // iPXE for UEFI clients whatever this machine has installed (auto picks the signed chain when found)
    boot: { uefi: 'ipxe' },
    ...extra,
  };
}

/** dhclient -6 refuses to start before the interface has a non-tentative link-local address. */
export async function waitLinkLocal(
  rig: NetnsRig,
  ns: string,
  ifname: string,
  timeoutMs = 10_000,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await rig.exec(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
    const m = /inet6 (fe80::[0-9a-f:]+)\/64/.exec(r.stdout);
    if (m && !r.stdout.includes('tentative')) return m[1]!;
    if (Date.now() > until) throw new Error(`${ns}/${ifname}: no usable link-local address: ${r.stdout}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** RFC 8415 user class data (16-bit length + bytes) in dhclient's colon-hex notation. */
function userClassHex(name: string): string {
  const b = Buffer.alloc(2 + name.length);
  b.writeUInt16BE(name.length);
  b.write(name, 2, 'latin1');
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface Dhclient6 {
  /** runs `dhclient -6 ... ARGS eth0`; resolves with the exit code */
  run(args: string[], timeoutMs?: number): Promise<{ code: number; stderr: string }>;
  /** the environment of the last hook call with this reason (BOUND6, RELEASE6, ...) */
  last(reason: string): Promise<Record<string, string> | undefined>;
}

export async function dhclient6(
  rig: NetnsRig,
  ns: string,
  dir: string,
  name: string,
  opts: { arch?: number; rapidCommit?: boolean; userClass?: string } = {},
): Promise<Dhclient6> {
  const log = join(dir, `${name}.events`);
  const conf = join(dir, `${name}.conf`);
  const script = join(dir, `${name}.sh`);
  await writeFile(
    conf,
    [
      'option dhcp6.client-arch-type code 61 = unsigned integer 16;',
      'option dhcp6.bootfile-url code 59 = string;',
      'option dhcp6.user-class code 15 = string;',
      opts.arch !== undefined ? `send dhcp6.client-arch-type ${opts.arch};` : '',
      opts.userClass ? `send dhcp6.user-class ${userClassHex(opts.userClass)};` : '',
      opts.rapidCommit ? 'send dhcp6.rapid-commit;' : '',
      'request dhcp6.bootfile-url, dhcp6.name-servers, dhcp6.domain-search;',
      '',
    ].join('\n'),
  );
  await writeFile(
    script,
    `#!/bin/sh\n# hook: record the environment, never touch host files\n{ echo "== reason=$reason"; env | grep -E '^(new_|old_|reason=)' | sort; } >> '${log}'\nexit 0\n`,
  );
  await chmod(script, 0o755);
  const base = [
    '-6',
    '-v',
    '-cf',
    conf,
    '-sf',
    script,
    '-lf',
    join(dir, `${name}.leases`),
    '-pf',
    join(dir, `${name}.pid`),
  ];
  return {
    async run(args, timeoutMs = 30_000) {
      const r = await rig.exec(ns, ['dhclient', ...base, ...args, 'eth0'], { timeoutMs });
      return { code: r.code, stderr: r.stderr };
    },
    async last(reason) {
      let text = '';
      try {
        text = await readFile(log, 'utf8');
      } catch {
        return undefined;
      }
      const blocks = text.split('== ').filter((b) => b.startsWith(`reason=${reason}\n`));
      const b = blocks.at(-1);
      if (!b) return undefined;
      return Object.fromEntries(
        b
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    },
  };
}

// The lab's recorded machines (src/lab/machines/) and one peer's copy of one: the recorded MAC addresses
// are replaced by the peer's own, so the NIC the master leased an address to is the NIC the inventory shows.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReplayIndex } from '../collect/sources.js';

/** The machines shipped with recon: src/lab/machines, found from both src/lab and dist/lab. */
export const MACHINES_DIR = fileURLToPath(new URL('../../src/lab/machines', import.meta.url));

export interface MachineTemplate {
  name: string;
  dir: string;
  /** the recorded MAC of the NIC that booted (the first NIC with an IPv4 address) */
  bootMac: string;
  /** every recorded MAC, boot NIC first */
  macs: string[];
}

const MAC_RE = /[0-9a-f]{2}(?::[0-9a-f]{2}){5}/gi;

/** The recorded MACs in `ip -j addr` output, boot NIC first. Pure. */
export function recordedMacs(ipJson: string): { bootMac?: string; macs: string[] } {
  let links: unknown;
  try {
    links = JSON.parse(ipJson);
  } catch {
    return { macs: [] };
  }
  if (!Array.isArray(links)) return { macs: [] };
  const ether = (
    links as { address?: string; link_type?: string; addr_info?: { family?: string }[] }[]
  ).filter((l) => l.link_type === 'ether' && typeof l.address === 'string');
  const boot = ether.find((l) => l.addr_info?.some((a) => a.family === 'inet')) ?? ether[0];
  const macs = ether.map((l) => (l.address ?? '').toLowerCase());
  const bootMac = boot?.address?.toLowerCase();
  return { bootMac, macs: bootMac ? [bootMac, ...macs.filter((m) => m !== bootMac)] : macs };
}

/** The MAC of lab peer `n` (0-based), locally administered: 02:1a:b0:00:hi:lo; `nic` numbers its other NICs. Pure. */
export function labMac(n: number, nic = 0): string {
  const b = [0x02, 0x1a, 0xb0, nic & 0xff, (n >> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Replaces each recorded MAC (any case) by its new one, keeping the case it was written in. Pure. */
export function substituteMacs(text: string, map: ReadonlyMap<string, string>): string {
  return text.replace(MAC_RE, (m) => {
    const to = map.get(m.toLowerCase());
    if (!to) return m;
    return m === m.toUpperCase() && /[A-F]/.test(m) ? to.toUpperCase() : to;
  });
}

export async function listMachines(root = MACHINES_DIR): Promise<MachineTemplate[]> {
  const out: MachineTemplate[] = [];
  for (const name of (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const dir = join(root, name);
    const index = await loadReplayIndex(dir);
    const ipFile = index.ip?.stdout;
    const { bootMac, macs } = recordedMacs(ipFile ? await readFile(join(dir, ipFile), 'utf8') : '');
    if (!bootMac) throw new Error(`lab machine ${name}: no NIC in its recorded ip output`);
    out.push({ name, dir, bootMac, macs });
  }
  if (out.length === 0) throw new Error(`no lab machines in ${root}`);
  return out;
}

/** Writes peer `n`'s copy of `m` into `dest`; returns the peer's boot MAC. */
export async function instantiateMachine(m: MachineTemplate, n: number, dest: string): Promise<string> {
  const map = new Map(m.macs.map((mac, i) => [mac, labMac(n, i)]));
  await mkdir(dest, { recursive: true });
  for (const f of await readdir(m.dir)) {
    if (f.endsWith('.md')) continue;
    await writeFile(join(dest, f), substituteMacs(await readFile(join(m.dir, f), 'utf8'), map));
  }
  return labMac(n, 0);
}

// The lab's recorded machines (src/lab/machines/) and one peer's copy of one: the recorded MAC addresses
// are replaced by the peer's own, so the NIC the master leased an address to is the NIC the inventory shows;
// the copy boots in the firmware mode the peer simulates, and its block list shows the disks whose SMART
// records the machine carries rather than the virtio disk the block list was recorded on.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSmartctl, type SmartData } from '../collect/parsers/smartctl.js';
import { loadReplayIndex, stdoutFileName, type ReplayIndex } from '../collect/sources.js';
import type { PxeFirmware } from './pxe-client.js';

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

type LsblkDevice = Record<string, unknown> & { name?: unknown; children?: LsblkDevice[] };

/** The kernel name a recorded disk of this protocol gets, numbered in order of appearance. Pure. */
function diskName(protocol: string | undefined, seen: { sd: number; nvme: number }): string {
  if (protocol?.toLowerCase() === 'nvme') return `nvme${seen.nvme++}n1`;
  return `sd${String.fromCharCode(0x61 + seen.sd++)}`;
}

/**
 * The block list as the recorded disks would show it: each whole disk that has a SMART record with a model
 * and a capacity takes that disk's identity (kernel name by protocol, size, model, serial, rotation, transport).
 * Returns the new `lsblk -J -O -b` text and the renames (old name → new name). Pure.
 */
export function presentRecordedDisks(
  lsblkText: string,
  smart: ReadonlyMap<string, SmartData>,
): { lsblk: string; renames: Map<string, string> } {
  const doc = JSON.parse(lsblkText) as { blockdevices?: LsblkDevice[] };
  const renames = new Map<string, string>();
  const seen = { sd: 0, nvme: 0 };
  for (const d of doc.blockdevices ?? []) {
    const rec = typeof d.name === 'string' ? smart.get(d.name) : undefined;
    if (d.type !== 'disk' || !rec?.model || rec.sizeBytes === undefined) continue;
    const old = d.name as string;
    const name = diskName(rec.protocol, seen);
    const nvme = rec.protocol?.toLowerCase() === 'nvme';
    renames.set(old, name);
    Object.assign(d, {
      name,
      kname: name,
      path: `/dev/${name}`,
      size: rec.sizeBytes,
      model: rec.model,
      serial: rec.serial ?? null,
      wwn: rec.wwn ?? null,
      rev: rec.firmware ?? null,
      rota: (rec.rotationRpm ?? 0) > 0,
      tran: nvme ? 'nvme' : rec.protocol?.toLowerCase() === 'ata' ? 'sata' : 'sas',
      vendor: null,
      subsystems: nvme ? 'block:nvme:pci' : 'block:scsi:pci',
    });
    for (const c of d.children ?? [])
      if (typeof c.name === 'string' && c.name.startsWith(old)) {
        const part = `${name}${nvme ? 'p' : ''}${c.name.slice(old.length).replace(/^p/, '')}`;
        Object.assign(c, { name: part, kname: part, path: `/dev/${part}`, pkname: name });
      }
  }
  return { lsblk: JSON.stringify(doc, null, 2) + '\n', renames };
}

/**
 * Writes peer `n`'s copy of `m` into `dest`, booted by `firmware`; returns the peer's boot MAC. The boot-mode
 * probe answers what the simulated firmware is, and the recorded disks replace the block list's (their SMART
 * sources renamed with them).
 */
export async function instantiateMachine(
  m: MachineTemplate,
  n: number,
  dest: string,
  firmware: PxeFirmware,
): Promise<string> {
  const map = new Map(m.macs.map((mac, i) => [mac, labMac(n, i)]));
  await mkdir(dest, { recursive: true });
  const files = new Map<string, string>();
  for (const f of await readdir(m.dir))
    if (!f.endsWith('.md')) files.set(f, substituteMacs(await readFile(join(m.dir, f), 'utf8'), map));
  const index = JSON.parse(files.get('sources.json') ?? '{}') as ReplayIndex;
  files.delete('sources.json');

  index.efi = { argv: ['stat', '/sys/firmware/efi'], durationMs: 1, exitCode: 0, stdout: 'efi.out' };
  files.set('efi.out', `${firmware}\n`);

  const smart = new Map<string, SmartData>();
  for (const [id, src] of Object.entries(index)) {
    const text = src.stdout ? files.get(src.stdout) : undefined;
    const parsed = id.startsWith('smartctl:') && text !== undefined ? parseSmartctl(text) : undefined;
    if (parsed?.ok) smart.set(id.slice('smartctl:'.length), parsed.value);
  }
  const lsblkFile = index.lsblk?.stdout;
  const lsblkText = lsblkFile ? files.get(lsblkFile) : undefined;
  if (lsblkFile && lsblkText !== undefined) {
    const { lsblk, renames } = presentRecordedDisks(lsblkText, smart);
    files.set(lsblkFile, lsblk);
    for (const [from, to] of renames) {
      const src = index[`smartctl:${from}`]!;
      delete index[`smartctl:${from}`];
      const id = `smartctl:${to}`;
      const stdout = stdoutFileName(id);
      if (src.stdout) files.set(stdout, files.get(src.stdout)!);
      if (src.stdout) files.delete(src.stdout);
      index[id] = { ...src, argv: src.argv.map((a) => (a === `/dev/${from}` ? `/dev/${to}` : a)), stdout };
    }
  }
  for (const [f, text] of files) await writeFile(join(dest, f), text);
  await writeFile(join(dest, 'sources.json'), JSON.stringify(index, null, 2) + '\n');
  return labMac(n, 0);
}

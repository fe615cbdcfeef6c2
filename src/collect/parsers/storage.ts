// Pure parsers for storage beyond the disks the kernel lists: software RAID (/proc/mdstat), what
// `smartctl --scan` reaches (disks behind RAID controllers), and the RAID vendors' tools — storcli / perccli
// (`/call show J`, one JSON layout for both) and ssacli (`ctrl all show config`, text).
import type { RaidDisk } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import {
  clean,
  fail,
  guard,
  isRecord,
  ok,
  parseJson,
  requireComplete,
  sizeToBytes,
  type ParseResult,
} from './result.js';

const cap = (s: string | undefined, max: number = L.text): string | undefined => s?.slice(0, max);

/** ssacli's sizes are decimal, as the drive makers write them ("600 GB" = 600 × 10^9 bytes). */
function decimalSize(v: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|PB)\s*$/i.exec(v ?? '');
  if (!m?.[1] || !m[2]) return undefined;
  return Math.round(Number(m[1]) * 1000 ** (['KB', 'MB', 'GB', 'TB', 'PB'].indexOf(m[2].toUpperCase()) + 1));
}

export interface MdArray {
  name: string;
  level?: string;
  state?: string;
  members: string[];
  failedMembers: string[];
  sizeBytes?: number;
}

/**
 * /proc/mdstat: "md0 : active raid1 sdb1[1] sda1[0]", then "976630336 blocks super 1.2 [2/2] [UU]" (1 KiB blocks;
 * `_` in the map is a missing member); `(F)` marks a failed member, `(S)` a spare.
 */
export function parseMdstat(text: string): ParseResult<MdArray[]> {
  return guard('mdstat', () => {
    const incomplete = requireComplete('mdstat', text);
    if (incomplete) return fail(incomplete);
    if (!/^Personalities :/m.test(text)) return fail('mdstat: no "Personalities" line');
    const out: MdArray[] = [];
    let cur: MdArray | undefined;
    for (const line of text.split('\n')) {
      const head = /^(md\S+)\s*:\s*(active|inactive)(?:\s+\((?:auto-)?read-only\))?\s*(.*)$/.exec(line);
      if (head) {
        if (out.length >= L.raidArrays) break;
        const words = (head[3] ?? '').split(/\s+/).filter(Boolean);
        const level = words[0] && !words[0].includes('[') ? words.shift() : undefined;
        cur = { name: cap(head[1]) ?? '', state: head[2], members: [], failedMembers: [] };
        if (level !== undefined) cur.level = cap(level);
        for (const w of words) {
          const m = /^([^[\s]+)\[\d+\](\([A-Z]\))?$/.exec(w);
          if (!m?.[1]) continue;
          if (m[2] === '(F)') cur.failedMembers.push(m[1]);
          else cur.members.push(m[1]);
        }
        cur.members = cur.members.slice(0, L.raidMembers);
        cur.failedMembers = cur.failedMembers.slice(0, L.raidMembers);
        out.push(cur);
        continue;
      }
      if (!cur) continue;
      const blocks = /^\s+(\d+) blocks/.exec(line);
      if (blocks?.[1] && cur.sizeBytes === undefined) cur.sizeBytes = Number(blocks[1]) * 1024;
      const map = /\[\d+\/\d+\]\s+\[([U_]+)\]/.exec(line);
      if (map?.[1]?.includes('_')) cur.state = `${cur.state ?? ''}, degraded [${map[1]}]`.slice(0, L.text);
      if (line.trim() === '') cur = undefined;
    }
    return ok(out);
  });
}

export interface ScannedDevice {
  device: string;
  type: string;
  description?: string;
}

/** `smartctl --scan`: "/dev/bus/0 -d megaraid,0 # /dev/bus/0 [megaraid_disk_00], SCSI device". */
export function parseSmartctlScan(text: string): ParseResult<ScannedDevice[]> {
  return guard('smartctl --scan', () => {
    const out: ScannedDevice[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const m = /^(\S+)\s+-d\s+(\S+)\s*(?:#\s*(.*))?$/.exec(line.trim());
      if (!m?.[1] || !m[2])
        return fail(`smartctl --scan: unexpected line ${JSON.stringify(line.slice(0, 60))}`);
      const d: ScannedDevice = { device: cap(m[1]) ?? '', type: cap(m[2]) ?? '' };
      const description = cap(clean(m[3]));
      if (description !== undefined) d.description = description;
      if (out.length < L.raidDisks) out.push(d);
    }
    return ok(out);
  });
}

export interface RaidLayout {
  virtualDisks: RaidDisk[];
  physicalDisks: RaidDisk[];
}

const str = (v: unknown): string | undefined => cap(clean(v));

function raidDisk(
  fields: Partial<Record<keyof RaidDisk, string | number | undefined>>,
): RaidDisk | undefined {
  const id = typeof fields.id === 'string' ? fields.id : undefined;
  if (!id) return undefined;
  const d: RaidDisk = { id };
  for (const k of ['controller', 'raidLevel', 'state', 'interface', 'media', 'model', 'name'] as const) {
    const v = fields[k];
    if (typeof v === 'string') d[k] = v;
  }
  if (typeof fields.sizeBytes === 'number') d.sizeBytes = fields.sizeBytes;
  return d;
}

/**
 * storcli / perccli `/call show J`: {"Controllers": [{"Command Status": {"Controller": 0, ...}, "Response Data":
 * {"VD LIST": [{"DG/VD": "0/0", "TYPE": "RAID1", "State": "Optl", "Size": "446.625 GB", "Name": ""}],
 * "PD LIST": [{"EID:Slt": "32:0", "State": "Onln", "Size": "446.625 GB", "Intf": "SATA", "Med": "SSD",
 * "Model": "..."}]}}]}. Sizes are binary units written as "GB"/"TB".
 */
export function parseStorcli(text: string): ParseResult<RaidLayout> {
  return guard('storcli', () => {
    const json = parseJson('storcli', text);
    if (!json.ok) return json;
    const ctrls = isRecord(json.value) ? json.value.Controllers : undefined;
    if (!Array.isArray(ctrls)) return fail('storcli: no "Controllers" array');
    const out: RaidLayout = { virtualDisks: [], physicalDisks: [] };
    for (const c of ctrls) {
      if (!isRecord(c)) continue;
      const status = isRecord(c['Command Status']) ? c['Command Status'] : {};
      const data = isRecord(c['Response Data']) ? c['Response Data'] : {};
      const controller = str(status.Controller);
      for (const v of Array.isArray(data['VD LIST']) ? data['VD LIST'] : []) {
        if (!isRecord(v)) continue;
        const d = raidDisk({
          controller,
          id: str(v['DG/VD']),
          raidLevel: str(v.TYPE),
          state: str(v.State),
          sizeBytes: sizeToBytes(str(v.Size)),
          name: str(v.Name),
        });
        if (d && out.virtualDisks.length < L.raidDisks) out.virtualDisks.push(d);
      }
      for (const p of Array.isArray(data['PD LIST']) ? data['PD LIST'] : []) {
        if (!isRecord(p)) continue;
        const d = raidDisk({
          controller,
          id: str(p['EID:Slt']),
          state: str(p.State),
          sizeBytes: sizeToBytes(str(p.Size)),
          interface: str(p.Intf),
          media: str(p.Med),
          model: str(p.Model),
        });
        if (d && out.physicalDisks.length < L.raidDisks) out.physicalDisks.push(d);
      }
    }
    return ok(out);
  });
}

/**
 * ssacli `ctrl all show config`: a "Smart Array P440ar in Slot 0 (Embedded)" line per controller, then
 * "logicaldrive 1 (558.9 GB, RAID 1, OK)" and "physicaldrive 1I:2:1 (port 1I:box 2:bay 1, SAS HDD, 600 GB, OK)".
 */
export function parseSsacli(text: string): ParseResult<RaidLayout> {
  return guard('ssacli', () => {
    const incomplete = requireComplete('ssacli', text);
    if (incomplete) return fail(incomplete);
    const out: RaidLayout = { virtualDisks: [], physicalDisks: [] };
    let controller: string | undefined;
    let seen = false;
    for (const line of text.split('\n')) {
      const ctrl = /^\S.* in Slot (\S+)/.exec(line);
      if (ctrl?.[1]) {
        seen = true;
        controller = cap(`slot ${ctrl[1]}`);
        continue;
      }
      const ld = /^\s+logicaldrive (\S+) \(([^,]+), ([^,]+), ([^)]+)\)/.exec(line);
      if (ld) {
        const d = raidDisk({
          controller,
          id: str(ld[1]),
          sizeBytes: decimalSize(ld[2]),
          raidLevel: str(ld[3]),
          state: str(ld[4]),
        });
        if (d && out.virtualDisks.length < L.raidDisks) out.virtualDisks.push(d);
        continue;
      }
      const pd = /^\s+physicaldrive (\S+) \([^,]*, ([^,]+), ([^,]+), ([^)]+)\)/.exec(line);
      if (pd) {
        const [iface, media] = (pd[2] ?? '').split(' ');
        const d = raidDisk({
          controller,
          id: str(pd[1]),
          interface: str(iface),
          media: str(media),
          sizeBytes: decimalSize(pd[3]),
          state: str(pd[4]),
        });
        if (d && out.physicalDisks.length < L.raidDisks) out.physicalDisks.push(d);
      }
    }
    if (!seen) return fail('ssacli: no controller line');
    return ok(out);
  });
}

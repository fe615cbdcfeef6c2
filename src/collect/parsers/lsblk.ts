// Pure parser for `lsblk -J -O -b`: whole disks only (partitions, loop, zram and rom drives are not inventory).
import type { DiskInfo } from '../../shared/inventory/schema.js';
import { clean, fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

/** A whole disk as lsblk lists it: the inventory's disk record before by-path links and SMART. */
export type LsblkDisk = Omit<DiskInfo, 'byPath' | 'byId' | 'smart' | 'rotationRpm'>;

// Virtual block devices that are not hardware; loop devices are skipped too (never a peer's disk).
const NOT_HARDWARE = /^(loop|zram|ram|nbd|dm-|md|sr)\d*/;

function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === '1' || v === 1) return true;
  if (v === '0' || v === 0) return false;
  return undefined;
}

export function parseLsblk(text: string): ParseResult<LsblkDisk[]> {
  return guard('lsblk', () => {
    const json = parseJson('lsblk', text);
    if (!json.ok) return json;
    const devs = isRecord(json.value) ? json.value.blockdevices : undefined;
    if (!Array.isArray(devs)) return fail('lsblk: no "blockdevices" array');
    const disks: LsblkDisk[] = [];
    for (const d of devs) {
      if (!isRecord(d) || d.type !== 'disk' || typeof d.name !== 'string' || NOT_HARDWARE.test(d.name))
        continue;
      const disk: LsblkDisk = { name: d.name, path: typeof d.path === 'string' ? d.path : `/dev/${d.name}` };
      const set = <K extends keyof LsblkDisk>(k: K, v: LsblkDisk[K] | undefined): void => {
        if (v !== undefined) disk[k] = v;
      };
      set('model', clean(d.model));
      set('vendor', clean(d.vendor));
      set('serial', clean(d.serial));
      set('wwn', clean(d.wwn));
      set('firmware', clean(d.rev));
      set('sizeBytes', toInt(d.size));
      set('rotational', flag(d.rota));
      set('removable', flag(d.rm));
      set('transport', clean(d.tran));
      set('logicalSectorBytes', toInt(d['log-sec']));
      set('physicalSectorBytes', toInt(d['phy-sec']));
      set('hctl', clean(d.hctl));
      disks.push(disk);
    }
    return ok(disks);
  });
}

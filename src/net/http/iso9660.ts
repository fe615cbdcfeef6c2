// Just enough ISO 9660 to serve a live medium straight from its block device: the primary volume
// descriptor (how many bytes the ISO occupies on the device, so nothing after it — e.g. a persistent
// partition — is ever served) and directory records (where the kernel and initrd sit, as byte extents).
// Pure: callers hand in the sectors they read.

export const ISO_SECTOR = 2048;
/** Volume descriptors start at sector 16 (after the 32 KiB system area). */
export const FIRST_DESCRIPTOR_SECTOR = 16;
/** How many descriptor sectors we look through for the primary one before giving up. */
export const MAX_DESCRIPTORS = 16;

export class IsoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsoError';
  }
}

export interface DirRecord {
  /** ISO name with the ";1" version and a trailing "." removed, e.g. "LINUX" or "X86_64" */
  name: string;
  /** byte offset of the data on the medium */
  offset: number;
  size: number;
  isDir: boolean;
}

export interface PrimaryVolume {
  volumeId: string;
  blockSize: number;
  volumeBlocks: number;
  /** volume space size × logical block size: the ISO's length on the device */
  bytes: number;
  /** "YYYYMMDDHHMMSScc" or undefined when unset */
  created?: string;
  root: DirRecord;
}

export type DescriptorKind = 'primary' | 'terminator' | 'other';

/** Classifies one 2048-byte volume descriptor sector; throws IsoError if it is not one. */
export function descriptorKind(sector: Uint8Array): DescriptorKind {
  const b = Buffer.from(sector.buffer, sector.byteOffset, sector.byteLength);
  if (b.length < ISO_SECTOR)
    throw new IsoError(`volume descriptor is ${b.length} bytes, expected ${ISO_SECTOR}`);
  if (b.toString('latin1', 1, 6) !== 'CD001') throw new IsoError('no ISO 9660 signature "CD001"');
  if (b[0] === 1) return 'primary';
  if (b[0] === 255) return 'terminator';
  return 'other';
}

/** Decodes a primary volume descriptor sector (type 1). */
export function parsePrimaryVolume(sector: Uint8Array): PrimaryVolume {
  if (descriptorKind(sector) !== 'primary') throw new IsoError('not a primary volume descriptor');
  const b = Buffer.from(sector.buffer, sector.byteOffset, sector.byteLength);
  // both-endian fields: the little-endian half must agree with the big-endian half
  const volumeBlocks = bothEndian32(b, 80, 'volume space size');
  const blockSize = bothEndian16(b, 128, 'logical block size');
  if (blockSize < 512 || blockSize > 4096 || (blockSize & (blockSize - 1)) !== 0)
    throw new IsoError(`implausible logical block size ${blockSize}`);
  if (volumeBlocks === 0) throw new IsoError('volume space size is 0');
  const root = parseRecord(b.subarray(156, 190), blockSize);
  if (!root?.isDir) throw new IsoError('root directory record is not a directory');
  const createdRaw = b.toString('latin1', 813, 829);
  return {
    volumeId: b.toString('latin1', 40, 72).trimEnd(),
    blockSize,
    volumeBlocks,
    bytes: volumeBlocks * blockSize,
    created: /^\d{16}$/.test(createdRaw) && !/^0+$/.test(createdRaw) ? createdRaw : undefined,
    root: { ...root, name: '' },
  };
}

function bothEndian32(b: Buffer, at: number, what: string): number {
  const le = b.readUInt32LE(at);
  if (le !== b.readUInt32BE(at + 4)) throw new IsoError(`${what}: little- and big-endian copies differ`);
  return le;
}

function bothEndian16(b: Buffer, at: number, what: string): number {
  const le = b.readUInt16LE(at);
  if (le !== b.readUInt16BE(at + 2)) throw new IsoError(`${what}: little- and big-endian copies differ`);
  return le;
}

/** One directory record; undefined for the padding (length 0) at a sector's end. */
function parseRecord(b: Buffer, blockSize: number): DirRecord | undefined {
  const len = b[0] ?? 0;
  if (len === 0) return undefined;
  if (len < 34 || len > b.length) throw new IsoError(`directory record length ${len} is invalid`);
  const nameLen = b[32] ?? 0;
  if (33 + nameLen > len) throw new IsoError('directory record name runs past the record');
  const raw = b.subarray(33, 33 + nameLen);
  let name: string;
  if (nameLen === 1 && raw[0] === 0) name = '.';
  else if (nameLen === 1 && raw[0] === 1) name = '..';
  else name = raw.toString('latin1').replace(/;\d+$/, '').replace(/\.$/, '');
  return {
    name,
    offset: b.readUInt32LE(2) * blockSize,
    size: b.readUInt32LE(10),
    isDir: ((b[25] ?? 0) & 0x02) !== 0,
  };
}

/** Decodes a whole directory extent into its entries (without "." and ".."). */
export function parseDirectory(extent: Uint8Array, blockSize: number): DirRecord[] {
  const b = Buffer.from(extent.buffer, extent.byteOffset, extent.byteLength);
  const out: DirRecord[] = [];
  let pos = 0;
  while (pos < b.length) {
    const len = b[pos] ?? 0;
    if (len === 0) {
      // records never cross a sector boundary: skip the padding to the next sector
      pos = (Math.floor(pos / ISO_SECTOR) + 1) * ISO_SECTOR;
      continue;
    }
    const rec = parseRecord(b.subarray(pos, pos + len), blockSize);
    if (rec && rec.name !== '.' && rec.name !== '..') out.push(rec);
    pos += len;
  }
  return out;
}

/** ISO 9660 level-1 names are upper case; compare the way the medium stores them. */
export function isoNameMatches(recordName: string, wanted: string): boolean {
  return recordName.toUpperCase() === wanted.toUpperCase().replace(/\.$/, '');
}

// DHCPv4 wire format (RFC 2131 §2, RFC 2132): BOOTP header + magic cookie + options, with option
// overload (52) into `file`/`sname` and RFC 3396 long options split into several instances.
// Pure: decode(Buffer) → Dhcp4Packet or a typed Dhcp4DecodeError; encode(Dhcp4Packet) → Buffer.
import { Opt } from './options.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const FLAG_BROADCAST = 0x8000;
const MAGIC_COOKIE = 0x63825363;
const HEADER_LEN = 236;
const OPTIONS_START = HEADER_LEN + 4;
const SNAME_OFF = 44;
const SNAME_LEN = 64;
const FILE_OFF = 108;
const FILE_LEN = 128;
/** The smallest reply some BOOTP-era clients accept (RFC 1542 §2.1). */
const MIN_REPLY_LEN = 300;
/** Every DHCP client must accept this much (RFC 2131 §2). */
export const DEFAULT_MAX_MESSAGE = 576;

export interface Dhcp4Packet {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** the 16-byte client hardware address field, as sent */
  chaddr: Buffer;
  sname: string;
  file: string;
  /** option code → value; instances of one code are already concatenated (RFC 3396). Never holds 0/52/255. */
  options: Map<number, Buffer>;
}

export type Dhcp4DecodeErrorCode =
  | 'short'
  | 'bad-op'
  | 'bad-hlen'
  | 'no-cookie'
  | 'truncated-option'
  | 'bad-overload'
  | 'no-message-type';

/** A packet recon refuses to interpret; the socket handler logs it at debug level and drops it. */
export class Dhcp4DecodeError extends Error {
  constructor(
    readonly code: Dhcp4DecodeErrorCode,
    detail: string,
  ) {
    super(`DHCPv4 decode: ${code}: ${detail}`);
    this.name = 'Dhcp4DecodeError';
  }
}

function readIp(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function readCString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

/** Walks one option area, appending each instance's value to `into`. Returns the overload value if seen. */
function parseOptionArea(area: Buffer, where: string, into: Map<number, Buffer[]>): number | undefined {
  let overload: number | undefined;
  let i = 0;
  while (i < area.length) {
    const code = area[i]!;
    if (code === Opt.pad) {
      i++;
      continue;
    }
    if (code === Opt.end) return overload;
    if (i + 1 >= area.length)
      throw new Dhcp4DecodeError('truncated-option', `option ${code} in ${where} has no length`);
    const len = area[i + 1]!;
    if (i + 2 + len > area.length)
      throw new Dhcp4DecodeError(
        'truncated-option',
        `option ${code} in ${where} claims ${len} bytes past the end`,
      );
    const val = area.subarray(i + 2, i + 2 + len);
    if (code === Opt.overload) {
      if (len !== 1 || val[0]! < 1 || val[0]! > 3)
        throw new Dhcp4DecodeError('bad-overload', `option 52 in ${where} must be one byte 1..3`);
      overload = val[0];
    } else {
      const list = into.get(code);
      if (list) list.push(val);
      else into.set(code, [val]);
    }
    i += 2 + len;
  }
  return overload; // a missing END is tolerated: several ROMs omit it when the packet is full
}

export function decode(buf: Buffer): Dhcp4Packet {
  if (buf.length < OPTIONS_START)
    throw new Dhcp4DecodeError('short', `${buf.length} bytes, need ≥ ${OPTIONS_START}`);
  const op = buf[0]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new Dhcp4DecodeError('bad-op', `op ${op}`);
  const hlen = buf[2]!;
  if (hlen > 16) throw new Dhcp4DecodeError('bad-hlen', `hlen ${hlen} > 16`);
  if (buf.readUInt32BE(HEADER_LEN) !== MAGIC_COOKIE)
    throw new Dhcp4DecodeError('no-cookie', 'not a DHCP packet');

  const parts = new Map<number, Buffer[]>();
  // RFC 3396 §7: instances are concatenated in the order options field, file, sname.
  const overload = parseOptionArea(buf.subarray(OPTIONS_START), 'options', parts) ?? 0;
  const fileField = buf.subarray(FILE_OFF, FILE_OFF + FILE_LEN);
  const snameField = buf.subarray(SNAME_OFF, SNAME_OFF + SNAME_LEN);
  if (overload & 1) parseOptionArea(fileField, 'file', parts);
  if (overload & 2) parseOptionArea(snameField, 'sname', parts);

  const options = new Map<number, Buffer>();
  for (const [code, vals] of parts) options.set(code, vals.length === 1 ? vals[0]! : Buffer.concat(vals));
  const mt = options.get(Opt.messageType);
  if (!mt || mt.length !== 1)
    throw new Dhcp4DecodeError('no-message-type', 'option 53 missing or not one byte');

  return {
    op,
    htype: buf[1]!,
    hlen,
    hops: buf[3]!,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: readIp(buf, 12),
    yiaddr: readIp(buf, 16),
    siaddr: readIp(buf, 20),
    giaddr: readIp(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 44)),
    sname: overload & 2 ? '' : readCString(snameField),
    file: overload & 1 ? '' : readCString(fileField),
    options,
  };
}

function writeIp(b: Buffer, off: number, ip: string): void {
  const p = ip.split('.');
  for (let i = 0; i < 4; i++) b[off + i] = Number(p[i]) & 0xff;
}

/** Wire size of an option when split into 255-byte instances (RFC 3396). */
function wireSize(val: Buffer): number {
  return val.length + 2 * Math.max(1, Math.ceil(val.length / 255));
}

/**
 * Encodes a packet. Options go into the options field; when they do not fit in `maxSize`, the rest
 * overflows into `file` and then `sname` (only if those are empty) and option 52 says so. An option
 * may be cut across fields: RFC 3396 instances are rejoined in the order options, file, sname.
 * Throws RangeError when the packet cannot be made to fit — a bug in the caller, not bad input.
 */
export function encode(p: Dhcp4Packet, maxSize = DEFAULT_MAX_MESSAGE): Buffer {
  let total = 0;
  for (const [code, val] of p.options) if (isEncoded(code)) total += wireSize(val);
  const mainRoom = Math.max(maxSize, MIN_REPLY_LEN) - OPTIONS_START - 1;
  // Nearly every reply fits in the options field: it is written straight into the packet. Only an
  // oversized one takes the overload path below, which lays options out over several fields.
  if (total <= mainRoom) {
    const buf = Buffer.alloc(Math.max(OPTIONS_START + total + 1, MIN_REPLY_LEN));
    let off = OPTIONS_START;
    for (const [code, val] of p.options) if (isEncoded(code)) off = writeOption(buf, off, code, val);
    buf[off] = Opt.end;
    writeHeader(buf, p, undefined, undefined);
    return buf;
  }
  const opts = [...p.options].filter(([code]) => isEncoded(code));
  const fields: { room: number; items: Buffer[] }[] = [{ room: mainRoom - 3, items: [] }]; // room for option 52
  if (!p.file) fields.push({ room: FILE_LEN - 1, items: [] });
  if (!p.sname) fields.push({ room: SNAME_LEN - 1, items: [] });
  let fi = 0;
  for (const [code, val] of opts) {
    let off = 0;
    do {
      // fields are filled in order and never revisited, which keeps RFC 3396's concatenation order
      while (fi < fields.length && fields[fi]!.room < Math.min(3, 2 + val.length)) fi++;
      const field = fields[fi];
      if (!field) throw new RangeError(`DHCPv4 reply does not fit in ${maxSize} bytes`);
      const n = Math.min(255, field.room - 2, val.length - off);
      field.items.push(Buffer.from([code, n]), val.subarray(off, off + n));
      field.room -= 2 + n;
      off += n;
    } while (off < val.length);
  }
  const fileUsed = !p.file && fields.length > 1 && fields[1]!.items.length > 0;
  const snameIdx = p.file ? 1 : 2;
  const snameUsed = !p.sname && (fields[snameIdx]?.items.length ?? 0) > 0;
  const overload = (fileUsed ? 1 : 0) | (snameUsed ? 2 : 0);

  const main = Buffer.concat([
    ...(overload ? [Buffer.from([Opt.overload, 1, overload])] : []),
    ...fields[0]!.items,
    Buffer.from([Opt.end]),
  ]);
  const buf = Buffer.alloc(Math.max(OPTIONS_START + main.length, MIN_REPLY_LEN));
  writeHeader(
    buf,
    p,
    snameUsed ? fields[snameIdx]!.items : undefined,
    fileUsed ? fields[1]!.items : undefined,
  );
  main.copy(buf, OPTIONS_START);
  return buf;
}

/** Options the encoder writes itself (pad, end and overload) are never copied from the packet. */
function isEncoded(code: number): boolean {
  return code !== Opt.pad && code !== Opt.end && code !== Opt.overload;
}

/** Writes one option at `off`, split into 255-byte instances (RFC 3396); returns the next offset. */
function writeOption(buf: Buffer, off: number, code: number, val: Buffer): number {
  let from = 0;
  do {
    const n = Math.min(255, val.length - from);
    buf[off] = code;
    buf[off + 1] = n;
    val.copy(buf, off + 2, from, from + n);
    off += 2 + n;
    from += n;
  } while (from < val.length);
  return off;
}

/** The fixed BOOTP header and the magic cookie; `sname`/`file` carry overloaded options when given. */
function writeHeader(buf: Buffer, p: Dhcp4Packet, snameOpts?: Buffer[], fileOpts?: Buffer[]): void {
  buf[0] = p.op;
  buf[1] = p.htype;
  buf[2] = p.hlen;
  buf[3] = p.hops;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs & 0xffff, 8);
  buf.writeUInt16BE(p.flags & 0xffff, 10);
  writeIp(buf, 12, p.ciaddr);
  writeIp(buf, 16, p.yiaddr);
  writeIp(buf, 20, p.siaddr);
  writeIp(buf, 24, p.giaddr);
  p.chaddr.copy(buf, 28, 0, 16);
  writeField(buf, SNAME_OFF, SNAME_LEN, 'sname', p.sname, snameOpts);
  writeField(buf, FILE_OFF, FILE_LEN, 'file', p.file, fileOpts);
  buf.writeUInt32BE(MAGIC_COOKIE, HEADER_LEN);
}

function writeField(
  buf: Buffer,
  off: number,
  len: number,
  name: string,
  text: string,
  opts?: Buffer[],
): void {
  if (opts) {
    Buffer.concat([...opts, Buffer.from([Opt.end])]).copy(buf, off);
    return;
  }
  // latin1 is one byte per character, so the length check needs no encoded copy
  if (text.length >= len) throw new RangeError(`${name} "${text}" is ${text.length} bytes (max ${len - 1})`);
  if (text) buf.write(text, off, 'latin1');
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A client's BOOTREQUEST from an Ethernet MAC: the header fields a client leaves at zero are zero. */
export function bootRequest(f: {
  mac: string;
  xid: number;
  options: Map<number, Buffer>;
  flags?: number;
  ciaddr?: string;
  secs?: number;
}): Dhcp4Packet {
  const chaddr = Buffer.alloc(16);
  Buffer.from(f.mac.replace(/[:-]/g, ''), 'hex').copy(chaddr);
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: f.xid,
    secs: f.secs ?? 0,
    flags: f.flags ?? 0,
    ciaddr: f.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    sname: '',
    file: '',
    options: f.options,
  };
}

/** The client's MAC from chaddr, when it is Ethernet (htype 1, hlen 6); recon keys nodes by it. */
export function clientMac(p: Dhcp4Packet): string | undefined {
  if (p.htype !== 1 || p.hlen !== 6) return undefined;
  const c = p.chaddr;
  return `${HEX_BYTE[c[0]!]}:${HEX_BYTE[c[1]!]}:${HEX_BYTE[c[2]!]}:${HEX_BYTE[c[3]!]}:${HEX_BYTE[c[4]!]}:${HEX_BYTE[c[5]!]}`;
}

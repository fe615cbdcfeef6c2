// TFTP packets (RFC 1350, options RFC 2347): decode and encode, pure. Bad input → TftpDecodeError.
export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes (8: option negotiation refused / "user aborted", RFC 2347). */
export const ERR = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  DISK_FULL: 3,
  ILLEGAL_OP: 4,
  UNKNOWN_TID: 5,
  EXISTS: 6,
  NO_USER: 7,
  OPTION: 8,
} as const;

export type TftpPacket =
  | { op: typeof OP.RRQ | typeof OP.WRQ; file: string; mode: string; options: Map<string, string> }
  | { op: typeof OP.DATA; block: number; data: Buffer }
  | { op: typeof OP.ACK; block: number }
  | { op: typeof OP.ERROR; code: number; message: string }
  | { op: typeof OP.OACK; options: Map<string, string> };

export class TftpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TftpDecodeError';
  }
}

/** Splits NUL-terminated strings; the packet must end with a NUL. */
function strings(buf: Buffer, from: number): string[] {
  if (buf.length === from) return [];
  if (buf[buf.length - 1] !== 0) throw new TftpDecodeError('strings not NUL-terminated');
  return buf
    .subarray(from, buf.length - 1)
    .toString('latin1')
    .split('\0');
}

/** Options as lower-case name → value; the first occurrence of a name wins. */
function optionMap(list: string[]): Map<string, string> {
  if (list.length % 2 !== 0) throw new TftpDecodeError('option without a value');
  const out = new Map<string, string>();
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!.toLowerCase();
    if (name === '') throw new TftpDecodeError('empty option name');
    if (!out.has(name)) out.set(name, list[i + 1]!);
  }
  return out;
}

export function decode(buf: Buffer): TftpPacket {
  if (buf.length < 4) throw new TftpDecodeError(`packet of ${buf.length} bytes`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case OP.RRQ:
    case OP.WRQ: {
      const [file, mode, ...rest] = strings(buf, 2);
      if (!file) throw new TftpDecodeError('request without a file name');
      if (mode === undefined || mode === '') throw new TftpDecodeError('request without a mode');
      return { op, file, mode: mode.toLowerCase(), options: optionMap(rest) };
    }
    case OP.DATA:
      return { op, block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case OP.ACK:
      if (buf.length !== 4) throw new TftpDecodeError('ACK with trailing bytes');
      return { op, block: buf.readUInt16BE(2) };
    case OP.ERROR: {
      const end = buf.indexOf(0, 4);
      const message = buf.subarray(4, end < 0 ? buf.length : end).toString('latin1');
      return { op, code: buf.readUInt16BE(2), message };
    }
    case OP.OACK:
      return { op, options: optionMap(strings(buf, 2)) };
    default:
      throw new TftpDecodeError(`unknown opcode ${op}`);
  }
}

const cstrings = (parts: string[]) => Buffer.from(parts.map((p) => `${p}\0`).join(''), 'latin1');

export function encodeRequest(
  op: typeof OP.RRQ | typeof OP.WRQ,
  file: string,
  mode = 'octet',
  options: Record<string, string> = {},
): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(op);
  return Buffer.concat([head, cstrings([file, mode, ...Object.entries(options).flat()])]);
}

/** The 4 bytes in front of a DATA payload (block numbers past 65535 roll over to 0). */
export function dataHeader(block: number, out = Buffer.allocUnsafe(4)): Buffer {
  out.writeUInt16BE(OP.DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
}

export function encodeData(block: number, data: Buffer): Buffer {
  return Buffer.concat([dataHeader(block), data]);
}

export function encodeAck(block: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(OP.ACK, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
}

export function encodeError(code: number, message: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(OP.ERROR, 0);
  head.writeUInt16BE(code, 2);
  return Buffer.concat([head, cstrings([message])]);
}

export function encodeOack(options: Record<string, string>): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(OP.OACK);
  return Buffer.concat([head, cstrings(Object.entries(options).flat())]);
}

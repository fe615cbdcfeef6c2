// Strict decoder for DNS queries (RFC 1035 §4.1, EDNS RFC 6891). Pure: buffer in, query or typed error out.
//
// Why recon decodes queries itself instead of using dns2's Packet.parse: dns2 walks every section count
// from the header and swallows each failure, so a 12-byte packet claiming 65 535 records in each section
// costs ~1.2 s of CPU (measured) — one datagram stalls the server. An authoritative server needs only
// the header, one question and an optional OPT record, and can check every length against the buffer.
// dns2 is still used to *encode* responses (see response.ts).

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const QTYPE = { A: 1, NS: 2, SOA: 6, PTR: 12, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const QCLASS = { IN: 1, ANY: 255 } as const;

export interface DnsQuery {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  /** the question name as sent (case kept, no trailing dot; "" is the root) */
  name: string;
  type: number;
  class: number;
  /** the requestor's UDP payload size when an OPT record was present */
  ednsUdpSize?: number;
}

/**
 * Why a packet is not an answerable query. `reply` says whether a FORMERR/NOTIMP header-only
 * reply may be sent (a packet that is not even a query header is dropped silently).
 */
export class DnsDecodeError extends Error {
  constructor(
    message: string,
    readonly reply: 'drop' | 'formerr' | 'notimp',
    readonly id?: number,
  ) {
    super(message);
    this.name = 'DnsDecodeError';
  }
}

const MAX_NAME = 255;

/** Reads a (possibly compressed) name at `offset`; returns the labels and the offset after it. */
function readName(buf: Buffer, offset: number, id: number): { labels: string[]; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let octets = 1;
  let jumps = 0;
  for (;;) {
    const len = buf[pos];
    if (len === undefined) throw new DnsDecodeError('name runs past the end', 'formerr', id);
    if ((len & 0xc0) === 0xc0) {
      const lo = buf[pos + 1];
      if (lo === undefined) throw new DnsDecodeError('pointer runs past the end', 'formerr', id);
      const target = ((len & 0x3f) << 8) | lo;
      // a pointer must point backwards; that alone rules out loops, the jump cap is belt and braces
      if (target >= pos || ++jumps > 64) throw new DnsDecodeError('bad compression pointer', 'formerr', id);
      if (next < 0) next = pos + 2;
      pos = target;
      continue;
    }
    if (len & 0xc0) throw new DnsDecodeError(`reserved label type 0x${len.toString(16)}`, 'formerr', id);
    if (len === 0) break;
    octets += len + 1;
    if (octets > MAX_NAME) throw new DnsDecodeError('name longer than 255 octets', 'formerr', id);
    if (pos + 1 + len > buf.length) throw new DnsDecodeError('label runs past the end', 'formerr', id);
    const label = buf.subarray(pos + 1, pos + 1 + len);
    // only printable ASCII without dots: the name must survive being echoed back as text
    for (const c of label) {
      if (c < 0x21 || c > 0x7e || c === 0x2e)
        throw new DnsDecodeError('label with unprintable octet', 'formerr', id);
    }
    labels.push(label.toString('latin1'));
    pos += 1 + len;
  }
  return { labels, next: next < 0 ? pos + 1 : next };
}

/** Skips one resource record; returns its type, class, TTL and the offset after it. */
function readRecordHead(buf: Buffer, offset: number, id: number) {
  const { next } = readName(buf, offset, id);
  if (next + 10 > buf.length) throw new DnsDecodeError('record header runs past the end', 'formerr', id);
  const type = buf.readUInt16BE(next);
  const cls = buf.readUInt16BE(next + 2);
  const rdlen = buf.readUInt16BE(next + 8);
  const end = next + 10 + rdlen;
  if (end > buf.length) throw new DnsDecodeError('record data runs past the end', 'formerr', id);
  return { type, cls, end, ownerIsRoot: buf[offset] === 0 };
}

/** Decodes one query. Throws DnsDecodeError for anything a strict authoritative server should not answer. */
export function decodeQuery(buf: Buffer): DnsQuery {
  if (buf.length < 12) throw new DnsDecodeError('shorter than a DNS header', 'drop');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) throw new DnsDecodeError('a response, not a query', 'drop', id);
  const opcode = (flags >> 11) & 0xf;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  // an authoritative server for one isolated zone answers QUERY only; NOTIFY, UPDATE, STATUS and the
  // obsolete IQUERY get the NOTIMP answer RFC 1035 §4.1.1 defines for them
  if (opcode !== 0) throw new DnsDecodeError(`opcode ${opcode}: only QUERY is served`, 'notimp', id);
  if (qd !== 1) throw new DnsDecodeError(`${qd} questions (exactly one expected)`, 'formerr', id);
  if (an !== 0 || ns !== 0) throw new DnsDecodeError('query with answer/authority records', 'formerr', id);
  if (ar > 1) throw new DnsDecodeError(`${ar} additional records (at most one OPT expected)`, 'formerr', id);
  const q = readName(buf, 12, id);
  if (q.next + 4 > buf.length) throw new DnsDecodeError('question runs past the end', 'formerr', id);
  const query: DnsQuery = {
    id,
    opcode,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
    name: q.labels.join('.'),
    type: buf.readUInt16BE(q.next),
    class: buf.readUInt16BE(q.next + 2),
  };
  let end = q.next + 4;
  if (ar === 1) {
    const rr = readRecordHead(buf, end, id);
    if (rr.type !== QTYPE.OPT || !rr.ownerIsRoot)
      throw new DnsDecodeError('additional record is not OPT', 'formerr', id);
    query.ednsUdpSize = Math.max(512, rr.cls);
    end = rr.end;
  }
  if (end !== buf.length) throw new DnsDecodeError('trailing bytes after the message', 'formerr', id);
  return query;
}

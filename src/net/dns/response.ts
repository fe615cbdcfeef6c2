// Encodes DNS responses with dns2's Packet writer (name compression, rdata encoders). Pure.
import dns2 from 'dns2';
import type { DnsQuery } from './query.js';
import type { Answer, ResourceRecord } from './zone.js';

const { Packet } = dns2;

/** What recon advertises in its own OPT record: the common "no fragmentation" size (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
const PLAIN_UDP_LIMIT = 512;

type Transport = 'udp' | 'tcp';

type Bit = 0 | 1;
const bit = (b: boolean): Bit => (b ? 1 : 0);

function header(id: number, rcode: number, flags: { aa?: Bit; rd?: Bit; cd?: Bit; tc?: Bit } = {}) {
  // cd is not in dns2's Header type but its encoder writes it
  return new Packet.Header({ id, qr: 1, opcode: 0, rcode, ...flags } as Partial<dns2.Packet.Header>);
}

function toResource(r: ResourceRecord): dns2.Packet.Resource {
  return new Packet.Resource({ ...r, class: 1 });
}

/** A header-only reply (FORMERR/NOTIMP to packets whose question cannot be trusted). */
export function encodeBareError(id: number, rcode: number): Buffer {
  const p = new Packet();
  p.header = header(id, rcode);
  return p.toBuffer();
}

/**
 * The reply to a decoded query. Over UDP the reply must fit the requestor's size (512 without EDNS);
 * if it does not, the records are dropped and TC is set so the client retries over TCP.
 */
export function encodeAnswer(q: DnsQuery, a: Answer, transport: Transport): Buffer {
  const p = new Packet();
  const flags = { aa: bit(a.authoritative), rd: bit(q.rd), cd: bit(q.cd) };
  p.header = header(q.id, a.rcode, flags);
  // set type/class after construction: dns2's constructor turns a 0 into ANY, and the question is echoed verbatim
  const question = new Packet.Question(q.name);
  question.type = q.type;
  question.class = q.class;
  p.questions = [question];
  p.answers = a.answers.map(toResource);
  p.authorities = a.authorities.map(toResource);
  p.additionals = a.additionals.map(toResource);
  if (q.ednsUdpSize !== undefined) {
    const opt = Packet.Resource.EDNS([]);
    opt.class = EDNS_UDP_SIZE;
    p.additionals.push(opt);
  }
  const buf = p.toBuffer();
  const limit = q.ednsUdpSize !== undefined ? Math.min(q.ednsUdpSize, EDNS_UDP_SIZE) : PLAIN_UDP_LIMIT;
  if (transport === 'tcp' || buf.length <= limit) return buf;
  const t = new Packet();
  t.header = header(q.id, a.rcode, { ...flags, tc: 1 });
  t.questions = p.questions;
  return t.toBuffer();
}

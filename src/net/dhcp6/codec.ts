// DHCPv6 messages (RFC 8415 §8, §9): client/server messages (type, 24-bit transaction id, options)
// and relay messages (type, hop count, link address, peer address, options). Pure encode/decode;
// decode is strict and throws only Dhcp6DecodeError.
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';
import { Dhcp6DecodeError } from './errors.js';
import { decodeOptions, encodeOptions, type Dhcp6Option, type MessageCodec } from './options.js';

export const MessageType = {
  SOLICIT: 1,
  ADVERTISE: 2,
  REQUEST: 3,
  CONFIRM: 4,
  RENEW: 5,
  REBIND: 6,
  REPLY: 7,
  RELEASE: 8,
  DECLINE: 9,
  RECONFIGURE: 10,
  INFORMATION_REQUEST: 11,
  RELAY_FORW: 12,
  RELAY_REPL: 13,
} as const;
export type MessageTypeName = keyof typeof MessageType;
type RelayType = typeof MessageType.RELAY_FORW | typeof MessageType.RELAY_REPL;
type ClientServerType = Exclude<(typeof MessageType)[MessageTypeName], RelayType>;

export interface Dhcp6ClientServerMessage {
  type: ClientServerType;
  transactionId: number;
  options: Dhcp6Option[];
}

export interface Dhcp6RelayMessage {
  type: RelayType;
  hopCount: number;
  linkAddress: string;
  peerAddress: string;
  options: Dhcp6Option[];
}

export type Dhcp6Message = Dhcp6ClientServerMessage | Dhcp6RelayMessage;

/** RFC 8415 §7.6 HOP_COUNT_LIMIT: no legitimate message nests deeper than this. */
export const MAX_RELAY_DEPTH = 32;

const NAMES = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]),
);

export function messageTypeName(type: number): MessageTypeName | undefined {
  return NAMES.get(type);
}

export function isRelay(m: Dhcp6Message): m is Dhcp6RelayMessage {
  return m.type === MessageType.RELAY_FORW || m.type === MessageType.RELAY_REPL;
}

const codec: MessageCodec = { decode: decodeAt, encode: encodeDhcp6 };

function decodeAt(buf: Buffer, depth: number): Dhcp6Message {
  if (depth > MAX_RELAY_DEPTH)
    throw new Dhcp6DecodeError('too-deep', `relay messages nested more than ${MAX_RELAY_DEPTH} deep`);
  if (buf.length < 4) throw new Dhcp6DecodeError('truncated', `message of ${buf.length} bytes`);
  const type = buf[0]!;
  if (!NAMES.has(type)) throw new Dhcp6DecodeError('bad-type', `unknown message type ${type}`);
  if (type === MessageType.RELAY_FORW || type === MessageType.RELAY_REPL) {
    if (buf.length < 34) throw new Dhcp6DecodeError('truncated', `relay message of ${buf.length} bytes`);
    return {
      type,
      hopCount: buf[1]!,
      linkAddress: bytesToIpv6(buf.subarray(2, 18)),
      peerAddress: bytesToIpv6(buf.subarray(18, 34)),
      options: decodeOptions(buf.subarray(34), codec, depth),
    };
  }
  return {
    type: type as ClientServerType,
    transactionId: buf.readUIntBE(1, 3),
    options: decodeOptions(buf.subarray(4), codec, depth),
  };
}

/** Decodes one UDP payload. Throws Dhcp6DecodeError (and nothing else) on malformed input. */
export function decodeDhcp6(buf: Buffer): Dhcp6Message {
  return decodeAt(buf, 0);
}

export function encodeDhcp6(msg: Dhcp6Message): Buffer {
  const options = encodeOptions(msg.options, codec);
  if (isRelay(msg)) {
    const head = Buffer.alloc(34);
    head[0] = msg.type;
    head[1] = msg.hopCount;
    ipv6ToBytes(msg.linkAddress).copy(head, 2);
    ipv6ToBytes(msg.peerAddress).copy(head, 18);
    return Buffer.concat([head, options]);
  }
  const head = Buffer.alloc(4);
  head[0] = msg.type;
  head.writeUIntBE(msg.transactionId & 0xffffff, 1, 3);
  return Buffer.concat([head, options]);
}

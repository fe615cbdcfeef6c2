// DHCPv6 options (RFC 8415, 3646 DNS, 5970 boot file URL/params/client arch, 6939 client link-layer
// address) as a typed union, with strict per-option decoders and encoders. Options recon does not
// know stay as raw bytes so a message always re-encodes to the bytes it came from.
import { bytesToIpv6, ipv6ToBytes } from '../../shared/ip.js';
import { Dhcp6DecodeError } from './errors.js';
import type { Dhcp6Message } from './codec.js';

export const OptionCode = {
  clientId: 1,
  serverId: 2,
  iaNa: 3,
  iaAddr: 5,
  oro: 6,
  preference: 7,
  elapsedTime: 8,
  relayMessage: 9,
  statusCode: 13,
  rapidCommit: 14,
  userClass: 15,
  vendorClass: 16,
  interfaceId: 18,
  dnsServers: 23,
  domainList: 24,
  bootfileUrl: 59,
  bootfileParams: 60,
  clientArch: 61,
  clientLinkLayer: 79,
} as const;

export const StatusCode = {
  Success: 0,
  UnspecFail: 1,
  NoAddrsAvail: 2,
  NoBinding: 3,
  NotOnLink: 4,
  UseMulticast: 5,
} as const;

export type Dhcp6Option =
  | { kind: 'clientId'; duid: Buffer }
  | { kind: 'serverId'; duid: Buffer }
  | { kind: 'iaNa'; iaid: number; t1: number; t2: number; options: Dhcp6Option[] }
  | { kind: 'iaAddr'; address: string; preferred: number; valid: number; options: Dhcp6Option[] }
  | { kind: 'oro'; codes: number[] }
  | { kind: 'preference'; value: number }
  | { kind: 'elapsedTime'; centiseconds: number }
  | { kind: 'relayMessage'; message: Dhcp6Message }
  | { kind: 'statusCode'; status: number; message: string }
  | { kind: 'rapidCommit' }
  | { kind: 'userClass'; classes: Buffer[] }
  | { kind: 'vendorClass'; enterprise: number; data: Buffer[] }
  | { kind: 'interfaceId'; id: Buffer }
  | { kind: 'dnsServers'; addresses: string[] }
  | { kind: 'domainList'; domains: string[] }
  | { kind: 'bootfileUrl'; url: string }
  | { kind: 'bootfileParams'; params: string[] }
  | { kind: 'clientArch'; archs: number[] }
  | { kind: 'clientLinkLayer'; hwType: number; address: Buffer }
  | { kind: 'unknown'; code: number; data: Buffer };

export type OptionKind = Dhcp6Option['kind'];
export type OptionOf<K extends OptionKind> = Extract<Dhcp6Option, { kind: K }>;

/** The inner-message codec, injected by codec.ts (relay messages nest whole DHCPv6 messages). */
export interface MessageCodec {
  decode(buf: Buffer, depth: number): Dhcp6Message;
  encode(msg: Dhcp6Message): Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function text(code: number, data: Buffer): string {
  try {
    return utf8.decode(data);
  } catch {
    throw new Dhcp6DecodeError('bad-text', `option ${code}: not valid UTF-8`);
  }
}

function expectLength(code: number, data: Buffer, ok: boolean, what: string): void {
  if (!ok)
    throw new Dhcp6DecodeError('bad-length', `option ${code}: length ${data.length}, expected ${what}`);
}

/** Splits an option's data into its 16-bit-length-prefixed items (user/vendor class, boot params). */
function lengthPrefixed(code: number, data: Buffer, from = 0): Buffer[] {
  const out: Buffer[] = [];
  let i = from;
  while (i < data.length) {
    if (i + 2 > data.length) throw new Dhcp6DecodeError('truncated', `option ${code}: item length cut short`);
    const len = data.readUInt16BE(i);
    if (i + 2 + len > data.length)
      throw new Dhcp6DecodeError('truncated', `option ${code}: item overruns the option`);
    out.push(data.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

function addresses(code: number, data: Buffer): string[] {
  expectLength(code, data, data.length % 16 === 0, 'a multiple of 16');
  const out: string[] = [];
  for (let i = 0; i < data.length; i += 16) out.push(bytesToIpv6(data.subarray(i, i + 16)));
  return out;
}

/** RFC 1035 labels without compression (RFC 8415 §10). */
function domainNames(code: number, data: Buffer): string[] {
  const out: string[] = [];
  let labels: string[] = [];
  let i = 0;
  while (i < data.length) {
    const len = data[i]!;
    if (len === 0) {
      out.push(labels.join('.'));
      labels = [];
      i++;
      continue;
    }
    if (len > 63)
      throw new Dhcp6DecodeError(
        'bad-domain',
        `option ${code}: label length ${len} (compression is not allowed)`,
      );
    if (i + 1 + len > data.length)
      throw new Dhcp6DecodeError('truncated', `option ${code}: label overruns the option`);
    const label = data.subarray(i + 1, i + 1 + len).toString('latin1');
    if (!/^[\x21-\x2d\x2f-\x7e]+$/.test(label))
      throw new Dhcp6DecodeError('bad-domain', `option ${code}: label with unprintable characters or dots`);
    labels.push(label);
    i += 1 + len;
  }
  if (labels.length)
    throw new Dhcp6DecodeError('bad-domain', `option ${code}: name without its terminating zero`);
  return out;
}

/** Decodes the options area `buf` (a message body or an IA's nested options). */
export function decodeOptions(buf: Buffer, codec: MessageCodec, depth: number): Dhcp6Option[] {
  const out: Dhcp6Option[] = [];
  let i = 0;
  while (i < buf.length) {
    if (i + 4 > buf.length) throw new Dhcp6DecodeError('truncated', `option header cut short at byte ${i}`);
    const code = buf.readUInt16BE(i);
    const len = buf.readUInt16BE(i + 2);
    if (i + 4 + len > buf.length)
      throw new Dhcp6DecodeError(
        'truncated',
        `option ${code}: length ${len} overruns the message at byte ${i}`,
      );
    out.push(decodeOption(code, buf.subarray(i + 4, i + 4 + len), codec, depth));
    i += 4 + len;
  }
  return out;
}

function decodeOption(code: number, d: Buffer, codec: MessageCodec, depth: number): Dhcp6Option {
  switch (code) {
    case OptionCode.clientId:
    case OptionCode.serverId:
      // RFC 8415 §11.1: a DUID is a 2-byte type and at most 128 bytes of identifier
      expectLength(code, d, d.length >= 3 && d.length <= 130, '3..130');
      return code === OptionCode.clientId
        ? { kind: 'clientId', duid: Buffer.from(d) }
        : { kind: 'serverId', duid: Buffer.from(d) };
    case OptionCode.iaNa:
      expectLength(code, d, d.length >= 12, 'at least 12');
      return {
        kind: 'iaNa',
        iaid: d.readUInt32BE(0),
        t1: d.readUInt32BE(4),
        t2: d.readUInt32BE(8),
        options: decodeOptions(d.subarray(12), codec, depth),
      };
    case OptionCode.iaAddr:
      expectLength(code, d, d.length >= 24, 'at least 24');
      return {
        kind: 'iaAddr',
        address: bytesToIpv6(d.subarray(0, 16)),
        preferred: d.readUInt32BE(16),
        valid: d.readUInt32BE(20),
        options: decodeOptions(d.subarray(24), codec, depth),
      };
    case OptionCode.oro: {
      expectLength(code, d, d.length % 2 === 0, 'even');
      const codes: number[] = [];
      for (let i = 0; i < d.length; i += 2) codes.push(d.readUInt16BE(i));
      return { kind: 'oro', codes };
    }
    case OptionCode.preference:
      expectLength(code, d, d.length === 1, '1');
      return { kind: 'preference', value: d[0]! };
    case OptionCode.elapsedTime:
      expectLength(code, d, d.length === 2, '2');
      return { kind: 'elapsedTime', centiseconds: d.readUInt16BE(0) };
    case OptionCode.relayMessage:
      return { kind: 'relayMessage', message: codec.decode(Buffer.from(d), depth + 1) };
    case OptionCode.statusCode:
      expectLength(code, d, d.length >= 2, 'at least 2');
      return { kind: 'statusCode', status: d.readUInt16BE(0), message: text(code, d.subarray(2)) };
    case OptionCode.rapidCommit:
      expectLength(code, d, d.length === 0, '0');
      return { kind: 'rapidCommit' };
    case OptionCode.userClass:
      return { kind: 'userClass', classes: lengthPrefixed(code, d).map((b) => Buffer.from(b)) };
    case OptionCode.vendorClass:
      expectLength(code, d, d.length >= 4, 'at least 4');
      return {
        kind: 'vendorClass',
        enterprise: d.readUInt32BE(0),
        data: lengthPrefixed(code, d, 4).map((b) => Buffer.from(b)),
      };
    case OptionCode.interfaceId:
      return { kind: 'interfaceId', id: Buffer.from(d) };
    case OptionCode.dnsServers:
      return { kind: 'dnsServers', addresses: addresses(code, d) };
    case OptionCode.domainList:
      return { kind: 'domainList', domains: domainNames(code, d) };
    case OptionCode.bootfileUrl:
      expectLength(code, d, d.length > 0, 'at least 1');
      return { kind: 'bootfileUrl', url: text(code, d) };
    case OptionCode.bootfileParams:
      return { kind: 'bootfileParams', params: lengthPrefixed(code, d).map((b) => text(code, b)) };
    case OptionCode.clientArch: {
      expectLength(code, d, d.length >= 2 && d.length % 2 === 0, 'a non-zero even number');
      const archs: number[] = [];
      for (let i = 0; i < d.length; i += 2) archs.push(d.readUInt16BE(i));
      return { kind: 'clientArch', archs };
    }
    case OptionCode.clientLinkLayer:
      expectLength(code, d, d.length >= 3, 'at least 3');
      return { kind: 'clientLinkLayer', hwType: d.readUInt16BE(0), address: Buffer.from(d.subarray(2)) };
    default:
      return { kind: 'unknown', code, data: Buffer.from(d) };
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32s(...ns: number[]): Buffer {
  const b = Buffer.alloc(4 * ns.length);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
}

function prefixedItems(items: Buffer[]): Buffer {
  return Buffer.concat(items.flatMap((b) => [u16(b.length), b]));
}

function encodeDomains(domains: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const name of domains) {
    for (const label of name.split('.').filter(Boolean)) {
      const b = Buffer.from(label, 'latin1');
      if (b.length > 63) throw new RangeError(`domain label too long: ${label}`);
      parts.push(Buffer.from([b.length]), b);
    }
    parts.push(Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

function optionData(o: Dhcp6Option, codec: MessageCodec): { code: number; data: Buffer } {
  switch (o.kind) {
    case 'clientId':
    case 'serverId':
      return { code: OptionCode[o.kind], data: o.duid };
    case 'iaNa':
      return {
        code: OptionCode.iaNa,
        data: Buffer.concat([u32s(o.iaid, o.t1, o.t2), encodeOptions(o.options, codec)]),
      };
    case 'iaAddr':
      return {
        code: OptionCode.iaAddr,
        data: Buffer.concat([
          ipv6ToBytes(o.address),
          u32s(o.preferred, o.valid),
          encodeOptions(o.options, codec),
        ]),
      };
    case 'oro':
      return { code: OptionCode.oro, data: Buffer.concat(o.codes.map(u16)) };
    case 'preference':
      return { code: OptionCode.preference, data: Buffer.from([o.value]) };
    case 'elapsedTime':
      return { code: OptionCode.elapsedTime, data: u16(o.centiseconds) };
    case 'relayMessage':
      return { code: OptionCode.relayMessage, data: codec.encode(o.message) };
    case 'statusCode':
      return {
        code: OptionCode.statusCode,
        data: Buffer.concat([u16(o.status), Buffer.from(o.message, 'utf8')]),
      };
    case 'rapidCommit':
      return { code: OptionCode.rapidCommit, data: Buffer.alloc(0) };
    case 'userClass':
      return { code: OptionCode.userClass, data: prefixedItems(o.classes) };
    case 'vendorClass':
      return {
        code: OptionCode.vendorClass,
        data: Buffer.concat([u32s(o.enterprise), prefixedItems(o.data)]),
      };
    case 'interfaceId':
      return { code: OptionCode.interfaceId, data: o.id };
    case 'dnsServers':
      return { code: OptionCode.dnsServers, data: Buffer.concat(o.addresses.map(ipv6ToBytes)) };
    case 'domainList':
      return { code: OptionCode.domainList, data: encodeDomains(o.domains) };
    case 'bootfileUrl':
      return { code: OptionCode.bootfileUrl, data: Buffer.from(o.url, 'utf8') };
    case 'bootfileParams':
      return {
        code: OptionCode.bootfileParams,
        data: prefixedItems(o.params.map((p) => Buffer.from(p, 'utf8'))),
      };
    case 'clientArch':
      return { code: OptionCode.clientArch, data: Buffer.concat(o.archs.map(u16)) };
    case 'clientLinkLayer':
      return { code: OptionCode.clientLinkLayer, data: Buffer.concat([u16(o.hwType), o.address]) };
    case 'unknown':
      return { code: o.code, data: o.data };
  }
}

export function encodeOptions(options: Dhcp6Option[], codec: MessageCodec): Buffer {
  const parts: Buffer[] = [];
  for (const o of options) {
    const { code, data } = optionData(o, codec);
    if (data.length > 0xffff) throw new RangeError(`option ${code} is ${data.length} bytes, more than 65535`);
    parts.push(u16(code), u16(data.length), data);
  }
  return Buffer.concat(parts);
}

/** The first option of a kind, typed. */
export function findOption<K extends OptionKind>(options: Dhcp6Option[], kind: K): OptionOf<K> | undefined {
  return options.find((o): o is OptionOf<K> => o.kind === kind);
}

export function findOptions<K extends OptionKind>(options: Dhcp6Option[], kind: K): OptionOf<K>[] {
  return options.filter((o): o is OptionOf<K> => o.kind === kind);
}

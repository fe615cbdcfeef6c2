// DHCPv4 option codes and the typed readers/writers for the options recon looks inside
// (RFC 2132, 3004 user class, 3046 relay info, 4578 client arch/NDI/UUID, iPXE's option 175).
// Options travel as raw bytes in `Dhcp4Packet.options`; these helpers give them meaning.

export const Opt = {
  pad: 0,
  subnetMask: 1,
  router: 3,
  dnsServers: 6,
  hostname: 12,
  domainName: 15,
  broadcastAddress: 28,
  vendorSpecific: 43,
  requestedIp: 50,
  leaseTime: 51,
  overload: 52,
  messageType: 53,
  serverId: 54,
  paramRequestList: 55,
  message: 56,
  maxMessageSize: 57,
  renewalTime: 58,
  rebindingTime: 59,
  vendorClass: 60,
  clientId: 61,
  tftpServerName: 66,
  bootfileName: 67,
  userClass: 77,
  relayAgentInfo: 82,
  clientArch: 93,
  clientNdi: 94,
  clientUuid: 97,
  ipxeEncap: 175,
  end: 255,
} as const;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageTypeName = keyof typeof MessageType;

const MESSAGE_NAMES = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]),
);

export function messageTypeName(code: number | undefined): MessageTypeName | undefined {
  return code === undefined ? undefined : MESSAGE_NAMES.get(code);
}

/** PXE vendor sub-option 6 (PXE_DISCOVERY_CONTROL), bit 3: boot the file in this offer, no boot-server discovery. */
export const PXE_DISCOVERY_CONTROL_USE_FILE = 0x08;

/** iPXE's sub-option 176 of option 175 (`no-pxedhcp`): take this offer without waiting for a ProxyDHCP one. */
export const IPXE_NO_PXEDHCP = 176;

// ---- readers ---------------------------------------------------------------------------------

export function readIpv4(b: Buffer | undefined): string | undefined {
  if (!b || b.length !== 4) return undefined;
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function readU8(b: Buffer | undefined): number | undefined {
  return b && b.length === 1 ? b[0] : undefined;
}

export function readU16(b: Buffer | undefined): number | undefined {
  return b && b.length === 2 ? b.readUInt16BE(0) : undefined;
}

export function readU32(b: Buffer | undefined): number | undefined {
  return b && b.length === 4 ? b.readUInt32BE(0) : undefined;
}

/** Printable text of a string option; control bytes and a trailing NUL (some ROMs add one) are dropped. */
export function readText(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  const s = b.toString('latin1').replace(/\0+$/, '');
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '');
}

/** Option 93: a list of 16-bit architecture types (RFC 4578 §2.1); a client normally sends one. */
export function readClientArch(b: Buffer | undefined): number[] | undefined {
  if (!b || b.length === 0 || b.length % 2 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

/**
 * Option 77. RFC 3004 frames each class as <len><bytes>; iPXE (and many ROMs) send the plain string "iPXE".
 * A buffer is taken as RFC 3004 only when its length fields tile it exactly, else as one plain string.
 */
export function readUserClass(b: Buffer | undefined): string[] | undefined {
  if (!b || b.length === 0) return undefined;
  const framed: string[] = [];
  let i = 0;
  while (i < b.length) {
    const len = b[i]!;
    if (len === 0 || i + 1 + len > b.length) break;
    framed.push(readText(b.subarray(i + 1, i + 1 + len)) ?? '');
    i += 1 + len;
  }
  if (i === b.length && framed.length > 0 && framed.every((s) => s.length > 0)) return framed;
  const plain = readText(b);
  return plain ? [plain] : undefined;
}

/** Option 97 (RFC 4578 §2.5): type 0 followed by a 16-byte GUID. */
export function readClientUuid(b: Buffer | undefined): string | undefined {
  if (!b || b.length !== 17 || b[0] !== 0) return undefined;
  const h = b.subarray(1).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Option 94 (RFC 4578 §2.2): interface type 1 (UNDI) and its major/minor version. */
export function readClientNdi(
  b: Buffer | undefined,
): { type: number; major: number; minor: number } | undefined {
  if (!b || b.length !== 3) return undefined;
  return { type: b[0]!, major: b[1]!, minor: b[2]! };
}

/**
 * Sub-options (code, len, data) as used by options 43, 82 and 175. Returns undefined when the
 * lengths do not tile the buffer (a malformed encapsulation is ignored, never trusted in part).
 */
export function readSubOptions(b: Buffer | undefined): Map<number, Buffer> | undefined {
  if (!b) return undefined;
  const out = new Map<number, Buffer>();
  let i = 0;
  while (i < b.length) {
    const code = b[i]!;
    if (code === Opt.pad) {
      i++;
      continue;
    }
    if (code === Opt.end) break;
    if (i + 2 > b.length) return undefined;
    const len = b[i + 1]!;
    if (i + 2 + len > b.length) return undefined;
    out.set(code, b.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

/** Option 55 as a set of codes. */
export function readParamList(b: Buffer | undefined): Set<number> {
  return new Set(b ? [...b] : []);
}

// ---- writers ---------------------------------------------------------------------------------

export function ipv4Bytes(ip: string): Buffer {
  const p = ip.split('.');
  return Buffer.from([Number(p[0]), Number(p[1]), Number(p[2]), Number(p[3])]);
}

export function u32Bytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function u8Bytes(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

/** Encodes sub-options (for 43/82/175); each value must be ≤ 255 bytes. */
export function writeSubOptions(subs: Iterable<[number, Buffer]>, withEnd = false): Buffer {
  const parts: Buffer[] = [];
  for (const [code, val] of subs) {
    if (val.length > 255) throw new RangeError(`sub-option ${code} is ${val.length} bytes (max 255)`);
    parts.push(Buffer.from([code, val.length]), val);
  }
  if (withEnd) parts.push(Buffer.from([Opt.end]));
  return Buffer.concat(parts);
}

// DHCP Unique Identifiers (RFC 8415 §11): DUID-LLT (1), DUID-EN (2), DUID-LL (3), DUID-UUID (4).
// recon keys nodes by MAC, so the useful question is "which Ethernet address does this client have?":
// answered from a DUID-LL/LLT, an RFC 6939 client link-layer option, or an EUI-64 link-local address.
import { normalizeMac, type Mac } from '../../model/events.js';
import { ipv6ToBytes } from '../../shared/ip.js';
import { Dhcp6DecodeError } from './errors.js';

export type Duid =
  | { type: 'llt'; hwType: number; time: number; linkLayer: Buffer }
  | { type: 'en'; enterprise: number; id: Buffer }
  | { type: 'll'; hwType: number; linkLayer: Buffer }
  | { type: 'uuid'; uuid: string }
  | { type: 'other'; code: number; data: Buffer };

/** ARP hardware type for Ethernet. */
export const HW_ETHERNET = 1;

export function parseDuid(b: Buffer): Duid {
  if (b.length < 3) throw new Dhcp6DecodeError('bad-duid', `DUID of ${b.length} bytes`);
  const code = b.readUInt16BE(0);
  const need = (n: number, what: string) => {
    if (b.length < n)
      throw new Dhcp6DecodeError('bad-duid', `${what} of ${b.length} bytes, expected at least ${n}`);
  };
  switch (code) {
    case 1:
      need(9, 'DUID-LLT');
      return { type: 'llt', hwType: b.readUInt16BE(2), time: b.readUInt32BE(4), linkLayer: b.subarray(8) };
    case 2:
      need(7, 'DUID-EN');
      return { type: 'en', enterprise: b.readUInt32BE(2), id: b.subarray(6) };
    case 3:
      need(5, 'DUID-LL');
      return { type: 'll', hwType: b.readUInt16BE(2), linkLayer: b.subarray(4) };
    case 4: {
      if (b.length !== 18)
        throw new Dhcp6DecodeError('bad-duid', `DUID-UUID of ${b.length} bytes, expected 18`);
      const h = b.subarray(2).toString('hex');
      return {
        type: 'uuid',
        uuid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
      };
    }
    default:
      return { type: 'other', code, data: b.subarray(2) };
  }
}

function ethernetMac(hwType: number, ll: Buffer): Mac | undefined {
  if (hwType !== HW_ETHERNET || ll.length !== 6) return undefined;
  return normalizeMac(ll.toString('hex'));
}

/** The client's Ethernet MAC when its DUID carries one (LLT or LL with hardware type 1). */
export function macFromDuid(duid: Buffer): Mac | undefined {
  let d: Duid;
  try {
    d = parseDuid(duid);
  } catch {
    return undefined;
  }
  return d.type === 'llt' || d.type === 'll' ? ethernetMac(d.hwType, d.linkLayer) : undefined;
}

export function macFromLinkLayerOption(hwType: number, address: Buffer): Mac | undefined {
  return ethernetMac(hwType, address);
}

/** Reverses modified EUI-64 (RFC 4291 App. A): fe80::5054:ff:fe12:3456 → 52:54:00:12:34:56. */
export function macFromEui64(address: string): Mac | undefined {
  let b: Buffer;
  try {
    b = ipv6ToBytes(address.replace(/%.*$/, ''));
  } catch {
    return undefined;
  }
  if (b[11] !== 0xff || b[12] !== 0xfe) return undefined;
  const mac = Buffer.from([b[8]! ^ 0x02, b[9]!, b[10]!, b[13]!, b[14]!, b[15]!]);
  return normalizeMac(mac.toString('hex'));
}

/** A server DUID-LL built from the serving interface's MAC: stable across restarts, so leases stay ours. */
export function duidLlFromMac(mac: Mac): Buffer {
  const hex = mac.replace(/:/g, '');
  return Buffer.concat([Buffer.from([0, 3, 0, HW_ETHERNET]), Buffer.from(hex, 'hex')]);
}

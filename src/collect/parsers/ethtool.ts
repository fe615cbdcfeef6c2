// Pure parsers for ethtool's text outputs: `-i` (driver, firmware, bus), `-P` (permanent MAC), the plain form
// (speed, duplex, link, link modes) and `-m` (the pluggable module's EEPROM, decoded).
import type { TransceiverInfo } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { normalizeMac } from '../../shared/peer.js';
import { clean, fail, guard, keyValues, ok, requireComplete, toInt, type ParseResult } from './result.js';

export interface EthtoolDriver {
  driver?: string;
  version?: string;
  firmware?: string;
  busInfo?: string;
}

export interface EthtoolLink {
  speedMbps?: number;
  duplex?: string;
  link?: boolean;
  supportedLinkModes?: string[];
  advertisedLinkModes?: string[];
}

/**
 * "Supported link modes:   10baseT/Half 10baseT/Full" continued on indented lines without a colon;
 * "Not reported" (virtual NICs) is no list at all.
 */
function linkModes(text: string, label: 'Supported' | 'Advertised'): string[] | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*${label} link modes:`).test(l));
  if (start < 0) return undefined;
  const words = [(lines[start] ?? '').replace(/^[^:]*:/, '')];
  for (const l of lines.slice(start + 1)) {
    if (l.includes(':') || !/^\s/.test(l)) break;
    words.push(l);
  }
  const modes = words.join(' ').split(/\s+/).filter(Boolean);
  if (modes.join(' ') === 'Not reported' || modes.length === 0) return undefined;
  return modes.slice(0, L.linkModes).map((m) => m.slice(0, L.text));
}

export function parseEthtoolDriver(text: string): ParseResult<EthtoolDriver> {
  return guard('ethtool -i', () => {
    const incomplete = requireComplete('ethtool -i', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('driver')) return fail('ethtool -i: no "driver" line');
    const out: EthtoolDriver = {};
    const driver = clean(kv.get('driver'));
    const version = clean(kv.get('version'));
    const firmware = clean(kv.get('firmware-version'));
    // only a PCI address (dddd:bb:dd.f) is a bus address worth keeping; virtual NICs print "" or "N/A"
    const bus = kv.get('bus-info');
    if (driver !== undefined) out.driver = driver;
    if (version !== undefined) out.version = version;
    if (firmware !== undefined) out.firmware = firmware;
    if (bus && /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(bus)) out.busInfo = bus.toLowerCase();
    return ok(out);
  });
}

export function parseEthtoolPermanent(text: string): ParseResult<string | undefined> {
  return guard('ethtool -P', () => {
    const incomplete = requireComplete('ethtool -P', text);
    if (incomplete) return fail(incomplete);
    const m = /^Permanent address:\s*(\S+)/m.exec(text);
    if (!m?.[1]) return fail('ethtool -P: no "Permanent address" line');
    const mac = normalizeMac(m[1]);
    return ok(mac === '00:00:00:00:00:00' ? undefined : mac);
  });
}

export function parseEthtoolLink(text: string): ParseResult<EthtoolLink> {
  return guard('ethtool', () => {
    const incomplete = requireComplete('ethtool', text);
    if (incomplete) return fail(incomplete);
    if (!/^Settings for \S+:/m.test(text)) return fail('ethtool: no "Settings for" header');
    const kv = keyValues(text.replace(/^\t/gm, ''));
    const out: EthtoolLink = {};
    const speed = kv.get('Speed');
    if (speed && /Mb\/s/.test(speed)) {
      const n = toInt(speed);
      if (n !== undefined) out.speedMbps = n;
    }
    const duplex = kv.get('Duplex');
    if (duplex && /^(Full|Half)$/.test(duplex)) out.duplex = duplex.toLowerCase();
    const link = kv.get('Link detected');
    if (link === 'yes' || link === 'no') out.link = link === 'yes';
    const supported = linkModes(text, 'Supported');
    if (supported) out.supportedLinkModes = supported;
    const advertised = linkModes(text, 'Advertised');
    if (advertised) out.advertisedLinkModes = advertised;
    return ok(out);
  });
}

/** "0x03 (SFP)" → "SFP": ethtool prints the code, then its meaning. */
function meaning(v: string | undefined): string | undefined {
  const m = /^0x[0-9a-f]+\s+\((.*)\)$/i.exec(v ?? '');
  return clean(m ? m[1] : v)?.slice(0, L.text);
}

/** `ethtool -m`: "\tIdentifier                                : 0x03 (SFP)", "Vendor PN : FTLX8571D3BCL", ... */
export function parseEthtoolModule(text: string): ParseResult<TransceiverInfo> {
  return guard('ethtool -m', () => {
    const incomplete = requireComplete('ethtool -m', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('Identifier')) return fail('ethtool -m: no "Identifier" line');
    const t: TransceiverInfo = {};
    const set = <K extends keyof TransceiverInfo>(k: K, v: TransceiverInfo[K] | undefined): void => {
      if (v !== undefined) t[k] = v;
    };
    const str = (k: string): string | undefined => clean(kv.get(k))?.slice(0, L.text);
    set('identifier', meaning(kv.get('Identifier')));
    set('connector', meaning(kv.get('Connector')));
    set('type', str('Transceiver type') ?? meaning(kv.get('Transmitter technology')));
    set('vendor', str('Vendor name'));
    set('part', str('Vendor PN'));
    set('revision', str('Vendor rev'));
    set('serial', str('Vendor SN'));
    const nm = /^(\d+(?:\.\d+)?)\s*nm$/.exec(kv.get('Laser wavelength') ?? '')?.[1];
    if (nm !== undefined) t.wavelengthNm = Math.round(Number(nm));
    return ok(t);
  });
}

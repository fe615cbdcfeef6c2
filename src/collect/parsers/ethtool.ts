// Pure parsers for ethtool's three text outputs: `-i` (driver, firmware, bus), `-P` (permanent MAC) and the
// plain form (speed, duplex, link).
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
    return ok(out);
  });
}

// Pure parsers for `ipmitool lan print`, `ipmitool mc info` and `ipmitool fru` ("Key   : value" text).
import { normalizeMac } from '../../shared/peer.js';
import { clean, fail, guard, keyValues, ok, requireComplete, type ParseResult } from './result.js';

export interface BmcLan {
  ipv4?: string;
  ipv4Source?: string;
  netmask?: string;
  gateway?: string;
  mac?: string;
}

export interface BmcMc {
  firmware?: string;
  ipmiVersion?: string;
  manufacturer?: string;
  product?: string;
}

/** An unconfigured BMC reports 0.0.0.0 / 00:00:00:00:00:00: not an address. */
function addr(v: string | undefined): string | undefined {
  const c = clean(v);
  return c === undefined || c === '0.0.0.0' ? undefined : c;
}

export function parseIpmiLan(text: string): ParseResult<BmcLan> {
  return guard('ipmitool lan print', () => {
    const incomplete = requireComplete('ipmitool lan print', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('IP Address') || !kv.has('MAC Address'))
      return fail('ipmitool lan print: no IP/MAC Address lines');
    const out: BmcLan = {};
    const ip = addr(kv.get('IP Address'));
    const src = clean(kv.get('IP Address Source'));
    const mask = addr(kv.get('Subnet Mask'));
    const gw = addr(kv.get('Default Gateway IP'));
    const mac = normalizeMac(kv.get('MAC Address') ?? '');
    if (ip !== undefined) out.ipv4 = ip;
    if (src !== undefined) out.ipv4Source = src;
    if (mask !== undefined) out.netmask = mask;
    if (gw !== undefined) out.gateway = gw;
    if (mac !== undefined && mac !== '00:00:00:00:00:00') out.mac = mac;
    return ok(out);
  });
}

export function parseIpmiMc(text: string): ParseResult<BmcMc> {
  return guard('ipmitool mc info', () => {
    const incomplete = requireComplete('ipmitool mc info', text);
    if (incomplete) return fail(incomplete);
    const kv = keyValues(text);
    if (!kv.has('Firmware Revision') || !kv.has('IPMI Version'))
      return fail('ipmitool mc info: no firmware/IPMI version');
    const out: BmcMc = {};
    const set = (k: keyof BmcMc, v: string | undefined): void => {
      const c = clean(v);
      if (c !== undefined) out[k] = c;
    };
    set('firmware', kv.get('Firmware Revision'));
    set('ipmiVersion', kv.get('IPMI Version'));
    set('manufacturer', kv.get('Manufacturer Name'));
    const product = kv.get('Product Name');
    if (product && !/^Unknown/.test(product)) set('product', product);
    return ok(out);
  });
}

/**
 * FRU: board/product identity from the builtin FRU device, as `fru print 0` (fields only) or `fru` (under a
 * "FRU Device Description" heading) print it; a BMC without FRU data is valid (empty).
 */
export function parseIpmiFru(
  text: string,
): ParseResult<{ product?: string; serial?: string; vendor?: string }> {
  return guard('ipmitool fru', () => {
    const incomplete = requireComplete('ipmitool fru', text);
    if (incomplete) return fail(incomplete);
    if (!/FRU Device Description|^ *(Chassis|Board|Product) [A-Z][A-Za-z ]* *: /m.test(text))
      return fail('ipmitool fru: no FRU device or field in output');
    const kv = keyValues(text);
    const out: { product?: string; serial?: string; vendor?: string } = {};
    const product = clean(kv.get('Product Name') ?? kv.get('Board Product'));
    const serial = clean(kv.get('Product Serial') ?? kv.get('Board Serial'));
    const vendor = clean(kv.get('Product Manufacturer') ?? kv.get('Board Mfg'));
    if (product !== undefined) out.product = product;
    if (serial !== undefined) out.serial = serial;
    if (vendor !== undefined) out.vendor = vendor;
    return ok(out);
  });
}

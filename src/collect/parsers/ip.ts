// Pure parser for `ip -j -d addr`: interfaces with kind (from link_type / linkinfo), MAC, MTU, master, addresses.
import { normalizeMac } from '../../shared/peer.js';
import { fail, guard, isRecord, ok, parseJson, toInt, type ParseResult } from './result.js';

export interface IpLink {
  name: string;
  mac?: string;
  permanentMac?: string;
  kind: string;
  mtu?: number;
  up: boolean;
  lowerUp: boolean;
  master?: string;
  ipv4: string[];
  ipv6: string[];
}

export function parseIpAddr(text: string): ParseResult<IpLink[]> {
  return guard('ip addr', () => {
    const json = parseJson('ip addr', text);
    if (!json.ok) return json;
    if (!Array.isArray(json.value)) return fail('ip addr: not a JSON array');
    const out: IpLink[] = [];
    for (const l of json.value) {
      if (!isRecord(l) || typeof l.ifname !== 'string') continue;
      const flags = Array.isArray(l.flags) ? l.flags : [];
      const info = isRecord(l.linkinfo) ? l.linkinfo.info_kind : undefined;
      const link: IpLink = {
        name: l.ifname,
        // a device type from the kernel (bridge, bond, vlan, veth, ...) wins over the link layer (ether, loopback)
        kind: typeof info === 'string' ? info : typeof l.link_type === 'string' ? l.link_type : 'unknown',
        up: flags.includes('UP'),
        lowerUp: flags.includes('LOWER_UP'),
        ipv4: [],
        ipv6: [],
      };
      const mac = typeof l.address === 'string' ? normalizeMac(l.address) : undefined;
      if (mac !== undefined) link.mac = mac;
      const perm = typeof l.permaddr === 'string' ? normalizeMac(l.permaddr) : undefined;
      if (perm !== undefined) link.permanentMac = perm;
      const mtu = toInt(l.mtu);
      if (mtu !== undefined) link.mtu = mtu;
      if (typeof l.master === 'string') link.master = l.master;
      for (const a of Array.isArray(l.addr_info) ? l.addr_info : []) {
        if (!isRecord(a) || typeof a.local !== 'string') continue;
        const cidr = `${a.local}/${toInt(a.prefixlen) ?? ''}`;
        if (a.family === 'inet') link.ipv4.push(cidr);
        else if (a.family === 'inet6') link.ipv6.push(cidr);
      }
      out.push(link);
    }
    if (out.length === 0) return fail('ip addr: no interfaces (there is always lo)');
    return ok(out);
  });
}

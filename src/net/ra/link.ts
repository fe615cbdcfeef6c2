// Facts about the serving interface that the IPv6 services need: its MAC (server DUID, RA source
// link-layer option) and its usable link-local address (RA source; DAD must have finished).
import { readFile } from 'node:fs/promises';
import { normalizeMac, type Mac } from '../../model/events.js';
import { bytesToIpv6 } from '../../shared/ip.js';

export async function interfaceMac(ifname: string): Promise<Mac> {
  const raw = (await readFile(`/sys/class/net/${ifname}/address`, 'utf8')).trim();
  const mac = normalizeMac(raw);
  if (!mac) throw new Error(`${ifname} has no Ethernet address (${raw || 'empty'})`);
  return mac;
}

const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;
const SCOPE_LINK = 0x20;

/**
 * The interface's link-local address once duplicate address detection is over, from
 * /proc/net/if_inet6 ("address ifindex prefixlen scope flags name"); undefined until then.
 */
export async function usableLinkLocal(ifname: string): Promise<string | undefined> {
  const text = await readFile('/proc/net/if_inet6', 'utf8');
  for (const line of text.split('\n')) {
    const [hex, , , scope, flags, name] = line.trim().split(/\s+/);
    if (name !== ifname || !hex || hex.length !== 32) continue;
    if (parseInt(scope ?? '', 16) !== SCOPE_LINK) continue;
    if (parseInt(flags ?? '', 16) & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) continue;
    return bytesToIpv6(Buffer.from(hex, 'hex'));
  }
  return undefined;
}

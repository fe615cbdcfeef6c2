// The DHCPv4 view of the config: server identity, the subnet it serves, what clients are told, and
// where boot files live. Computed once at start; pure.
import type { ReconConfig } from '../../model/config/schema.js';
import { intToIpv4, ipv4ToInt, prefixToMask } from '../../shared/ip.js';
import type { BootServer } from '../bootfile.js';
import { configuredUefiChains } from '../signed-files.js';
import type { NetworkParams } from './reply.js';

export interface Dhcp4Settings {
  serverId: string;
  network: NetworkParams;
  boot: BootServer;
  leaseSeconds: number;
  maxLeaseSeconds: number;
  declineQuarantineMs: number;
  ports: { server: number; client: number };
  /** whether an address (a relay's giaddr, a requested IP) is in the served subnet */
  inSubnet(ip: string): boolean;
}

export function dhcp4Settings(c: ReconConfig): Dhcp4Settings {
  const maskInt = ipv4ToInt(prefixToMask(c.ipv4.prefix));
  const net = (ipv4ToInt(c.ipv4.address) & maskInt) >>> 0;
  return {
    serverId: c.ipv4.address,
    network: {
      subnetMask: prefixToMask(c.ipv4.prefix),
      broadcast: intToIpv4((net | ~maskInt) >>> 0),
      router: c.ipv4.router ?? c.ipv4.address,
      dns: c.ipv4.address,
      domain: c.domain,
    },
    boot: {
      files: c.boot.files,
      address: c.ipv4.address,
      httpPort: c.ports.http,
      uefi: configuredUefiChains(c),
    },
    leaseSeconds: c.ipv4.leaseSeconds,
    maxLeaseSeconds: c.ipv4.maxLeaseSeconds,
    declineQuarantineMs: c.ipv4.declineQuarantineSeconds * 1000,
    ports: { server: c.ports.dhcp4, client: c.ports.dhcp4Client },
    inSubnet: (ip) => (ipv4ToInt(ip) & maskInt) >>> 0 === net,
  };
}

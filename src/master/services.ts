// The network services `recon master` runs, in start order. Each is a ServiceStarter (see service.ts).
import type { ServiceContext, RunningService } from '../model/service.js';
import type { ServiceName } from '../model/events.js';
import { startHttp, type HttpService } from '../net/http/service.js';
import { startTftp } from '../net/tftp/service.js';
import { startDns } from '../net/dns/service.js';
import { startRouterAdvertisements } from '../net/ra/service.js';
import { startDhcp6 } from '../net/dhcp6/service.js';
import { startDhcp4, type DhcpGate } from '../net/dhcp4/service.js';
import { guardDownVerdict, startGuard, type GuardService } from '../net/guard/guard.js';
import { startBmcDiscovery } from './bmc/discovery.js';

interface ServiceEntry {
  name: ServiceName;
  /** starts the service; `started` holds the handles of the entries before it that are running */
  start: (ctx: ServiceContext, started: ReadonlyMap<ServiceName, RunningService>) => Promise<RunningService>;
  /** skip this service for this context (e.g. IPv6 disabled) */
  enabled?: (ctx: ServiceContext) => boolean;
}

/**
 * What DHCPv4 follows: the guard's handle among the started services (its entry returns a
 * GuardService, also when disabled), or, when the guard failed to start, a verdict that blocks offers.
 */
function dhcpGate(ctx: ServiceContext, started: ReadonlyMap<ServiceName, RunningService>): DhcpGate {
  const guard = started.get('guard') as GuardService | undefined;
  if (guard) return guard;
  return { verdict: guardDownVerdict(ctx.flags), subscribe: () => () => undefined };
}

// Boot services first, DHCP last: a client that gets a lease finds everything it needs already up.
// The rogue-DHCP guard probes right before DHCPv4 starts, and DHCPv4 follows its verdict.
export const SERVICES: ServiceEntry[] = [
  { name: 'http', start: startHttp },
  // GRUB (the Secure Boot chain) reads the kernel and initrd by TFTP, from the medium HTTP found
  {
    name: 'tftp',
    start: (c, started) => startTftp(c, (started.get('http') as HttpService | undefined)?.live),
  },
  { name: 'dns', start: startDns },
  {
    name: 'ra',
    start: startRouterAdvertisements,
    enabled: (c) => c.config.ipv6.enabled && c.config.ipv6.routerAdvertisements,
  },
  { name: 'dhcp6', start: startDhcp6, enabled: (c) => c.config.ipv6.enabled },
  { name: 'guard', start: startGuard },
  { name: 'dhcp4', start: (c, started) => startDhcp4(c, dhcpGate(c, started)) },
  // BMCs that lease from recon are probed once DHCPv4 hands out their addresses
  { name: 'bmc', start: (c) => startBmcDiscovery(c) },
];

/** Starts every service; one that fails is reported (service event) and the others still start. */
export async function startServices(ctx: ServiceContext): Promise<RunningService[]> {
  const running: RunningService[] = [];
  const started = new Map<ServiceName, RunningService>();
  for (const s of SERVICES) {
    if (s.enabled && !s.enabled(ctx)) {
      await ctx.store.emit({ type: 'service', data: { service: s.name, state: 'disabled' } });
      continue;
    }
    try {
      const service = await s.start(ctx, started);
      running.push(service);
      started.set(s.name, service);
      // a service that did not report its own state (with its detail) is up now
      const st = ctx.store.state.services[s.name]?.state;
      if (st === undefined || st === 'starting')
        await ctx.store.emit({ type: 'service', data: { service: s.name, state: 'up' } });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      ctx.log.error({ err, service: s.name }, 'service failed to start');
      // some services report their own failure with more detail; don't say it twice
      if (ctx.store.state.services[s.name]?.state === 'failed') continue;
      await ctx.store.emit({
        type: 'service',
        data: {
          service: s.name,
          state: 'failed',
          detail: err.code ? `${err.code}: ${err.message}` : err.message,
        },
      });
    }
  }
  return running;
}

export async function stopServices(ctx: ServiceContext, running: RunningService[]): Promise<void> {
  for (const s of [...running].reverse()) {
    try {
      await s.stop();
      await ctx.store.emit({ type: 'service', data: { service: s.name, state: 'down', detail: 'stopped' } });
    } catch (e) {
      ctx.log.error({ err: e, service: s.name }, 'service did not stop cleanly');
    }
  }
}

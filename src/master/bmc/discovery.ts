// BMC discovery inside `recon master`: every lease recon grants to a holder that is no boot client (and
// every BMC the config names) is probed — Redfish service root on 443, RMCP presence ping on 623 — with a
// bounded number of probes at once and a bounded start rate; a renewal re-probes at most every
// power.bmcDiscovery.reprobeMinutes. What answers becomes a `bmc.discovered` event (only when it differs
// from what the state holds), and, for a BMC the operator vouched for or one tied to its peer, its power
// state a `bmc.power` event.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningService, ServiceContext } from '../../model/service.js';
import type { BmcDriverName, BmcFound, Mac } from '../../model/events.js';
import { bmcHint, discoveredBmc, probeDue, type ProbeMemo, type ProbeResult } from './discovery-rule.js';
import { probeAddress, STANDARD_PORTS, type ProbePorts } from './probe.js';
import { openBmcFor, type BmcOpener } from './access.js';
import { CredentialsError } from '../../net/bmc/credentials.js';
import { cidrContains, parseCidr, type Cidr } from '../../shared/cidr.js';

export interface BmcDiscoveryOptions {
  ports?: ProbePorts;
  probe?: (address: string, ports: ProbePorts, timeoutMs: number) => Promise<ProbeResult>;
  open?: BmcOpener;
}

export interface BmcDiscovery extends RunningService {
  /** resolves once nothing is queued or being probed (tests) */
  idle(): Promise<void>;
}

interface Job {
  address: string;
  mac?: Mac;
  vendorClass?: string;
  source: BmcFound['source'];
  choice: BmcDriverName | 'auto';
}

/** Lease holders remembered for the re-probe rule at most (the pools bound them long before). */
const MAX_MEMOS = 4096;

const sameFind = (a: BmcFound, b: BmcFound | undefined) =>
  b !== undefined &&
  a.mac === b.mac &&
  a.vendor === b.vendor &&
  a.model === b.model &&
  a.driver === b.driver &&
  a.redfish === b.redfish &&
  a.ipmi === b.ipmi &&
  a.source === b.source;

export async function startBmcDiscovery(
  ctx: ServiceContext,
  opts: BmcDiscoveryOptions = {},
): Promise<BmcDiscovery> {
  const { store, config, log } = ctx;
  const settings = config.power.bmcDiscovery;
  const ports = opts.ports ?? STANDARD_PORTS;
  const probe = opts.probe ?? probeAddress;
  const memos = new Map<Mac, ProbeMemo>();
  const queue = new Map<string, Job>();
  let active = 0;
  let nextStart = 0;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const wake = () => {
    while (!stopped && active < settings.concurrency && queue.size > 0) {
      // hinted holders (a BMC maker's OUI or vendor class) first
      const job =
        [...queue.values()].find((j) => j.mac && bmcHint(j.mac, j.vendorClass)) ??
        queue.values().next().value!;
      queue.delete(job.address);
      active++;
      void run(job).finally(() => {
        active--;
        wake();
        if (active === 0 && queue.size === 0) {
          for (const w of idleWaiters) w();
          idleWaiters = [];
        }
      });
    }
  };

  const networks = config.power.bmcNetworks.map(parseCidr).filter((c): c is Cidr => !('error' in c));
  /**
   * Credentials go only to a BMC the operator vouched for (config `bmcs`, power.bmcNetworks) or one tied
   * to a peer; a device that merely answered a probe on a lease learns nothing but that it was asked.
   */
  const vouched = (address: string) =>
    config.bmcs.some((b) => b.address === address) ||
    networks.some((n) => cidrContains(n, address)) ||
    store.state.bmcs?.[address]?.node !== undefined;

  const readPower = async (found: BmcFound) => {
    if (!vouched(found.address)) return;
    let driver;
    try {
      driver = await openBmcFor(config, found.address, found.driver, opts.open);
    } catch (e) {
      // no credentials configured: the BMC is listed, its power state stays unknown
      if (e instanceof CredentialsError) return;
      throw e;
    }
    try {
      const state = await driver.powerState();
      if (store.state.bmcs?.[found.address]?.power !== state)
        await store.emit({ type: 'bmc.power', data: { address: found.address, state } });
    } finally {
      await driver.close();
    }
  };

  const run = async (job: Job) => {
    // a bounded start rate: probes are spread out even when many leases arrive at once
    const now = Date.now();
    const wait = Math.max(0, nextStart - now);
    nextStart = Math.max(now, nextStart) + 1000 / settings.perSecond;
    if (wait > 0) await sleep(wait);
    if (stopped) return;
    try {
      const result = await probe(job.address, ports, settings.timeoutSeconds * 1000);
      const found = discoveredBmc(
        { address: job.address, mac: job.mac, vendorClass: job.vendorClass, source: job.source },
        result,
        job.choice,
      );
      if (!found || stopped) return;
      if (!sameFind(found, store.state.bmcs?.[found.address]))
        await store.emit({ type: 'bmc.discovered', data: found });
      await readPower(found);
    } catch (e) {
      log.warn({ err: e, address: job.address }, 'BMC probe failed');
    }
  };

  const enqueue = (job: Job) => {
    if (stopped || queue.has(job.address)) return;
    queue.set(job.address, job);
    wake();
  };

  const leaseSeen = (mac: Mac, ip: string, vendorClass?: string) => {
    const now = Date.now();
    const due = probeDue(
      { mac, ip, isNode: store.state.nodes[mac] !== undefined },
      memos.get(mac),
      now,
      settings.reprobeMinutes * 60_000,
    );
    if (!due) return;
    memos.delete(mac);
    memos.set(mac, { ip, at: now });
    if (memos.size > MAX_MEMOS) memos.delete(memos.keys().next().value!);
    enqueue({ address: ip, mac, vendorClass, source: 'lease', choice: 'auto' });
  };

  for (const b of config.bmcs) enqueue({ address: b.address, source: 'config', choice: b.driver });
  const unsubscribe = settings.enabled
    ? store.subscribe((ev) => {
        if (ev.type === 'lease.granted' && ev.data.family === 4)
          leaseSeen(ev.data.mac, ev.data.ip, ev.data.vendorClass);
      })
    : () => undefined;
  // after a restart: the holders whose leases are still current
  if (settings.enabled)
    for (const h of Object.values(store.state.hosts ?? {}))
      if (h.lease4 && Date.parse(h.lease4.expiresAt) > Date.now()) leaseSeen(h.mac, h.lease4.ip);

  await store.emit({
    type: 'service',
    data: {
      service: 'bmc',
      state: 'up',
      detail: settings.enabled
        ? `probing lease holders (Redfish ${ports.redfish}, RMCP ${ports.ipmi}); ${config.bmcs.length} configured`
        : `discovery off; ${config.bmcs.length} configured`,
    },
  });

  return {
    name: 'bmc',
    idle: () =>
      active === 0 && queue.size === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r)),
    async stop() {
      stopped = true;
      unsubscribe();
      queue.clear();
      for (let i = 0; active > 0 && i < 100; i++) await sleep(50);
    },
  };
}

// Shutting peers down: queue `shutdown` for the peer's command long-poll and wait for it to answer
// (command delivered, or the peer reporting powering-off/powered-off). A peer that stays silent past
// power.peerAckSeconds is powered off through the BMC its inventory names — Redfish where discovery found
// it, IPMI otherwise; graceful off, then forced off after a bounded wait — when it has one and recon can
// tie that BMC's address to the peer (bmc-target.ts); an untied BMC is refused, by name.
// Every step is a `power.step` / `power.state` event, so consoles show what happened and why.
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { StateStore } from '../../model/store.js';
import type { Mac, ReconEvent } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';
import { BmcError, type BmcDriverKind } from '../../net/bmc/driver.js';
import { bmcPowerOff } from './bmc-poweroff.js';
import { CredentialsError } from './credentials.js';
import { openBmcFor, type BmcOpener } from '../bmc/access.js';
import { bmcFacts, decideBmcTarget } from './bmc-target.js';

export interface PeerShutdownContext {
  store: StateStore;
  config: ReconConfig;
  log: Logger;
  /** test seam: how a BMC driver is opened */
  open?: BmcOpener;
}

export type PeerShutdownResult =
  | { mac: Mac; ok: true; via: 'agent' | BmcDriverKind; detail: string }
  | { mac: Mac; ok: false; reason: string };

/** At most this many peers are handled at once (each may run ipmitool). */
const PARALLEL = 16;
/** How often a BMC is asked for its power status while waiting. */
const POLL_MS = 1000;

/** The peers "shut down all" means: every node with an inventory that is not already off. Pure. */
export function shutdownAllTargets(state: ReconState): Mac[] {
  return Object.values(state.nodes)
    .filter((n) => n.inventory !== undefined && n.power !== 'off' && n.stage !== 'powered-off')
    .map((n) => n.mac)
    .sort();
}

/** True when `ev` shows the peer answered a shutdown command. Pure. */
export function isShutdownAck(ev: ReconEvent, mac: Mac): boolean {
  switch (ev.type) {
    case 'command.delivered':
      return ev.data.mac === mac && ev.data.command === 'shutdown';
    case 'node.stage':
      return ev.data.mac === mac && (ev.data.stage === 'powering-off' || ev.data.stage === 'powered-off');
    case 'power.state':
      return (
        ev.data.mac === mac &&
        ev.data.via === 'agent' &&
        (ev.data.state === 'powering-off' || ev.data.state === 'off')
      );
    default:
      return false;
  }
}

/** Every address of this host's interfaces: a peer naming one of them as its BMC is refused. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/** Resolves true when the peer acknowledges within `ms`, false otherwise. Subscribe before queueing. */
function ackWatcher(
  store: StateStore,
  mac: Mac,
  ms: number,
): { acked: Promise<boolean>; cancel: () => void } {
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const acked = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    unsubscribe = store.subscribe((ev) => {
      if (isShutdownAck(ev, mac)) resolve(true);
    });
  });
  const cancel = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  void acked.finally(cancel);
  return { acked, cancel };
}

export async function shutdownPeer(
  ctx: PeerShutdownContext,
  mac: Mac,
  by: string,
  progress: (m: string) => void,
): Promise<PeerShutdownResult> {
  const { store, config } = ctx;
  const step = (s: string, ok: boolean, detail?: string) => {
    progress(`${mac}: ${s}${ok ? '' : ' FAILED'}${detail ? ` — ${detail}` : ''}`);
    void store.emit({ type: 'power.step', data: { mac, step: s, ok, detail } }).catch(() => undefined);
  };
  const ackSeconds = config.power.peerAckSeconds;
  const watcher = ackWatcher(store, mac, ackSeconds * 1000);
  try {
    await store.emit({ type: 'command.queued', data: { mac, command: 'shutdown', by } });
  } catch (e) {
    watcher.cancel();
    throw e;
  }
  step('shutdown queued', true, `waiting up to ${ackSeconds} s for the peer`);
  if (await watcher.acked) {
    step('peer acknowledged shutdown', true);
    return { mac, ok: true, via: 'agent', detail: 'the peer is powering itself off' };
  }
  step('peer did not answer', false, `no acknowledgement within ${ackSeconds} s`);

  const target = decideBmcTarget(
    mac,
    store.node(mac)?.inventory?.summary.bmc,
    bmcFacts(store.state, config, hostAddresses(), Date.now()),
  );
  if (target.kind === 'none') {
    const reason = 'no answer and no BMC in its inventory: power it off by hand';
    step('ipmi fallback', false, reason);
    return { mac, ok: false, reason };
  }
  if (target.kind === 'refused') {
    // nothing is sent to an address recon cannot tie to this peer: not even a presence ping
    ctx.log.warn({ mac, reason: target.reason }, 'BMC refused');
    step('bmc refused', false, target.reason);
    await store.emit({
      type: 'power.state',
      data: { mac, state: 'unknown', via: 'ipmi', detail: target.reason },
    });
    return { mac, ok: false, reason: `${target.reason}: power it off by hand` };
  }
  const host = target.address;
  step('bmc tied', true, `BMC ${host} ${target.tie}`);
  // Redfish where discovery found it (or the config says so), IPMI otherwise
  const found = store.state.bmcs?.[host]?.driver;
  const kind = found ?? 'ipmi';
  let bmc;
  try {
    bmc = await openBmcFor(config, host, kind, ctx.open);
  } catch (e) {
    if (!(e instanceof CredentialsError) && !(e instanceof BmcError)) throw e;
    step(`${kind} fallback`, false, e.message);
    return { mac, ok: false, reason: e.message };
  }
  const via = bmc.kind;
  await store.emit({
    type: 'power.state',
    data: { mac, state: 'powering-off', via, detail: `BMC ${host}` },
  });
  let r;
  try {
    r = await bmcPowerOff(bmc, {
      softOffGraceSeconds: config.power.ipmi.softOffGraceSeconds,
      hardOffWaitSeconds: Math.max(10, config.power.ipmi.timeoutSeconds),
      pollMs: POLL_MS,
      step,
    });
  } finally {
    await bmc.close();
  }
  if (!r.ok) {
    await store.emit({
      type: 'power.state',
      data: { mac, state: 'unknown', via, detail: r.error.detail },
    });
    return { mac, ok: false, reason: r.error.detail };
  }
  await store.emit({
    type: 'power.state',
    data: { mac, state: 'off', via, detail: `BMC ${host}: ${r.how}` },
  });
  if (store.state.bmcs?.[host])
    await store.emit({ type: 'bmc.power', data: { address: host, state: 'off' } });
  // the box is off: a shutdown still waiting would hit it on its next boot
  await store.emit({ type: 'command.queued', data: { mac, command: 'none', by } });
  return { mac, ok: true, via, detail: `powered off through BMC ${host} (${via}, ${r.how})` };
}

/** Shuts several peers down at once (bounded); one result per MAC, in the order given. */
export async function shutdownPeers(
  ctx: PeerShutdownContext,
  macs: Mac[],
  by: string,
  progress: (m: string) => void,
): Promise<PeerShutdownResult[]> {
  const results: PeerShutdownResult[] = new Array<PeerShutdownResult>(macs.length);
  let next = 0;
  const worker = async () => {
    while (next < macs.length) {
      const i = next++;
      const mac = macs[i]!;
      try {
        results[i] = await shutdownPeer(ctx, mac, by, progress);
      } catch (e) {
        ctx.log.error({ err: e, mac }, 'peer shutdown failed');
        results[i] = { mac, ok: false, reason: (e as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, macs.length) }, worker));
  return results;
}

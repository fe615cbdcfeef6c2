// Powering machines on through their BMCs, hands-free: per BMC, read the power state; one that is on is
// left alone unless the operator asked for a power cycle; otherwise a one-time network (PXE) boot is set
// and the machine is powered on (or forced off and on again). Every step is a `bmc.action` event and every
// state read a `bmc.power` event, so consoles, headless logs and the report follow along; the node then
// shows its own stages (DHCP … uploaded) and is tied to its BMC when its inventory names the BMC's MAC.
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { StateStore } from '../../model/store.js';
import type { BmcIdentity, BootMode } from '../../net/bmc/driver.js';
import { BMC_HOST_MACS, normalizeMac, type BmcFound, type Mac } from '../../model/events.js';
import { BmcError } from '../../net/bmc/driver.js';
import { CredentialsError } from '../../net/bmc/credentials.js';
import { bmcFacts, decidePowerOnTarget } from '../power/bmc-target.js';
import { openBmcFor, type BmcOpener } from './access.js';

export interface BmcActionContext {
  store: StateStore;
  config: ReconConfig;
  log: Logger;
  open?: BmcOpener;
}

export interface PowerOnRequest {
  bmcs?: string[];
  all?: boolean;
  cycle?: boolean;
}

export type PowerOnResult =
  | { address: string; ok: true; did: 'powered-on' | 'cycled' | 'left-on' }
  | { address: string; ok: false; reason: string };

/** Records the host NIC MACs a BMC names, so the console follows the node booting behind it. */
async function learnHostMacs(ctx: BmcActionContext, listed: BmcFound, id: BmcIdentity): Promise<void> {
  const hostMacs = [...new Set(id.macs.map((m) => normalizeMac(m)).filter((m): m is Mac => m !== undefined))]
    .sort()
    .slice(0, BMC_HOST_MACS);
  if (hostMacs.length === 0 || hostMacs.join() === listed.hostMacs?.join()) return;
  const { address, mac, vendor, model, driver, redfish, ipmi, source } = listed;
  await ctx.store.emit({
    type: 'bmc.discovered',
    data: { address, mac, vendor, model, driver, redfish, ipmi, source, hostMacs },
  });
}

/** BMCs handled at once. */
const PARALLEL = 8;
/** How often a BMC is asked for its power state while waiting for off. */
const POLL_MS = 1000;

/** Every address of this host's interfaces: never a BMC. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/** The BMCs a request means: the named ones, or every BMC recon lists for --all. Pure. */
export function powerOnTargets(
  req: PowerOnRequest,
  listed: readonly string[],
  configured: readonly string[],
): { targets: string[] } | { error: string } {
  if (req.all && req.bmcs?.length) return { error: 'power on: name BMCs or say all, not both' };
  if (req.all) {
    const all = [...new Set([...listed, ...configured])].sort();
    return all.length ? { targets: all } : { error: 'power on: recon has found no BMC yet' };
  }
  if (!req.bmcs?.length) return { error: 'power on: name the BMCs (--bmc ADDR) or say --all' };
  return { targets: [...new Set(req.bmcs)] };
}

/** The one-time boot's firmware mode: what the tied node booted with last, else the BMC's own. Pure. */
export function bootModeFor(bootMode: 'uefi' | 'bios' | undefined): BootMode {
  if (bootMode === 'uefi') return 'uefi';
  if (bootMode === 'bios') return 'legacy';
  return 'auto';
}

async function waitPower(read: () => Promise<string>, want: string, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if ((await read()) === want) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

export async function powerOnBmc(
  ctx: BmcActionContext,
  raw: string,
  opts: { cycle: boolean; by: string },
  progress: (m: string) => void,
): Promise<PowerOnResult> {
  const { store, config } = ctx;
  const listed = store.state.bmcs?.[raw];
  const verdict = decidePowerOnTarget(
    raw,
    listed?.mac,
    bmcFacts(store.state, config, hostAddresses(), Date.now()),
  );
  if (!verdict.ok) {
    progress(verdict.why);
    return { address: raw, ok: false, reason: verdict.why };
  }
  const address = verdict.address;
  const node = listed?.node;
  const step = async (action: string, ok: boolean, message: string) => {
    progress(`BMC ${address}: ${action} ${ok ? 'ok' : 'FAILED'}: ${message}`);
    await store.emit({ type: 'bmc.action', data: { address, action, ok, message, node, by: opts.by } });
  };
  const power = async (state: 'on' | 'off' | 'unknown', detail?: string) => {
    if (store.state.bmcs?.[address] && store.state.bmcs[address].power !== state)
      await store.emit({ type: 'bmc.power', data: { address, state, detail } });
  };

  let driver;
  try {
    driver = await openBmcFor(config, address, listed?.driver, ctx.open);
  } catch (e) {
    if (!(e instanceof CredentialsError) && !(e instanceof BmcError)) throw e;
    await step('open', false, e.message);
    return { address, ok: false, reason: e.message };
  }
  let during = 'power state';
  try {
    const before = await driver.powerState();
    await power(before);
    if (listed && driver.identify) {
      // only a display aid: a BMC that cannot name its host's NICs is powered on all the same
      const id = await driver.identify().catch((e: unknown) => {
        if (!(e instanceof BmcError)) throw e;
        ctx.log.debug({ err: e, address }, 'BMC did not name its host NICs');
        return undefined;
      });
      if (id) await learnHostMacs(ctx, listed, id);
    }
    if (before === 'on' && !opts.cycle) {
      await step('power on', true, 'already on: left alone (a power cycle needs --cycle)');
      return { address, ok: true, did: 'left-on' };
    }
    const mode = bootModeFor(node ? store.node(node)?.inventory?.summary.bootMode : undefined);
    during = 'one-time boot pxe';
    await driver.setOneTimeBoot('pxe', mode);
    await step(during, true, `next boot from the network${mode === 'auto' ? '' : ` (${mode})`}, once`);
    if (before === 'on') {
      during = 'force off';
      await driver.forceOff();
      const off = await waitPower(
        () => driver.powerState(),
        'off',
        Math.max(10, config.power.ipmi.timeoutSeconds),
      );
      await power(off ? 'off' : 'unknown');
      if (!off) throw new BmcError('other', address, 'still on after a forced off');
      await step(during, true, 'off, for the power cycle');
    }
    during = 'power on';
    await driver.powerOn();
    const after = await driver.powerState();
    await power(after);
    await step(
      during,
      after === 'on',
      after === 'on' ? 'on: it boots from the network now' : `power reads ${after}`,
    );
    if (after !== 'on') return { address, ok: false, reason: `power reads ${after} after power on` };
    return { address, ok: true, did: before === 'on' ? 'cycled' : 'powered-on' };
  } catch (e) {
    if (!(e instanceof BmcError)) throw e;
    await step(during, false, e.message);
    return { address, ok: false, reason: e.message };
  } finally {
    await driver.close();
  }
}

/** Several BMCs at once (bounded); one result per address, in the order given. */
export async function powerOnBmcs(
  ctx: BmcActionContext,
  addresses: string[],
  opts: { cycle: boolean; by: string },
  progress: (m: string) => void,
): Promise<PowerOnResult[]> {
  const results = new Array<PowerOnResult>(addresses.length);
  let next = 0;
  const worker = async () => {
    while (next < addresses.length) {
      const i = next++;
      const address = addresses[i]!;
      try {
        results[i] = await powerOnBmc(ctx, address, opts, progress);
      } catch (e) {
        ctx.log.error({ err: e, address }, 'power on failed');
        results[i] = { address, ok: false, reason: (e as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, addresses.length) }, worker));
  return results;
}

/** One line for a batch of power-ons. Pure. */
export function summarizePowerOn(results: PowerOnResult[]): { ok: boolean; message: string } {
  const count = (did: string) => results.filter((r) => r.ok && r.did === did).length;
  const failed = results.filter((r): r is Extract<PowerOnResult, { ok: false }> => !r.ok);
  const parts = [
    `${count('powered-on')} powered on, ${count('cycled')} power-cycled, ${count('left-on')} already on (left alone), ${failed.length} failed, of ${results.length} BMC(s)`,
    ...failed.map((f) => `${f.address}: ${f.reason}`),
  ];
  return { ok: failed.length === 0, message: parts.join('; ') };
}

// The BMC actions of the control socket: `power-on` (one-time network boot, then on; a power cycle only
// when asked) and `bmc-trust` (the operator accepts a BMC's new certificate). `registerBmcActions(control,
// ctx)` wires them in; the view-only socket has none.
import { join } from 'node:path';
import { acceptFingerprint, endpointKey, loadPins } from '../../net/bmc/tofu.js';
import type { ControlServer } from '../control/server.js';
import { BMC_PINS_FILE } from './access.js';
import { powerOnBmcs, powerOnTargets, summarizePowerOn, type BmcActionContext } from './power-on.js';

/** The port whose certificate the Redfish driver pins. */
const REDFISH_PORT = 443;

export function registerBmcActions(control: ControlServer, ctx: BmcActionContext): void {
  control.registerAction('power-on', async (action, { by, progress }) => {
    if (action.name !== 'power-on') return { ok: false, message: 'wrong action' };
    const chosen = powerOnTargets(
      action,
      Object.keys(ctx.store.state.bmcs ?? {}),
      ctx.config.bmcs.map((b) => b.address),
    );
    if ('error' in chosen) return { ok: false, message: chosen.error };
    progress(
      `powering on through ${chosen.targets.length} BMC(s)${action.cycle ? ' (power cycle when on)' : ''}`,
    );
    const results = await powerOnBmcs(ctx, chosen.targets, { cycle: action.cycle === true, by }, progress);
    return { ...summarizePowerOn(results), data: results };
  });

  // The fingerprint is the operator's, copied from the refusal that named it: whatever the BMC shows
  // now, only that certificate becomes trusted, so a third certificate is refused again.
  control.registerAction('bmc-trust', async (action, { by }) => {
    if (action.name !== 'bmc-trust') return { ok: false, message: 'wrong action' };
    const { address, fingerprint } = action;
    const known =
      ctx.store.state.bmcs?.[address] !== undefined || ctx.config.bmcs.some((b) => b.address === address);
    if (!known) return { ok: false, message: `${address} is no BMC recon lists (recon console: B)` };
    const store = join(ctx.config.dataDir, BMC_PINS_FILE);
    const endpoint = endpointKey(address, REDFISH_PORT);
    const was = (await loadPins(store))[endpoint]?.sha256;
    await acceptFingerprint(store, endpoint, fingerprint);
    const message = `${endpoint}: certificate ${fingerprint} trusted${was && was !== fingerprint ? ` (was ${was})` : ''}`;
    await ctx.store.emit({ type: 'bmc.action', data: { address, action: 'trust', ok: true, message, by } });
    return { ok: true, message };
  });
}

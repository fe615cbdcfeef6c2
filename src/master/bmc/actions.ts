// The BMC actions of the control socket: `power-on` (one-time network boot, then on; a power cycle only
// when asked). `registerBmcActions(control, ctx)` wires them in; the view-only socket has none.
import type { ControlServer } from '../control/server.js';
import { powerOnBmcs, powerOnTargets, summarizePowerOn, type BmcActionContext } from './power-on.js';

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
}

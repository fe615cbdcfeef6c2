// The fleet's expected size: taken from the config when the master starts, changed from a console with
// the `expect` action. It lives in the state (a `fleet.expected` event), so every console and the report
// see the same figure; a restart keeps what a console set unless the config names another count.
import type { ControlServer } from './control/server.js';
import type { StateStore } from '../model/store.js';
import type { ReconConfig } from '../model/config/schema.js';

/** At start: the config's `expectedNodes`, when it differs from what the state already holds. */
export async function applyConfiguredExpectation(store: StateStore, config: ReconConfig): Promise<void> {
  const want = config.expectedNodes;
  if (want === undefined || store.state.expectedNodes === want) return;
  await store.emit({ type: 'fleet.expected', data: { count: want, by: 'config' } });
}

export function registerFleetActions(control: ControlServer, store: StateStore): void {
  control.registerAction('expect', async (action, { by }) => {
    if (action.name !== 'expect') return { ok: false, message: 'wrong action' };
    await store.emit({ type: 'fleet.expected', data: { count: action.count, by } });
    return {
      ok: true,
      message: action.count > 0 ? `expecting ${action.count} node(s)` : 'no expected node count',
    };
  });
}

// The BMCs screen as lines of text: every BMC recon found or the config names — address, vendor, model,
// power, driver, the peer it belongs to (once that peer's inventory reports the BMC's MAC) with the
// peer's stage (before the inventory ties them: `~` and the node booting behind it, by a host MAC the BMC
// named), and the last BMC action. Pure; each line carries the peer's MAC (Enter opens it) and the
// BMC's address (the power-on key acts on it).
import type { ReconState } from '../model/reducer.js';
import { clean, fit, ipSortKey, type Glyphs } from './format.js';
import type { Line } from './lists.js';
import type { Tone } from './node-table.js';

export interface BmcLine extends Line {
  address: string;
}

export const BMC_HEADER = ['ADDRESS', 'VENDOR', 'MODEL', 'POWER', 'DRIVER', 'PEER', 'STAGE', 'LAST ACTION'];

export function bmcLines(
  state: ReconState,
  width: number,
  g: Glyphs,
  ascii: boolean,
): { header: string; lines: BmcLine[] } {
  const bmcs = Object.values(state.bmcs ?? {});
  bmcs.sort((a, b) => ipSortKey(a.address) - ipSortKey(b.address) || a.address.localeCompare(b.address));
  // address 15, power 7, driver 7 and peer 18 always (with 7 separating spaces); the rest is shared
  const rest = Math.max(24, width - (15 + 7 + 7 + 18 + 7));
  const share = (f: number, max: number) => Math.max(6, Math.min(max, Math.floor(rest * f)));
  const vendorW = share(0.22, 12);
  const modelW = share(0.25, 18);
  const stageW = share(0.2, 12);
  const actionW = Math.max(6, rest - vendorW - modelW - stageW);
  const fmt = (c: string[]) =>
    [
      fit(c[0] ?? '', 15, g),
      fit(c[1] ?? '', vendorW, g),
      fit(c[2] ?? '', modelW, g),
      fit(c[3] ?? '', 7, g),
      fit(c[4] ?? '', 7, g),
      fit(c[5] ?? '', 18, g),
      fit(c[6] ?? '', stageW, g),
      fit(c[7] ?? '', actionW, g),
    ].join(' ');
  const lines = bmcs.map((b): BmcLine => {
    // tied by the node's inventory; else, shown with ~, the node booting behind it by a host MAC the BMC named
    const tied = b.node !== undefined ? state.nodes[b.node] : undefined;
    const behind = tied ? undefined : b.hostMacs?.map((m) => state.nodes[m]).find((n) => n !== undefined);
    const node = tied ?? behind;
    const last = b.lastAction;
    const tone: Tone =
      last && !last.ok ? 'warn' : b.power === 'on' ? 'busy' : b.power === 'off' ? 'done' : 'idle';
    return {
      text: fmt([
        b.address,
        clean(b.vendor ?? '', ascii),
        clean(b.model ?? '', ascii),
        b.power,
        b.driver,
        tied ? tied.mac : behind ? `~${behind.mac}` : '-',
        node?.stage ?? '',
        last ? clean(`${last.action} ${last.ok ? 'ok' : 'FAILED'}: ${last.message}`, ascii) : '',
      ]),
      tone,
      mac: node?.mac,
      address: b.address,
    };
  });
  return { header: fmt(BMC_HEADER), lines };
}

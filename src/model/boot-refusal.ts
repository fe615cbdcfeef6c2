// Diagnosis of a refused boot file: a UEFI firmware that downloads iPXE (unsigned) under Secure Boot
// refuses to start it ("Access Denied") and goes straight on to its next boot option, which asks DHCP
// again (PXE over IPv6, then HTTP boot). iPXE that does run asks DHCP as iPXE (user class), and then
// reads menu.ipxe. So: the iPXE binary fetched by a UEFI client, then a non-iPXE DISCOVER/SOLICIT from the
// same MAC within a short window, with no menu read in between → the firmware refused it. Pure: the
// watch is folded over the event stream; the master emits the `boot.refused` it returns.
import type { EventPayloads, Mac, ReconEvent } from './events.js';
import type { ReconState } from './reducer.js';

/** The operator's next step, shown with the refused file. */
export const REFUSED_HINT = 'Secure Boot? set boot.uefi=shim-grub';
/**
 * A refusal is immediate (0.03 s after the download under OVMF) and the firmware's next option asks DHCP
 * within seconds; 60 s leaves room for slow firmware and stays short of a deliberate reboot.
 */
export const REFUSAL_WINDOW_MS = 60_000;
/** Fetches remembered at most (one per node in the middle of a boot; the oldest goes first). */
const MAX_WATCHED = 4096;

export interface RefusalWatch {
  /** MAC → the iPXE binary it fetched and when (ms), not yet followed by a menu or a DHCP request */
  fetched: Map<Mac, { file: string; at: number }>;
}

export function newRefusalWatch(): RefusalWatch {
  return { fetched: new Map() };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Folds one event (already applied to `state`) into the watch; returns the refusal it reveals.
 * `ipxeFiles`: the iPXE binaries UEFI clients are handed (config boot.files efi64/efi32/arm64, base names).
 */
export function watchForRefusal(
  watch: RefusalWatch,
  ev: ReconEvent,
  state: ReconState,
  ipxeFiles: ReadonlySet<string>,
  windowMs = REFUSAL_WINDOW_MS,
): EventPayloads['boot.refused'] | undefined {
  const now = Date.parse(ev.at);
  switch (ev.type) {
    case 'transfer.done': {
      const t = state.transfers[ev.data.id];
      const mac = t?.mac;
      if (!t || !mac || t.kind !== 'bootloader' || !ipxeFiles.has(baseName(t.file))) return undefined;
      const firmware = state.nodes[mac]?.firmware;
      if (firmware !== 'uefi' && firmware !== 'uefi-http') return undefined;
      watch.fetched.delete(mac);
      watch.fetched.set(mac, { file: baseName(t.file), at: now });
      if (watch.fetched.size > MAX_WATCHED) watch.fetched.delete(watch.fetched.keys().next().value!);
      return undefined;
    }
    case 'transfer.start':
      // iPXE ran and read its menu
      if (ev.data.kind === 'menu' && ev.data.mac) watch.fetched.delete(ev.data.mac);
      return undefined;
    case 'dhcp.discover': {
      const seen = watch.fetched.get(ev.data.mac);
      if (!seen || ev.data.firmware === 'ipxe') return undefined;
      watch.fetched.delete(ev.data.mac);
      if (now - seen.at > windowMs) return undefined;
      return { mac: ev.data.mac, file: seen.file, hint: REFUSED_HINT };
    }
    default:
      return undefined;
  }
}

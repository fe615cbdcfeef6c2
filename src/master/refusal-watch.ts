// Says so when a UEFI firmware refuses the iPXE binary it was handed (most likely Secure Boot): the
// pure rule in model/boot-refusal.ts, fed every event the store applies; a refusal becomes a
// `boot.refused` event (the console's and the headless line's "firmware refused ipxe.efi — ...").
import type { Logger } from 'pino';
import { newRefusalWatch, watchForRefusal } from '../model/boot-refusal.js';
import type { ReconConfig } from '../model/config/schema.js';
import type { StateStore } from '../model/store.js';

export function watchBootRefusals(store: StateStore, config: ReconConfig, log: Logger): () => void {
  const watch = newRefusalWatch();
  const { efi64, efi32, arm64 } = config.boot.files;
  const ipxeFiles = new Set([efi64, efi32, arm64].map((f) => f.slice(f.lastIndexOf('/') + 1)));
  return store.subscribe((ev, state) => {
    const refused = watchForRefusal(watch, ev, state, ipxeFiles);
    if (!refused) return;
    log.warn(refused, 'firmware refused its boot file');
    store
      .emit({ type: 'boot.refused', data: refused })
      .catch((err: unknown) => log.warn({ err }, 'boot.refused not recorded'));
  });
}

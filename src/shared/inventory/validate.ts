// Validates an untrusted object (an upload, a file from the data dir) against the inventory schema.
import { inventorySchema, type Inventory } from './schema.js';

export type InventoryValidation = { ok: true; inventory: Inventory } | { ok: false; errors: string[] };

/** At most this many problems are reported: enough to fix a collector, bounded for a hostile peer. */
const MAX_ERRORS = 20;

export function validateInventory(obj: unknown): InventoryValidation {
  const r = inventorySchema.safeParse(obj);
  if (r.success) return { ok: true, inventory: r.data };
  const errors = r.error.issues
    .slice(0, MAX_ERRORS)
    .map((i) => `/${i.path.map(String).join('/')} ${i.message}`);
  return { ok: false, errors };
}

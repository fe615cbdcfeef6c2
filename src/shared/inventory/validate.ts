// Validates an untrusted object (an upload, a file from the data dir) against the inventory JSON Schema.
// Compiled once, lazily: ajv code generation costs a few milliseconds that most callers never need.
import { Ajv, type ValidateFunction } from 'ajv';
import { inventoryJsonSchema } from './json-schema.js';
import type { Inventory } from './types.js';

export type InventoryValidation = { ok: true; inventory: Inventory } | { ok: false; errors: string[] };

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(inventoryJsonSchema);
  return compiled;
}

export function validateInventory(obj: unknown): InventoryValidation {
  const check = validator();
  if (check(obj)) return { ok: true, inventory: obj as Inventory };
  const errors = (check.errors ?? [])
    .slice(0, 20)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  return { ok: false, errors };
}

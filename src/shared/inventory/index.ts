// The inventory contract shared by the peer collector and the master: types, schema, validation, summary.
export * from './types.js';
export { inventoryJsonSchema } from './json-schema.js';
export { validateInventory, type InventoryValidation } from './validate.js';
export { summarizeInventory } from './summarize.js';

// The inventory contract shared by the peer collector and the master: schema and types, validation, summary.
export * from './schema.js';
export { validateInventory, type InventoryValidation } from './validate.js';
export { summarizeInventory, type InventorySummary } from './summarize.js';

// The inventory's schema version, apart from the schema so the collector's bundle needs no zod for it.
export const INVENTORY_SCHEMA_VERSION = 2;

// Writes schema/inventory.schema.json from the zod schema (the one definition), after tsc has built dist/.
// `--check` writes nothing and fails when the committed file is not what the schema generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { inventoryJsonSchema } from '../dist/shared/inventory/schema.js';

const file = new URL('../schema/inventory.schema.json', import.meta.url);
const text = JSON.stringify(inventoryJsonSchema(), null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('schema/inventory.schema.json is out of date: run npm run build and commit it');
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
}

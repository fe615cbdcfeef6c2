// The inventory contract: the published schema file equals the compiled one, a complete document validates,
// broken documents are rejected with a path, and the summary carries what the console shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  inventoryJsonSchema,
  validateInventory,
  summarizeInventory,
  type Inventory,
} from '../../src/shared/inventory/index.js';
import { sampleInventory } from './sample-inventory.js';

const schemaFile = new URL('../../schema/inventory.schema.json', import.meta.url);

void test('schema/inventory.schema.json is the published copy of the schema object', () => {
  // RECON_WRITE_SCHEMA=1 regenerates the file after a schema change.
  if (process.env.RECON_WRITE_SCHEMA === '1')
    writeFileSync(schemaFile, JSON.stringify(inventoryJsonSchema, null, 2) + '\n');
  assert.deepEqual(JSON.parse(readFileSync(schemaFile, 'utf8')), inventoryJsonSchema);
});

void test('a complete inventory validates', () => {
  const r = validateInventory(sampleInventory());
  assert.equal(r.ok, true, JSON.stringify(r));
});

void test('broken inventories are rejected with the offending path', () => {
  const cases: [string, (i: Inventory) => unknown, RegExp][] = [
    ['wrong version', (i) => ({ ...i, schemaVersion: 2 }), /schemaVersion/],
    [
      'upper-case MAC',
      (i) => ({ ...i, nics: [{ ...i.nics[0], mac: 'AA:BB:CC:DD:EE:01' }] }),
      /\/nics\/0\/mac/,
    ],
    ['unknown key', (i) => ({ ...i, system: { ...i.system, colour: 'red' } }), /\/system/],
    ['missing tools', (i) => ({ ...i, tools: undefined }), /tools/],
    [
      'bad tool status',
      (i) => ({ ...i, tools: { x: { status: 'fine', argv: [], durationMs: 1 } } }),
      /\/tools\/x\/status/,
    ],
    ['negative size', (i) => ({ ...i, disks: [{ ...i.disks[0], sizeBytes: -1 }] }), /\/disks\/0\/sizeBytes/],
  ];
  for (const [name, mutate, path] of cases) {
    const r = validateInventory(mutate(sampleInventory()));
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.errors.join('\n'), path, name);
  }
  assert.equal(validateInventory(null).ok, false);
  assert.equal(validateInventory('garbage').ok, false);
});

void test('summary carries identity, sizes, switch port, BMC and failed tools', () => {
  const s = summarizeInventory(sampleInventory());
  assert.equal(s.vendor, 'Dell Inc.');
  assert.equal(s.cores, 20);
  assert.equal(s.memoryBytes, 34_359_738_368); // installed 32 GiB, not the kernel's total
  assert.equal(s.dimms, 2);
  assert.deepEqual(s.disks, [{ name: 'sda', sizeBytes: 4000787030016, health: 'passed' }]);
  assert.deepEqual(s.nics, [
    {
      name: 'eno1',
      mac: 'aa:bb:cc:dd:ee:01',
      speedMbps: 10000,
      link: true,
      switchName: 'sw1',
      switchPort: 'Ethernet12',
    },
  ]);
  assert.deepEqual(s.bmc, { ipv4: '10.0.0.5', mac: 'aa:bb:cc:dd:ee:ff', firmware: '4.40' });
  assert.equal(s.bootMode, 'uefi');
  assert.deepEqual(s.toolsFailed, ['smartctl:sda']);
});

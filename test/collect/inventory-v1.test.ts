// Inventory schema version 2 still reads version 1: an inventory.json the previous collector wrote (this project's
// KVM guest, unchanged) validates as an upload would and reads from a data dir as the report and console do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  INVENTORY_SCHEMA_VERSION,
  summarizeInventory,
  validateInventory,
} from '../../src/shared/inventory/index.js';
import { readNodeInventory } from '../../src/model/data-dir.js';
import type { Mac } from '../../src/model/events.js';

const v1File = new URL('../fixtures/collect/inventory-v1-kvm-guest.json', import.meta.url);

void test('a version-1 inventory validates and summarizes under schema version 2', async () => {
  assert.equal(INVENTORY_SCHEMA_VERSION, 2);
  const doc = JSON.parse(await readFile(v1File, 'utf8')) as Record<string, unknown>;
  assert.equal(doc.schemaVersion, 1);
  const r = validateInventory(doc);
  assert.equal(r.ok, true, JSON.stringify(r));
  if (!r.ok) return;
  assert.equal(r.inventory.firmware.secureBoot, undefined);
  assert.equal(summarizeInventory(r.inventory).bootMode, 'bios');
  for (const v of [0, 3, '2'])
    assert.equal(validateInventory({ ...doc, schemaVersion: v }).ok, false, `schemaVersion ${String(v)}`);
});

void test('a stored version-1 inventory.json reads from the data dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-v1-'));
  try {
    const mac = '52:54:00:12:34:56' as Mac;
    await mkdir(join(dir, 'nodes', mac), { recursive: true });
    await writeFile(join(dir, 'nodes', mac, 'inventory.json'), await readFile(v1File));
    const inv = await readNodeInventory(dir, mac);
    assert.equal(inv?.schemaVersion, 1);
    assert.equal(inv.collector.hostname, 'vm');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

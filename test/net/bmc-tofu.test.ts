// Trust on first use of BMC certificates: the verdicts, and the store file (first use records, a change is
// refused until accepted, a damaged store is an error and never "no pins").
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  acceptFingerprint,
  judgeFingerprint,
  loadPins,
  normalizeFingerprint,
  pinOnFirstUse,
} from '../../src/net/bmc/tofu.js';

const A = 'AA:BB:' + '00:'.repeat(29) + '01';
const B = 'AA:BB:' + '00:'.repeat(29) + '02';

test('fingerprint verdicts: first use, trusted (any spelling), changed', () => {
  const pins = { 'bmc:443': { sha256: A, firstSeen: '' } };
  assert.deepEqual(judgeFingerprint(pins, 'other:443', A), { kind: 'first-use' });
  assert.deepEqual(judgeFingerprint(pins, 'bmc:443', A.toLowerCase().replace(/:/g, '')), { kind: 'trusted' });
  assert.deepEqual(judgeFingerprint(pins, 'bmc:443', B), { kind: 'changed', recorded: A, seen: B });
  assert.equal(normalizeFingerprint('ab cd'), 'AB:CD');
});

test('the pin store: first use records (mode 0600), a change is refused until accepted, damage is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-tofu-'));
  try {
    const store = join(dir, 'bmc-certificates.json');
    assert.deepEqual(await loadPins(store), {});
    assert.deepEqual(await pinOnFirstUse(store, 'bmc:443', A), { kind: 'first-use' });
    assert.equal((await stat(store)).mode & 0o777, 0o600);
    assert.deepEqual(await pinOnFirstUse(store, 'bmc:443', A), { kind: 'trusted' });
    assert.deepEqual(await pinOnFirstUse(store, 'bmc:443', B), { kind: 'changed', recorded: A, seen: B });
    assert.equal((await loadPins(store))['bmc:443']?.sha256, A, 'a change never overwrites the pin');
    await acceptFingerprint(store, 'bmc:443', B);
    assert.deepEqual(await pinOnFirstUse(store, 'bmc:443', B), { kind: 'trusted' });
    // two first uses at once: both pins survive
    await Promise.all([pinOnFirstUse(store, 'x:443', A), pinOnFirstUse(store, 'y:443', B)]);
    assert.deepEqual(Object.keys(await loadPins(store)).sort(), ['bmc:443', 'x:443', 'y:443']);
    assert.match(await readFile(store, 'utf8'), /"firstSeen"/);
    await writeFile(store, '{"bmc:443": {"sha');
    await assert.rejects(pinOnFirstUse(store, 'bmc:443', A), SyntaxError);
    await writeFile(store, '[]');
    await assert.rejects(loadPins(store), /not a table/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

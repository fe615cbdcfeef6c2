// Table tests of the config error helpers: nearest key for a typo, line:column of a JSON syntax error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, jsonErrorPlace, keysAt, nearestKey } from '../../src/model/config/suggest.js';
import { configSchema } from '../../src/model/config/schema.js';

void test('edit distance counts a swap of two neighbours as one edit', () => {
  const rows: [string, string, number][] = [
    ['interface', 'interface', 0],
    ['interfce', 'interface', 1],
    ['inetrface', 'interface', 1],
    ['Interface', 'interface', 0],
    ['dataDir', 'tftpRoot', 7],
    ['', 'abc', 3],
  ];
  for (const [a, b, d] of rows) assert.equal(editDistance(a, b), d, `${a} / ${b}`);
});

void test('nearest key: close typos only', () => {
  const keys = ['interface', 'ipv4', 'ipv6', 'dataDir', 'tftpRoot', 'names', 'ports'];
  const rows: [string, string | undefined][] = [
    ['interfce', 'interface'],
    ['datadir', 'dataDir'],
    ['ipv5', 'ipv4'],
    ['port', 'ports'],
    ['colour', undefined],
    ['x', undefined],
  ];
  for (const [word, want] of rows) assert.equal(nearestKey(word, keys), want, word);
});

void test('keys at a path look through defaults, lists and records', () => {
  assert.ok(keysAt(configSchema, []).includes('interface'));
  assert.ok(keysAt(configSchema, ['ipv4']).includes('leaseSeconds'));
  assert.ok(keysAt(configSchema, ['ipv4', 'reservations', 0]).includes('hostname'));
  assert.deepEqual(keysAt(configSchema, ['interface']), []);
  assert.deepEqual(keysAt(configSchema, ['nothing', 'here']), []);
});

void test('a JSON syntax error is placed by line and column', () => {
  const place = (text: string): string => {
    try {
      JSON.parse(text);
    } catch (e) {
      return jsonErrorPlace(text, e as Error);
    }
    throw new Error('parsed');
  };
  assert.equal(place('{\n  "interface": "eth0",\n  "dataDir" "/x"\n}\n'), 'line 3, column 13');
  assert.equal(place('{"a": 1,}'), 'line 1, column 9');
  assert.equal(place('{\n  "a":'), 'line 2, column 7');
});

// Table tests of the parsers added for inventory version 2 (firmware state, topology, devices), on recordings of
// this project's KVM guest (`../fixtures/collect/machine/`) and on outputs written from the tools' documented
// formats (`../fixtures/collect/documented/`, see its README); truncated and garbage input fail, never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseEfibootmgr,
  parseMokutilSbState,
  parseSecureBootVar,
} from '../../src/collect/parsers/firmware.js';
import type { ParseResult } from '../../src/collect/parsers/result.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');
function value<T>(r: ParseResult<T>): T {
  if (!r.ok) assert.fail(`parser failed: ${r.error}`);
  return r.value;
}

void test('SecureBoot efivar: 4 attribute bytes then the data byte', () => {
  const cases: [string, ParseResult<string>['ok'], string?][] = [
    [fx('documented/od-secureboot-enabled.txt'), true, 'enabled'],
    [fx('documented/od-secureboot-disabled.txt'), true, 'disabled'],
    [' 06 00 00 00\n', false],
    [' 06 00 00 00 02\n', false],
    ['', false],
    ['garbage', false],
  ];
  for (const [text, isOk, want] of cases) {
    const r = parseSecureBootVar(text);
    assert.equal(r.ok, isOk, JSON.stringify(text));
    if (r.ok) assert.equal(r.value, want);
  }
  // on a BIOS boot the variable is not there: od says so on stderr (the collector records it as missing)
  assert.match(fx('machine/od-secureboot-bios.stderr'), /No such file or directory/);
});

void test('mokutil --sb-state', () => {
  assert.equal(value(parseMokutilSbState(fx('documented/mokutil-sb-state-enabled.txt'))), 'enabled');
  assert.equal(value(parseMokutilSbState('SecureBoot disabled\nPlatform is in Setup Mode\n')), 'disabled');
  assert.equal(value(parseMokutilSbState("This system doesn't support Secure Boot\n")), 'disabled');
  assert.equal(parseMokutilSbState(fx('machine/mokutil-sb-state-bios.stderr')).ok, false);
  assert.equal(parseMokutilSbState('').ok, false);
});

void test('efibootmgr: the man page example (no device paths) and an OVMF listing with paths', () => {
  const man = value(parseEfibootmgr(fx('documented/efibootmgr-manpage.txt')));
  assert.equal(man.current, '0004');
  assert.equal(man.next, '0003');
  assert.deepEqual(man.order, ['0004', '0000', '0001', '0002', '0003']);
  assert.equal(man.entries.length, 5);
  assert.deepEqual(man.entries[3], { id: '0003', label: 'PXE Boot: MAC(00D0B7C15D91)', active: true });
  const ovmf = value(parseEfibootmgr(fx('documented/efibootmgr-v18-ovmf.txt')));
  assert.equal(ovmf.current, '0001');
  assert.equal(ovmf.next, undefined);
  assert.deepEqual(ovmf.entries[1], {
    id: '0001',
    label: 'UEFI PXEv4 (MAC:525400123457)',
    active: true,
    path: 'PciRoot(0x0)/Pci(0x2,0x0)/MAC(525400123457,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)',
  });
  assert.equal(ovmf.entries[3]?.active, false);
  assert.equal(ovmf.entries[3]?.label, 'EFI Internal Shell');
  // on a BIOS boot efibootmgr only complains; truncated or foreign text is not a boot order
  assert.equal(parseEfibootmgr(fx('machine/efibootmgr-bios.stderr')).ok, false);
  assert.equal(parseEfibootmgr('BootCurrent: 0001').ok, false);
  assert.equal(parseEfibootmgr('').ok, false);
});

void test('efibootmgr: a hostile listing is capped to the schema bounds', () => {
  const many = Array.from(
    { length: 1000 },
    (_, i) => `Boot${i.toString(16).padStart(4, '0')}* ${'x'.repeat(400)}\tp`,
  );
  const r = value(parseEfibootmgr(`BootOrder: ${'0001,'.repeat(500)}0002\n${many.join('\n')}\n`));
  assert.equal(r.entries.length, 128);
  assert.equal(r.order.length, 128);
  assert.equal(r.entries[0]?.label.length, 256);
});

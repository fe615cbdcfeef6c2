// What one inventory pass runs, with a recording source runner answering from recorded outputs: the per-NIC
// and per-disk tools follow what ip and lsblk listed; the BMC step loads the IPMI drivers first when SMBIOS
// names a BMC but /dev/ipmi0 is missing, runs ipmitool when the device is there, and is skipped with the
// reason when neither says there is a BMC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { collectInventory } from '../../src/collect/collect.js';
import type { RawRun } from '../../src/collect/run-tools.js';
import type { SourceRunner } from '../../src/collect/sources.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');

const OUTPUTS: Record<string, string> = {
  ip: fx('machine/ip-d-addr.json'),
  lsblk: fx('machine/lsblk.json'),
  'ipmitool-lan': fx('machine/ipmi-sim-lan-print.txt'),
  'ipmitool-mc': fx('machine/ipmi-sim-mc-info.txt'),
  'ipmitool-fru': fx('machine/ipmi-sim-fru-print-0.txt'),
};

function recorder(dmidecode: string, devices: string[]): { runner: SourceRunner; ran: string[] } {
  const ran: string[] = [];
  const answer = (id: string, argv: string[], stdout: string): RawRun => ({
    id,
    argv,
    stdout,
    stderr: '',
    exitCode: 0,
    durationMs: 1,
  });
  const runner: SourceRunner = {
    run: (id, argv) => {
      ran.push(argv.join(' '));
      return Promise.resolve(answer(id, argv, id === 'dmidecode' ? dmidecode : (OUTPUTS[id] ?? '')));
    },
    read: (id, path) => Promise.resolve(answer(id, ['read', path], '')),
    efi: () => Promise.resolve(answer('efi', ['stat', '/sys/firmware/efi'], 'bios\n')),
    byPath: () => Promise.resolve(answer('by-path', ['readlink'], '{}\n')),
    edac: () => Promise.resolve({ ...answer('edac', ['read'], ''), error: 'missing' as const }),
    tree: (id, spec) => Promise.resolve(answer(id, ['read', `${spec.root}/*`], '{}\n')),
    exists: (path) => Promise.resolve(devices.includes(path)),
    lldp: (nics, wait) => {
      ran.push(`lldp ${nics.join(',')} ${wait}`);
      return Promise.resolve(answer('lldpctl', ['lldpctl', '-f', 'json'], '{"lldp": {}}\n'));
    },
  };
  return { runner, ran };
}

const DELL = fx('public/dmidecode-dell-r440.txt'); // has an IPMI device (SMBIOS type 38)

test('per-device tools follow ip and lsblk; LLDP listens on ether NICs with link', async () => {
  const { runner, ran } = recorder('', []);
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 7, sources: runner });
  for (const t of ['ethtool -i eth0', 'ethtool -P eth0', 'ethtool eth0', 'smartctl -x -j /dev/vda'])
    assert.ok(ran.includes(t), `${t} in ${ran.join(' | ')}`);
  assert.ok(!ran.some((r) => /(ethtool|smartctl).*\b(lo|zram\d)\b/.test(r)), 'no tools for lo or zram');
  assert.ok(ran.includes('lldp eth0 7'), ran.join(' | '));
  // no BMC hint: ipmitool is not run, and the inventory says why
  assert.ok(!ran.some((r) => r.startsWith('ipmitool') || r.startsWith('modprobe')));
  for (const id of ['ipmitool-lan', 'ipmitool-mc', 'ipmitool-fru']) {
    assert.equal(inventory.tools[id]?.status, 'skipped', id);
    assert.equal(inventory.tools[id]?.stderr, 'no IPMI device (SMBIOS type 38, /dev/ipmi0)');
  }
  assert.equal(inventory.bmc.present, false);
});

test('SMBIOS names a BMC but /dev/ipmi0 is missing: the drivers are loaded, then ipmitool reads it', async () => {
  const { runner, ran } = recorder(DELL, []);
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 0, sources: runner });
  const modprobe = ran.indexOf('modprobe -a ipmi_si ipmi_devintf');
  assert.ok(modprobe >= 0, ran.join(' | '));
  for (const t of ['ipmitool lan print', 'ipmitool mc info', 'ipmitool fru print 0'])
    assert.ok(ran.indexOf(t) > modprobe, `${t} after modprobe`);
  assert.equal(inventory.tools['modprobe-ipmi']?.status, 'ok');
  assert.equal(inventory.bmc.present, true);
  assert.equal(inventory.bmc.ipv4, '10.99.0.250');
  assert.equal(inventory.bmc.interfaceType, 'KCS (Keyboard Control Style)');
});

test('/dev/ipmi0 present: ipmitool runs without loading drivers', async () => {
  const { runner, ran } = recorder('', ['/dev/ipmi0']);
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 0, sources: runner });
  assert.ok(!ran.some((r) => r.startsWith('modprobe')));
  assert.ok(ran.includes('ipmitool lan print'));
  assert.equal(inventory.bmc.firmware, '9.08');
});

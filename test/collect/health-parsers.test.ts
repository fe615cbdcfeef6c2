// The collector's health sources: smartctl's error counters, ipmitool's SDR and SEL, the EDAC counters in
// sysfs, and the order the BMC steps run in (never an SDR walk on an empty repository: ipmitool would erase
// and rebuild it on the BMC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../../src/collect/collect.js';
import { parseEdac } from '../../src/collect/parsers/edac.js';
import { parseIpmiSdr, parseIpmiSdrInfo, parseIpmiSel } from '../../src/collect/parsers/ipmitool.js';
import { parseSmartctl } from '../../src/collect/parsers/smartctl.js';
import { readEdac, type RawRun } from '../../src/collect/run-tools.js';
import type { SourceRunner } from '../../src/collect/sources.js';
import { isCriticalSelType } from '../../src/shared/health/bmc.js';
import { validateInventory } from '../../src/shared/inventory/index.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');

function value<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('smartctl: the error counters of each protocol, as the drive reports them', () => {
  const cases: [string, Record<string, number>][] = [
    [
      'public/smartctl-nvme-samsung.json',
      {
        criticalWarning: 0,
        mediaErrors: 7,
        availableSpare: 99,
        availableSpareThreshold: 10,
        percentageUsed: 3,
        errorLogEntries: 62,
      },
    ],
    [
      'public/smartctl-sas-seagate.json',
      { grownDefects: 56, uncorrectedReadErrors: 0, uncorrectedWriteErrors: 0 },
    ],
    [
      'health/smartctl-ata-pending.json',
      { reallocatedSectors: 24, pendingSectors: 16, offlineUncorrectable: 16, udmaCrcErrors: 0 },
    ],
    [
      'health/smartctl-sas-uncorrected.json',
      { grownDefects: 212, uncorrectedReadErrors: 3, uncorrectedWriteErrors: 0 },
    ],
    [
      'health/smartctl-nvme-spare.json',
      {
        criticalWarning: 1,
        mediaErrors: 0,
        availableSpare: 4,
        availableSpareThreshold: 10,
        percentageUsed: 97,
        errorLogEntries: 3,
      },
    ],
    ['machine/smartctl-vda.json', {}], // a virtio disk: no SMART at all
  ];
  for (const [file, counters] of cases) {
    const r = parseSmartctl(fx(file));
    if (!r.ok) {
      assert.deepEqual(counters, {}, `${file}: ${r.error}`);
      continue;
    }
    assert.deepEqual(r.value.counters, counters, file);
  }
});

test('smartctl: a packed ATA raw value counts by its decoded first number, not the 48 raw bits', () => {
  const doc = JSON.parse(fx('health/smartctl-ata-pending.json')) as {
    ata_smart_attributes: { table: { id: number; raw: { value: number; string: string } }[] };
  };
  const crc = doc.ata_smart_attributes.table.find((a) => a.id === 199)!;
  crc.raw = { value: 0x0003_0000_0005, string: '5 (3 0)' };
  assert.equal(value(parseSmartctl(JSON.stringify(doc))).counters?.udmaCrcErrors, 5);
});

test('ipmitool sel elist: time, sensor type, event and direction of each recorded entry', () => {
  const sel = value(parseIpmiSel(fx('machine/ipmi-sim-sel-elist-faults.txt')));
  assert.equal(sel.total, 8);
  assert.deepEqual(sel.entries[0], {
    id: '1',
    time: 'Pre-Init 0000013010',
    sensor: 'OS Boot #0x90',
    sensorType: 'OS Boot',
    event: 'C: boot completed',
    asserted: true,
  });
  assert.deepEqual(sel.entries[2], {
    id: '3',
    time: '12/03/26 13:05:27 UTC',
    sensor: 'Memory #0x60',
    sensorType: 'Memory',
    event: 'Uncorrectable ECC',
    asserted: true,
  });
  assert.equal(sel.entries[6]?.asserted, false);
  const named = value(parseIpmiSel(fx('machine/ipmi-sim-sel-elist-named.txt')));
  assert.deepEqual(named.entries[5], {
    id: '6',
    time: 'Pre-Init 0000013025',
    sensor: 'Temperature CPU1 Temp',
    sensorType: 'Temperature',
    event: 'Upper Critical going high; Reading 92 > Threshold 90 degrees C',
    asserted: true,
  });
  assert.equal(named.entries[3]?.sensorType, 'Power Supply');
  // `sel list` (no SDR walk) has the same columns
  assert.deepEqual(value(parseIpmiSel(fx('machine/ipmi-sim-sel-list-faults.txt'))), sel);
  // an empty SEL: nothing on stdout (ipmitool says so on stderr)
  assert.match(fx('machine/ipmi-sim-sel-elist-empty.stderr'), /SEL has no entries/);
  assert.deepEqual(value(parseIpmiSel('')), { total: 0, entries: [] });
  assert.equal(parseIpmiSel('   1 | Pre-Init |0000000001| Memory #0x60 | Correctable').ok, false, 'cut off');
  assert.equal(parseIpmiSel('Error: no SEL\n').ok, false);
});

test('ipmitool sel: past the limit the newest entries stay, those the rules judge first', () => {
  const line = (i: number, sensor: string): string =>
    `${i.toString(16).padStart(4, ' ')} | 12/03/26 | 13:00:00 UTC | ${sensor} | event ${i} | Asserted`;
  const text =
    [line(1, 'Memory #0x60'), ...Array.from({ length: 20 }, (_, i) => line(i + 2, 'OS Boot #0x90'))].join(
      '\n',
    ) + '\n';
  const sel = value(parseIpmiSel(text, 5, isCriticalSelType));
  assert.equal(sel.total, 21);
  assert.deepEqual(
    sel.entries.map((e) => e.event),
    ['event 1', 'event 18', 'event 19', 'event 20', 'event 21'],
  );
  assert.equal(
    value(parseIpmiSel(text, 5)).entries[0]?.event,
    'event 17',
    'without a preference: the newest',
  );
});

test('ipmitool sdr elist: readings with units, threshold status, discrete states', () => {
  const sdr = value(parseIpmiSdr(fx('machine/ipmi-sim-sdr-elist-faults.txt')));
  assert.deepEqual(sdr[0], {
    name: 'CPU1 Temp',
    status: 'ucr',
    entity: '3.1',
    reading: 92,
    unit: 'degrees C',
  });
  assert.deepEqual(sdr[4], { name: 'FAN2', status: 'lnr', entity: '29.1', reading: 200, unit: 'RPM' });
  assert.deepEqual(sdr[6], {
    name: 'PS2 Status',
    status: 'ok',
    entity: '10.1',
    state: 'Presence detected, Failure detected',
  });
  assert.equal(sdr.length, 8);
  assert.ok(value(parseIpmiSdr(fx('machine/ipmi-sim-sdr-elist-ok.txt'))).every((s) => s.status === 'ok'));
  assert.deepEqual(value(parseIpmiSdr('Fan 3 | 43h | ns | 29.3 | No Reading\n')), [
    { name: 'Fan 3', status: 'ns', entity: '29.3' },
  ]);
  assert.equal(parseIpmiSdr('').ok, false);
});

test('ipmitool sdr info: the record count decides whether the sensors may be listed', () => {
  assert.deepEqual(value(parseIpmiSdrInfo(fx('machine/ipmi-sim-sdr-info.txt'))), { records: 8 });
  assert.deepEqual(value(parseIpmiSdrInfo(fx('machine/ipmi-sim-sdr-info-empty.txt'))), { records: 0 });
  assert.equal(parseIpmiSdrInfo('SDR Version : 0x51\n').ok, false);
});

test('EDAC: counters per DIMM and per controller, read from a sysfs tree', async () => {
  assert.deepEqual(value(parseEdac(fx('health/edac-errors.json'))).slice(0, 4), [
    { name: 'mc0', correctedErrors: 0, uncorrectedErrors: 0 },
    { name: 'mc0/dimm0', label: 'CPU_SrcID#0_MC#0_Chan#0_DIMM#0', correctedErrors: 0, uncorrectedErrors: 0 },
    {
      name: 'mc0/dimm1',
      label: 'CPU_SrcID#0_MC#0_Chan#1_DIMM#0',
      correctedErrors: 1532,
      uncorrectedErrors: 0,
    },
    { name: 'mc0/dimm2', label: 'CPU_SrcID#0_MC#0_Chan#2_DIMM#0', correctedErrors: 0, uncorrectedErrors: 2 },
  ]);
  const root = await mkdtemp(join(tmpdir(), 'recon-edac-'));
  try {
    const mc = join(root, 'mc', 'mc0');
    for (const d of ['dimm0', 'dimm10', 'dimm2']) await mkdir(join(mc, d), { recursive: true });
    await mkdir(join(mc, 'power'));
    const files: Record<string, string> = {
      ce_noinfo_count: '0\n',
      ue_noinfo_count: '1\n',
      'dimm0/dimm_label': 'DIMM_A1\n',
      'dimm0/dimm_ce_count': '3\n',
      'dimm0/dimm_ue_count': '0\n',
      'dimm2/dimm_ce_count': '0\n',
      'dimm2/dimm_ue_count': '0\n',
      'dimm10/dimm_ce_count': '0\n',
      'dimm10/dimm_ue_count': '0\n',
    };
    for (const [f, v] of Object.entries(files)) await writeFile(join(mc, f), v);
    const run = await readEdac(join(root, 'mc'));
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(value(parseEdac(run.stdout)), [
      { name: 'mc0', correctedErrors: 0, uncorrectedErrors: 1 },
      { name: 'mc0/dimm0', label: 'DIMM_A1', correctedErrors: 3, uncorrectedErrors: 0 },
      { name: 'mc0/dimm2', correctedErrors: 0, uncorrectedErrors: 0 },
      { name: 'mc0/dimm10', correctedErrors: 0, uncorrectedErrors: 0 },
    ]);
    const none = await readEdac(join(root, 'no-edac'));
    assert.equal(none.error, 'missing', 'no EDAC driver: a missing source, not a failure');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

/** A machine with a BMC (/dev/ipmi0) whose ipmitool answers come from the recorded simulator. */
function bmcMachine(sdrInfo: string): { runner: SourceRunner; ran: string[] } {
  const ran: string[] = [];
  const answer = (id: string, argv: string[], stdout: string): RawRun => ({
    id,
    argv,
    stdout,
    stderr: '',
    exitCode: 0,
    durationMs: 1,
  });
  const outputs: Record<string, string> = {
    'ipmitool-mc': fx('machine/ipmi-sim-mc-info.txt'),
    'ipmitool-lan': fx('machine/ipmi-sim-lan-print.txt'),
    'ipmitool-sdr-info': sdrInfo,
    'ipmitool-sdr': fx('machine/ipmi-sim-sdr-elist-faults.txt'),
    'ipmitool-sel': fx('machine/ipmi-sim-sel-elist-faults.txt'),
  };
  const runner = {
    run: (id: string, argv: string[]) => {
      ran.push(argv.join(' '));
      return Promise.resolve(answer(id, argv, outputs[id] ?? ''));
    },
    read: (id: string, path: string) => Promise.resolve(answer(id, ['read', path], '')),
    efi: () => Promise.resolve(answer('efi', ['stat', '/sys/firmware/efi'], 'bios\n')),
    byPath: () => Promise.resolve(answer('by-path', ['readlink'], '{}\n')),
    edac: () => Promise.resolve(answer('edac', ['read'], fx('health/edac-errors.json'))),
    tree: (id: string) => Promise.resolve({ ...answer(id, ['read'], ''), error: 'missing' as const }),
    exists: (path: string) => Promise.resolve(path === '/dev/ipmi0'),
    lldp: () => Promise.resolve(answer('lldpctl', ['lldpctl', '-f', 'json'], '{"lldp": {}}\n')),
  };
  return { runner: runner as SourceRunner, ran };
}

test('collector: SDR records present → sensors and named SEL; the inventory carries them and stays valid', async () => {
  const { runner, ran } = bmcMachine(fx('machine/ipmi-sim-sdr-info.txt'));
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 0, sources: runner });
  const v = validateInventory(inventory);
  assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
  assert.ok(ran.indexOf('ipmitool sdr elist') > ran.indexOf('ipmitool sdr info'));
  assert.ok(ran.includes('ipmitool sel elist'), ran.join(' | '));
  assert.equal(inventory.bmc.sensors?.length, 8);
  assert.equal(inventory.bmc.sel?.total, 8);
  assert.equal(inventory.memory.edac?.length, 6);
  assert.equal(inventory.tools['ipmitool-sdr']?.status, 'ok');
});

test('collector: an empty SDR repository is never walked (sensors skipped, SEL by number)', async () => {
  const { runner, ran } = bmcMachine(fx('machine/ipmi-sim-sdr-info-empty.txt'));
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 0, sources: runner });
  assert.ok(!ran.includes('ipmitool sdr elist') && !ran.includes('ipmitool sel elist'), ran.join(' | '));
  assert.ok(ran.includes('ipmitool sel list'));
  assert.equal(inventory.tools['ipmitool-sdr']?.status, 'skipped');
  assert.match(inventory.tools['ipmitool-sdr']?.stderr ?? '', /no SDR records/);
  assert.equal(inventory.bmc.sensors, undefined);
});

test('collector: no ipmitool on the machine → every BMC health source recorded missing, nothing invented', async () => {
  const { runner } = bmcMachine('');
  const missing: SourceRunner = {
    ...runner,
    run: (id, argv) =>
      id.startsWith('ipmitool')
        ? Promise.resolve({
            id,
            argv,
            stdout: '',
            stderr: 'ipmitool: not found',
            durationMs: 0,
            error: 'missing',
          })
        : runner.run(id, argv, 1000),
  };
  const { inventory } = await collectInventory({ version: 't', lldpWaitSeconds: 0, sources: missing });
  assert.equal(inventory.tools['ipmitool-sdr-info']?.status, 'missing');
  assert.equal(inventory.tools['ipmitool-sel']?.status, 'missing');
  assert.equal(inventory.tools['ipmitool-sdr']?.status, 'skipped');
  assert.equal(inventory.bmc.sel, undefined);
  assert.equal(inventory.bmc.sensors, undefined);
});

// Health verdicts: each fault of the recorded and written fixtures gives the right verdict and reasons, the
// healthy machines (the lab's recordings, this project's own) stay ok, and fleet drift finds the odd machine
// of a model. The rules are pure: an inventory in, verdicts out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../../src/collect/collect.js';
import { parseEdac } from '../../src/collect/parsers/edac.js';
import { parseIpmiSdr, parseIpmiSel } from '../../src/collect/parsers/ipmitool.js';
import { parseSmartctl } from '../../src/collect/parsers/smartctl.js';
import { replaySources } from '../../src/collect/sources.js';
import { instantiateMachine, listMachines } from '../../src/lab/machine-instance.js';
import {
  assessNode,
  fleetDrift,
  summarizeHealth,
  type HealthFinding,
  type NodeHealth,
} from '../../src/shared/health/index.js';
import type { Inventory } from '../../src/shared/inventory/index.js';
import { inventorySections } from '../../src/shared/inventory/sections.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const fx = (p: string): string => readFileSync(new URL(`../fixtures/collect/${p}`, import.meta.url), 'utf8');

function value<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

const GiB = 2 ** 30;

/** The sample machine with one disk whose smartctl output is `file`. */
function withSmart(file: string): Inventory {
  const inv = sampleInventory();
  const s = value(parseSmartctl(fx(file)));
  inv.disks = [
    { name: 'sdx', path: '/dev/sdx', byPath: [], model: s.model, smart: { health: s.health, ...s.counters } },
  ];
  return inv;
}

function component(h: NodeHealth, name: string): HealthFinding {
  const c = h.components.find((x) => x.component === name);
  assert.ok(c, `${name} in ${h.components.map((x) => x.component).join(', ')}`);
  return c;
}

test('disks: each kind of failing disk gives its verdict and the operator its reasons', () => {
  const cases: { file: string; verdict: string; reasons: RegExp[]; values?: Record<string, unknown> }[] = [
    {
      // the recorded Supermicro machine's Samsung 970 EVO: SMART "passed", yet 7 media errors
      file: 'public/smartctl-nvme-samsung.json',
      verdict: 'fail',
      reasons: [/^NVMe media errors: 7$/],
      values: { mediaErrors: 7, errorLogEntries: 62, percentageUsed: 3, smartHealth: 'passed' },
    },
    {
      file: 'health/smartctl-ata-pending.json',
      verdict: 'fail',
      reasons: [
        /^pending sectors .*: 16$/,
        /^offline-uncorrectable sectors: 16$/,
        /^reallocated sectors: 24$/,
      ],
      values: { pendingSectors: 16, offlineUncorrectable: 16, reallocatedSectors: 24, udmaCrcErrors: 0 },
    },
    {
      file: 'health/smartctl-sas-uncorrected.json',
      verdict: 'fail',
      reasons: [/^uncorrected read errors: 3$/, /^grown defect list entries: 212$/],
    },
    {
      file: 'public/smartctl-sas-seagate.json',
      verdict: 'warn',
      reasons: [/^grown defect list entries: 56$/],
    },
    {
      file: 'health/smartctl-nvme-spare.json',
      verdict: 'fail',
      reasons: [
        /^SMART overall health: FAILED$/,
        /^NVMe critical warning: available spare below threshold$/,
        /^NVMe available spare 4 % below its threshold 10 %$/,
        /^NVMe wear: 97 % of rated endurance used$/,
      ],
    },
    { file: 'public/smartctl-nvme-intel.json', verdict: 'ok', reasons: [] },
  ];
  for (const c of cases) {
    const h = assessNode(withSmart(c.file));
    const disk = component(h, 'disk sdx');
    assert.equal(disk.verdict, c.verdict, `${c.file}: ${disk.reasons.join('; ')}`);
    assert.equal(h.verdict, c.verdict, c.file);
    assert.equal(disk.reasons.length, c.reasons.length, `${c.file}: ${disk.reasons.join('; ')}`);
    c.reasons.forEach((r, i) => assert.match(disk.reasons[i] ?? '', r, c.file));
    for (const [k, v] of Object.entries(c.values ?? {})) assert.equal(disk.values[k], v, `${c.file} ${k}`);
  }
});

test('disks: the thresholds, one counter at a time', () => {
  const table: [Record<string, number | string>, string][] = [
    [{ reallocatedSectors: 1 }, 'warn'],
    [{ pendingSectors: 1 }, 'fail'],
    [{ offlineUncorrectable: 1 }, 'fail'],
    [{ udmaCrcErrors: 3 }, 'warn'],
    [{ grownDefects: 1 }, 'warn'],
    [{ uncorrectedWriteErrors: 1 }, 'fail'],
    [{ criticalWarning: 0x04 }, 'fail'],
    [{ mediaErrors: 1 }, 'fail'],
    [{ availableSpare: 10, availableSpareThreshold: 10 }, 'ok'], // at the threshold, not below
    [{ availableSpare: 9, availableSpareThreshold: 10 }, 'fail'],
    [{ percentageUsed: 89 }, 'ok'],
    [{ percentageUsed: 90 }, 'warn'],
    [{ percentageUsed: 100 }, 'fail'],
    [{ errorLogEntries: 5000 }, 'ok'], // recorded, never judged alone
    [{ health: 'failed' }, 'fail'],
    [{ health: 'unknown' }, 'ok'],
    [{ reallocatedSectors: 0, pendingSectors: 0, mediaErrors: 0, grownDefects: 0 }, 'ok'],
  ];
  for (const [smart, verdict] of table) {
    const inv = sampleInventory();
    inv.disks = [{ name: 'sda', path: '/dev/sda', byPath: [], smart: { health: 'passed', ...smart } }];
    assert.equal(component(assessNode(inv), 'disk sda').verdict, verdict, JSON.stringify(smart));
  }
  // a disk smartctl could not read is not judged (its tool entry says why)
  const none = sampleInventory();
  none.disks = [{ name: 'vda', path: '/dev/vda', byPath: [] }];
  assert.ok(!assessNode(none).components.some((c) => c.component.startsWith('disk')));
});

test('memory: EDAC uncorrected errors fail, corrected ones warn, per DIMM by its label', () => {
  const inv = sampleInventory();
  inv.memory.edac = value(parseEdac(fx('health/edac-errors.json')));
  const h = assessNode(inv);
  assert.equal(h.verdict, 'fail');
  const ce = component(h, 'dimm CPU_SrcID#0_MC#0_Chan#1_DIMM#0');
  assert.equal(ce.verdict, 'warn');
  assert.deepEqual(ce.reasons, ['EDAC corrected memory errors: 1532']);
  const ue = component(h, 'dimm CPU_SrcID#0_MC#0_Chan#2_DIMM#0');
  assert.equal(ue.verdict, 'fail');
  assert.deepEqual(ue.reasons, ['EDAC uncorrected memory errors: 2']);
  assert.equal(component(h, 'dimm CPU_SrcID#0_MC#0_Chan#0_DIMM#0').verdict, 'ok');
  assert.equal(component(h, 'memory controller mc0').verdict, 'ok');
  inv.memory.edac = [{ name: 'mc1', correctedErrors: 0, uncorrectedErrors: 4 }];
  assert.match(
    component(assessNode(inv), 'memory controller mc1').reasons[0] ?? '',
    /uncorrected memory errors: 4/,
  );
  inv.memory.edac = [{ name: 'mc0/dimm5', correctedErrors: 0, uncorrectedErrors: 0 }];
  assert.equal(component(assessNode(inv), 'dimm mc0/dimm5').verdict, 'ok', 'no label: the sysfs name');
});

test('memory: DIMMs installed against what the kernel can use and the slots the board has', () => {
  const cases: [Partial<Inventory['memory']>, string, RegExp?][] = [
    [{ installedBytes: 32 * GiB, totalBytes: 31 * GiB }, 'ok'],
    [{ installedBytes: 2 * GiB, totalBytes: 1.6 * GiB }, 'ok'], // a small VM: under 1 GiB kept by firmware
    [{ installedBytes: 64 * GiB, totalBytes: 47 * GiB }, 'warn', /kernel sees 47\.0 GiB of 64\.0 GiB/],
    [{ slots: 1 }, 'warn', /SMBIOS lists 2 DIMMs in a board of 1 slots/],
    [{ slots: 16 }, 'ok'],
  ];
  for (const [m, verdict, reason] of cases) {
    const inv = sampleInventory();
    inv.memory = { ...inv.memory, ...m };
    const c = component(assessNode(inv), 'memory');
    assert.equal(c.verdict, verdict, JSON.stringify(m));
    if (reason) assert.match(c.reasons[0] ?? '', reason);
  }
});

test('BMC: sensors past their thresholds, a failed PSU and lost redundancy (recorded from ipmi_sim)', () => {
  const inv = sampleInventory();
  inv.bmc.sensors = value(parseIpmiSdr(fx('machine/ipmi-sim-sdr-elist-faults.txt')));
  const c = component(assessNode(inv), 'bmc sensors');
  assert.equal(c.verdict, 'fail');
  assert.deepEqual(c.reasons, [
    'sensor CPU1 Temp: 92 degrees C, upper critical threshold crossed',
    'sensor FAN2: 200 RPM, lower non-recoverable threshold crossed',
    'failure: sensor PS2 Status: Presence detected, Failure detected',
    'sensor Inlet Temp: 42 degrees C, upper non-critical threshold crossed',
    'PSU redundancy lost: sensor PS Redundancy: Redundancy Lost',
  ]);
  assert.equal(c.values.outOfRange, 5);
  assert.equal(c.values['sensor CPU1 Temp'], '92 degrees C (ucr)');
  // the peer's words are data, never keys into the rules' own objects
  inv.bmc.sensors = [
    { name: '__proto__', status: 'constructor', reading: 1 },
    { name: 'toString', status: 'ok', state: 'hasOwnProperty' },
  ];
  assert.deepEqual(component(assessNode(inv), 'bmc sensors'), {
    component: 'bmc sensors',
    verdict: 'ok',
    reasons: [],
    values: { sensors: 2, outOfRange: 0 },
  });
  inv.bmc.sensors = value(parseIpmiSdr(fx('machine/ipmi-sim-sdr-elist-ok.txt')));
  assert.equal(component(assessNode(inv), 'bmc sensors').verdict, 'ok');
  // only redundancy lost: a warning (the machine runs; one more PSU failure stops it)
  inv.bmc.sensors = [{ name: 'PS Redundancy', status: 'ok', state: 'Redundancy Lost' }];
  assert.equal(component(assessNode(inv), 'bmc sensors').verdict, 'warn');
  const state = (st: string): string => {
    inv.bmc.sensors = [{ name: 'S', status: 'ok', state: st }];
    return component(assessNode(inv), 'bmc sensors').verdict;
  };
  assert.equal(state('Drive Present, Drive Fault'), 'fail');
  assert.equal(state('IERR'), 'fail');
  assert.equal(state('Presence detected, Predictive failure'), 'warn');
  assert.equal(state('Processor Presence detected'), 'ok');
  assert.equal(state('Fully Redundant'), 'ok');
});

test('BMC: SEL entries of critical classes with their time; diary entries and deassertions are not faults', () => {
  const inv = sampleInventory();
  inv.bmc.sel = value(parseIpmiSel(fx('machine/ipmi-sim-sel-elist-faults.txt')));
  const c = component(assessNode(inv), 'bmc event log');
  assert.equal(c.verdict, 'fail');
  assert.deepEqual(c.reasons, [
    'SEL 12/03/26 13:05:27 UTC: Memory #0x60: Uncorrectable ECC',
    'SEL 12/03/26 13:05:28 UTC: Power Supply #0x71: Failure detected',
    'SEL 12/03/26 13:05:30 UTC: Temperature #0x30: Upper Critical going high',
    'SEL 12/03/26 13:05:33 UTC: Processor #0x50: IERR',
    'SEL Pre-Init 0000013010: Memory #0x60: Correctable ECC',
    'SEL 12/03/26 13:05:29 UTC: Power Unit #0x72: Redundancy Lost',
  ]);
  assert.deepEqual(c.values, { entries: 8, criticalEntries: 6 });
  inv.bmc.sel = value(parseIpmiSel(fx('machine/ipmi-sim-sel-elist-ok.txt')));
  assert.equal(component(assessNode(inv), 'bmc event log').verdict, 'ok');
  const one = (sensor: string, event: string, asserted = true): string => {
    inv.bmc.sel = { total: 1, entries: [{ sensor, sensorType: sensor.split(' #')[0], event, asserted }] };
    return component(assessNode(inv), 'bmc event log').verdict;
  };
  assert.equal(one('Temperature #0x30', 'Upper Non-critical going high'), 'warn');
  assert.equal(one('Temperature #0x30', 'Lower Critical going low'), 'fail');
  assert.equal(one('Power Supply #0x71', 'Predictive failure'), 'warn');
  assert.equal(one('Drive Slot / Bay #0x80', 'Drive Fault'), 'fail');
  assert.equal(one('Memory #0x60', 'Uncorrectable ECC', false), 'ok');
  assert.equal(one('Session Audit #0x01', 'Invalid Username or Password'), 'ok');
  // a BMC without sensors or SEL data (ipmitool missing): nothing judged, nothing invented
  const plain = sampleInventory();
  assert.ok(!assessNode(plain).components.some((x) => x.component.startsWith('bmc')));
});

test('BMC: a flood of alike events is bounded in the reasons', () => {
  const inv = sampleInventory();
  const entries = Array.from({ length: 40 }, (_, i) => ({
    time: `t${i}`,
    sensor: 'Memory #0x60',
    sensorType: 'Memory',
    event: 'Correctable ECC',
    asserted: true,
  }));
  inv.bmc.sel = { total: 40, entries };
  const c = component(assessNode(inv), 'bmc event log');
  assert.equal(c.reasons.length, 11);
  assert.equal(c.reasons.at(-1), 'and 30 more');
});

test('NIC: negotiated below the best supported mode; down although a switch answered', () => {
  const nic = (n: Partial<Inventory['nics'][number]>): string[] => {
    const inv = sampleInventory();
    inv.nics = [{ name: 'ens1f0', mac: 'aa:bb:cc:dd:ee:01', kind: 'ether', ipv4: [], ipv6: [], ...n }];
    const c = component(assessNode(inv), 'nic ens1f0');
    return [c.verdict, ...c.reasons];
  };
  const modes = ['1000baseT/Full', '10000baseT/Full', '25000baseCR/Full'];
  assert.deepEqual(nic({ link: true, speedMbps: 25000, supportedLinkModes: modes }), ['ok']);
  assert.deepEqual(nic({ link: true, speedMbps: 10000, supportedLinkModes: modes }), [
    'warn',
    'link at 10000 Mb/s, the port supports 25000 Mb/s (cable, optic or switch port)',
  ]);
  assert.deepEqual(nic({ link: true, speedMbps: 1000 }), ['ok'], 'no modes reported (virtio): not judged');
  assert.deepEqual(nic({ link: false, supportedLinkModes: modes }), ['ok'], 'an unplugged port is no fault');
  assert.deepEqual(nic({ link: false, lldp: { systemName: 'leaf-3', vlans: [], mgmtIp: [] } }), [
    'warn',
    'link down, yet switch leaf-3 answered LLDP on it',
  ]);
  const inv = sampleInventory();
  assert.ok(!assessNode(inv).components.some((c) => c.component === 'nic lo'), 'loopback is not judged');
});

// What the lab's recorded machines really have: the Dell's public SAS disk has 56 grown defects, the
// Supermicro's public Samsung NVMe 7 media errors. Everything else recorded (BMCs, memory, NICs, the other
// disks) is healthy and must stay ok.
const LAB_EXPECTED: Record<string, { verdict: string; faulty: string[] }> = {
  'kvm-guest': { verdict: 'ok', faulty: [] },
  'dell-r440': { verdict: 'warn', faulty: ['disk sda: grown defect list entries: 56'] },
  'supermicro-sys-1029p': { verdict: 'fail', faulty: ['disk nvme1n1: NVMe media errors: 7'] },
};

test('no false alarms: the lab machines judge only their recorded faulty disks', async (t) => {
  const machines = (await listMachines()).filter((m) => m.name in LAB_EXPECTED);
  assert.equal(machines.length, Object.keys(LAB_EXPECTED).length);
  const tmp = await mkdtemp(join(tmpdir(), 'recon-health-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  for (const [i, m] of machines.entries()) {
    // as the lab runs it: the peer's copy, its disks named as the recorded ones
    const dir = join(tmp, m.name);
    await instantiateMachine(m, i + 1, dir, 'bios');
    const { inventory } = await collectInventory({
      version: 'test',
      lldpWaitSeconds: 0,
      sources: await replaySources(dir),
    });
    const h = assessNode(inventory);
    const want = LAB_EXPECTED[m.name]!;
    assert.deepEqual(summarizeHealth(h), { verdict: want.verdict, reasons: want.faulty }, m.name);
    assert.ok(h.components.length > 1, `${m.name}: ${h.components.map((c) => c.component).join(', ')}`);
  }
  assert.equal(assessNode(sampleInventory()).verdict, 'ok');
});

test('the node is its worst component; the summary is bounded, worst first', () => {
  const inv = withSmart('public/smartctl-nvme-samsung.json');
  inv.bmc.sel = value(parseIpmiSel(fx('machine/ipmi-sim-sel-elist-faults.txt')));
  inv.bmc.sensors = value(parseIpmiSdr(fx('machine/ipmi-sim-sdr-elist-faults.txt')));
  inv.memory.edac = value(parseEdac(fx('health/edac-errors.json')));
  const h = assessNode(inv);
  assert.equal(h.verdict, 'fail');
  const s = summarizeHealth(h);
  assert.equal(s.verdict, 'fail');
  assert.equal(s.reasons.length, 8);
  assert.match(s.reasons.at(-1) ?? '', /^and \d+ more$/);
  assert.equal(s.reasons[0], 'disk sdx: NVMe media errors: 7');
  const long = sampleInventory();
  long.bmc.sensors = [{ name: 'x'.repeat(250), status: 'ucr', reading: 1 }];
  assert.ok(summarizeHealth(assessNode(long)).reasons.every((r) => r.length <= 200));
  assert.deepEqual(summarizeHealth(assessNode(sampleInventory())), { verdict: 'ok', reasons: [] });
});

test('fleet drift: the odd machine of a model warns; small groups and no majority do not', () => {
  const node = (
    id: string,
    over: { product?: string; bios?: string; bmc?: string; dimms?: number; disks?: number },
  ) => {
    const inv = sampleInventory();
    inv.system.product = over.product ?? 'PowerEdge R440';
    inv.firmware.version = over.bios ?? '2.18.1';
    inv.bmc.firmware = over.bmc ?? '4.40';
    inv.memory.dimms = Array.from({ length: over.dimms ?? 2 }, (_, i) => ({ slot: `A${i}` }));
    inv.disks = Array.from({ length: over.disks ?? 1 }, (_, i) => ({
      name: `sd${'abcdefgh'[i]}`,
      path: '',
      byPath: [],
    }));
    return { id, inv };
  };
  const fleet = [node('a', {}), node('b', {}), node('c', { bios: '2.12.0', dimms: 1 }), node('d', {})];
  const drift = fleetDrift(fleet);
  assert.deepEqual([...drift.keys()], ['c']);
  const [f] = drift.get('c') ?? [];
  assert.equal(f?.component, 'node');
  assert.equal(f?.verdict, 'warn');
  assert.deepEqual(f?.reasons, [
    'DIMMs: 1, while 3 of 4 machines of this model have 2',
    'BIOS: 2.12.0, while 3 of 4 machines of this model have 2.18.1',
  ]);
  assert.equal(f?.values.bios, '2.12.0');
  assert.equal(f?.values.biosMajority, '2.18.1');
  // fewer than 3 machines of the model: nothing to compare against
  assert.equal(fleetDrift([node('a', {}), node('b', { bios: 'x' })]).size, 0);
  // no majority: 2 against 2
  assert.equal(
    fleetDrift([node('a', {}), node('b', {}), node('c', { bmc: '5.0' }), node('d', { bmc: '5.0' })]).size,
    0,
  );
  // another model is not a sibling; a RAM disk is not a disk
  const mixed = [node('a', {}), node('b', {}), node('c', {}), node('x', { product: 'R640', disks: 4 })];
  mixed[0]!.inv.disks.push({ name: 'zram0', path: '/dev/zram0', byPath: [] });
  assert.equal(fleetDrift(mixed).size, 0);
  const disks = fleetDrift([node('a', {}), node('b', {}), node('c', { disks: 3 })]);
  assert.deepEqual(disks.get('c')?.[0]?.reasons, ['disks: 3, while 2 of 3 machines of this model have 1']);
});

test('the node detail and report sections: a disk SMART calls passed is flagged with its verdict and reasons', () => {
  const disks = (inv: Inventory) =>
    inventorySections(inv, undefined).find((s) => s.title === 'Disks')?.lines ?? [];
  const line = disks(withSmart('public/smartctl-nvme-samsung.json')).find((l) => l.text.startsWith('sdx'));
  assert.ok(line);
  assert.match(line.text, /SMART passed {2}FAIL: NVMe media errors: 7/);
  assert.equal(line.warn, true);
  for (const l of disks(sampleInventory())) assert.doesNotMatch(l.text, /FAIL|WARN/);
});

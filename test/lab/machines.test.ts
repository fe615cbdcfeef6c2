// The lab's recorded machines replay through the real collector into schema-valid, distinct inventories;
// a recording round-trips through --record/--replay; a peer's copy carries the peer's MAC; broken replay
// directories are typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../../src/collect/collect.js';
import { recordSources, replaySources, ReplayError, stdoutFileName } from '../../src/collect/sources.js';
import { summarizeInventory, validateInventory } from '../../src/shared/inventory/index.js';
import { assessNode } from '../../src/shared/health/index.js';
import {
  instantiateMachine,
  labMac,
  listMachines,
  presentRecordedDisks,
  recordedMacs,
  substituteMacs,
} from '../../src/lab/machine-instance.js';

const collect = async (dir: string) =>
  collectInventory({ version: 'test', lldpWaitSeconds: 0, sources: await replaySources(dir) });

test('every lab machine replays into a schema-valid inventory; vendors, disks and BMCs differ', async () => {
  const machines = await listMachines();
  assert.ok(machines.length >= 3);
  const seen = new Set<string>();
  let withBmc = 0;
  for (const m of machines) {
    const { inventory } = await collect(m.dir);
    const v = validateInventory(inventory);
    assert.ok(v.ok, `${m.name}: ${v.ok ? '' : v.errors.join('; ')}`);
    if (inventory.bmc.present) withBmc++;
    seen.add(`${inventory.system.vendor ?? '-'}|${inventory.disks.map((d) => d.model ?? '-').join(',')}`);
    // nothing of this host leaks into a replay: every tool answer is the recorded one
    assert.equal(inventory.tools.ip?.status, 'ok');
  }
  assert.equal(seen.size, machines.length, 'machines must differ');
  assert.ok(withBmc >= 1 && withBmc < machines.length, 'some machines with a BMC, some without');
});

test('record → replay gives the same inventory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-replay-'));
  try {
    const [m] = await listMachines();
    const first = await collect(m!.dir);
    await recordSources(dir, first.raws);
    const again = await collect(dir);
    const strip = (i: typeof first.inventory) => ({ ...i, collector: undefined, collectedAt: undefined });
    assert.deepEqual(strip(again.inventory), strip(first.inventory));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a peer's copy shows the peer's MAC on its boot NIC, in every source", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-machine-'));
  try {
    const m = (await listMachines()).find((x) => x.name === 'dell-r440')!;
    const mac = await instantiateMachine(m, 7, dir, 'bios');
    assert.equal(mac, labMac(7));
    const { inventory } = await collect(dir);
    const nic = inventory.nics.find((n) => n.mac === mac);
    assert.ok(nic, `boot NIC ${mac} in ${JSON.stringify(inventory.nics.map((n) => n.mac))}`);
    assert.equal(inventory.system.product, 'PowerEdge R440');
    assert.ok(!JSON.stringify(inventory).includes(m.bootMac), 'recorded MAC replaced everywhere');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a peer's copy is coherent: the simulated firmware's boot mode, a system line, the recorded disks", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-machine-'));
  try {
    const machines = await listMachines();
    const disks: Record<string, string[]> = {};
    const systems: Record<string, string> = {};
    for (const [i, m] of machines.entries()) {
      const firmware = i % 2 === 0 ? 'uefi' : 'bios';
      const copy = join(dir, m.name);
      await instantiateMachine(m, i, copy, firmware);
      const { inventory } = await collect(copy);
      assert.ok(validateInventory(inventory).ok, m.name);
      assert.equal(inventory.boot.mode, firmware, m.name);
      assert.equal(inventory.firmware.bootMode, firmware, m.name);
      assert.equal(inventory.tools['efi']?.status, 'ok', m.name);
      systems[m.name] =
        `${inventory.system.vendor} | ${inventory.system.product} | ${inventory.system.uuid ?? '-'}`;
      disks[m.name] = inventory.disks.map(
        (d) =>
          `${d.name} ${d.sizeBytes} ${d.model ?? '-'} ${d.rotational === true ? 'hdd' : 'ssd'} ${d.smart?.health ?? '-'}`,
      );
    }
    // every machine has a system line; a UUID dmidecode calls "Not Settable" is no UUID
    assert.deepEqual(systems, {
      'dell-r440': 'Dell Inc. | PowerEdge R440 | -',
      'kvm-guest': 'QEMU | Standard PC (Q35 + ICH9, 2009) | -',
      'supermicro-sys-1029p': 'Supermicro | SYS-1029P-WTR | -',
      'supermicro-sys-1029p-faulty': 'Supermicro | SYS-1029P-WTR | -',
    });
    assert.deepEqual(disks, {
      // a SAS hard disk under its SCSI name, with its SMART record
      'dell-r440': ['sda 4000787030016 SEAGATE ST4000NM0043 hdd passed'],
      // the KVM guest keeps its virtio disk: its smartctl record is a failure, not a disk
      'kvm-guest': ['vda 274877906944 - hdd -'],
      // two NVMe disks, in the order of the block list they replace
      'supermicro-sys-1029p': [
        'nvme0n1 1024209543168 INTEL SSDPEKNW010T8 ssd passed',
        'nvme1n1 500107862016 Samsung SSD 970 EVO 500GB ssd passed',
      ],
      // its block list's two disks become the failing NVMe drive and the failing SATA disk
      'supermicro-sys-1029p-faulty': [
        'nvme0n1 960197124096 MZ7LH960HAJR-00005 ssd failed',
        'sda 4000787030016 ST4000NM0035-1V4107 hdd passed',
      ],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lab machines through the collector and the master summary: their health verdicts and reasons', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-machine-'));
  try {
    const verdicts: Record<string, string> = {};
    const faulty: string[] = [];
    for (const [i, m] of (await listMachines()).entries()) {
      await instantiateMachine(m, i, join(dir, m.name), 'uefi');
      const health = summarizeInventory((await collect(join(dir, m.name))).inventory).health!;
      verdicts[m.name] = `${health.verdict}: ${health.reasons.join('; ')}`;
      if (m.name === 'supermicro-sys-1029p-faulty')
        faulty.push(
          ...assessNode((await collect(join(dir, m.name))).inventory)
            .components.filter((c) => c.verdict !== 'ok')
            .map((c) => `${c.component} ${c.verdict} ${c.reasons.length}`),
        );
    }
    assert.deepEqual(verdicts, {
      'dell-r440': 'warn: disk sda: grown defect list entries: 56',
      'kvm-guest': 'ok: ',
      'supermicro-sys-1029p': 'fail: disk nvme1n1: NVMe media errors: 7',
      'supermicro-sys-1029p-faulty': [
        'fail: disk nvme0n1: SMART overall health: FAILED',
        'disk sda: pending sectors (unreadable, awaiting reallocation): 16',
        'dimm CPU_SrcID#0_MC#0_Chan#2_DIMM#0: EDAC uncorrected memory errors: 2',
        'bmc sensors: sensor CPU1 Temp: 92 degrees C, upper critical threshold crossed',
        'bmc event log: SEL 12/03/26 13:05:27 UTC: Memory #0x60: Uncorrectable ECC',
        'dimm CPU_SrcID#0_MC#0_Chan#1_DIMM#0: EDAC corrected memory errors: 1532',
        'disk nvme0n1: NVMe critical warning: available spare below threshold',
        'and 13 more',
      ].join('; '),
    });
    // every fault the machine carries is judged: both disks, a DIMM each way, sensors, the event log
    assert.deepEqual(faulty, [
      'disk nvme0n1 fail 4',
      'disk sda fail 3',
      'dimm CPU_SrcID#0_MC#0_Chan#1_DIMM#0 warn 1',
      'dimm CPU_SrcID#0_MC#0_Chan#2_DIMM#0 fail 1',
      'bmc sensors fail 5',
      'bmc event log fail 6',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('presentRecordedDisks: a disk with a SMART record takes its identity, partitions follow, others stay', () => {
  const lsblk = JSON.stringify({
    blockdevices: [
      { name: 'vda', type: 'disk', size: 1, children: [{ name: 'vda1', type: 'part' }] },
      { name: 'vdb', type: 'disk', size: 2 },
      { name: 'vdc', type: 'disk', size: 3 },
    ],
  });
  const smart = new Map([
    ['vda', { protocol: 'NVMe', model: 'M', serial: 'S', sizeBytes: 10, health: 'passed' as const }],
    ['vdb', { protocol: 'SCSI', model: 'D', sizeBytes: 20, rotationRpm: 7200, health: 'passed' as const }],
  ]);
  const { lsblk: out, renames } = presentRecordedDisks(lsblk, smart);
  const doc = JSON.parse(out) as { blockdevices: Record<string, unknown>[] };
  assert.deepEqual(
    [...renames],
    [
      ['vda', 'nvme0n1'],
      ['vdb', 'sda'],
    ],
  );
  assert.deepEqual(
    doc.blockdevices.map((d) => [d.name, d.path, d.size, d.model ?? null, d.rota ?? null, d.tran ?? null]),
    [
      ['nvme0n1', '/dev/nvme0n1', 10, 'M', false, 'nvme'],
      ['sda', '/dev/sda', 20, 'D', true, 'sas'],
      ['vdc', undefined, 3, null, null, null],
    ],
  );
  assert.equal((doc.blockdevices[0]!.children as { name: string }[])[0]!.name, 'nvme0n1p1');
});

test('MAC helpers: recorded boot NIC, substitution keeps case', () => {
  const ip = JSON.stringify([
    { ifname: 'lo', link_type: 'loopback', address: '00:00:00:00:00:00' },
    { ifname: 'eno2', link_type: 'ether', address: 'AA:BB:CC:00:00:02', addr_info: [] },
    { ifname: 'eno1', link_type: 'ether', address: 'aa:bb:cc:00:00:01', addr_info: [{ family: 'inet' }] },
  ]);
  assert.deepEqual(recordedMacs(ip), {
    bootMac: 'aa:bb:cc:00:00:01',
    macs: ['aa:bb:cc:00:00:01', 'aa:bb:cc:00:00:02'],
  });
  assert.deepEqual(recordedMacs('not json'), { macs: [] });
  const map = new Map([['aa:bb:cc:00:00:0a', '02:1a:b0:00:00:0b']]);
  assert.equal(
    substituteMacs('x AA:BB:CC:00:00:0A y aa:bb:cc:00:00:0a z', map),
    'x 02:1A:B0:00:00:0B y 02:1a:b0:00:00:0b z',
  );
  assert.equal(labMac(258, 1), '02:1a:b0:01:01:02');
  assert.equal(stdoutFileName('ethtool-i:eno1'), 'ethtool-i.eno1.out');
});

test('broken replay directories are ReplayErrors; an unlisted source replays as missing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-replay-bad-'));
  try {
    await assert.rejects(replaySources(dir), ReplayError);
    await writeFile(join(dir, 'sources.json'), '[1,2]');
    await assert.rejects(replaySources(dir), ReplayError);
    await writeFile(
      join(dir, 'sources.json'),
      JSON.stringify({ ip: { argv: ['ip'], stdout: '../etc/passwd' } }),
    );
    await assert.rejects(replaySources(dir), /stdout must be a file name/);
    await mkdir(join(dir, 'x'), { recursive: true });
    await writeFile(
      join(dir, 'sources.json'),
      JSON.stringify({
        virt: { argv: ['systemd-detect-virt'], exitCode: 0, durationMs: 1, stdout: 'v.out' },
      }),
    );
    await writeFile(join(dir, 'v.out'), 'kvm\n');
    const s = await replaySources(dir);
    assert.equal((await s.run('virt', ['systemd-detect-virt'], 1000)).stdout, 'kvm\n');
    const missing = await s.run('lshw', ['lshw', '-json'], 1000);
    assert.equal(missing.error, 'missing');
    assert.equal(await s.exists('/dev/ipmi0'), false);
    assert.ok((await readFile(join(dir, 'v.out'), 'utf8')).length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// The collector's BMC health sources against a live BMC: ipmi_sim loaded with the recorded fixtures' SDR
// records, sensors and SEL entries (test/fixtures/collect/machine/ipmi-sim-health-*.emu), the collector's
// ipmitool prefix aimed at it over RMCP+. The inventory it uploads must carry the sensors and the SEL, and the
// health rules must fail the faulty BMC and pass the healthy one. A BMC with an empty SDR repository must not
// be walked: ipmitool would erase and rebuild the repository (shown by running the walk by hand afterwards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { assessNode } from '../../src/shared/health/index.js';
import { validateInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { needs } from '../helpers/needs.js';
import { freeUdpPort } from '../power/ipmi-sim.js';

const execFileP = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures/collect/machine');
const PASSWORD = 'Bmc-Health-0815';
const skip = needs({ tools: ['ipmi_sim', 'ipmitool'] });

function lanplus(port: number): string[] {
  return ['ipmitool', '-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E'];
}

/** ipmi_sim on 127.0.0.1 running `emu` (the SDR, sensors and SEL it starts with). */
async function startSim(emu: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-health-bmc-'));
  const port = await freeUdpPort();
  await mkdir(join(dir, 'state'));
  await writeFile(
    join(dir, 'lan.conf'),
    `name "healthbmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true    "admin"   "${PASSWORD}" admin 10       none md2 md5 straight
`,
  );
  await writeFile(join(dir, 'sim.emu'), emu);
  const child = spawn(
    'ipmi_sim',
    ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', join(dir, 'state'), '-n'],
    { stdio: 'ignore' },
  );
  await sleep(700);
  if (child.exitCode !== null) throw new Error(`ipmi_sim exited ${child.exitCode}`);
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The collector (the entry post.tgz runs), its ipmitool step aimed at the simulator. */
async function collect(port: number): Promise<Inventory> {
  const r = await execFileP(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'src/collect/bundle-entry.ts'),
      '--dry-run',
      '--lldp-wait',
      '0',
      '--ipmitool',
      lanplus(port).join(' '),
    ],
    { cwd: root, env: { ...process.env, IPMI_PASSWORD: PASSWORD }, timeout: 120_000, maxBuffer: 64 << 20 },
  );
  const inv = JSON.parse(r.stdout) as Inventory;
  const v = validateInventory(inv);
  assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
  return inv;
}

const emu = (name: string): Promise<string> => readFile(join(fixtures, name), 'utf8');

test(
  'a faulty BMC: sensors past thresholds, a failed PSU and critical SEL entries fail the node',
  { skip },
  async (t) => {
    const sim = await startSim(await emu('ipmi-sim-health-named.emu'));
    try {
      const inv = await collect(sim.port);
      assert.equal(inv.tools['ipmitool-sdr-info']?.status, 'ok');
      assert.equal(inv.tools['ipmitool-sdr']?.status, 'ok');
      assert.deepEqual(inv.tools['ipmitool-sel']?.argv.slice(-2), ['sel', 'elist']);
      assert.equal(inv.bmc.sensors?.length, 8);
      assert.equal(inv.bmc.sel?.total, 8);
      const ms = (id: string): number => inv.tools[id]?.durationMs ?? -1;
      t.diagnostic(
        `ipmitool ms: lan ${ms('ipmitool-lan')}, mc ${ms('ipmitool-mc')}, fru ${ms('ipmitool-fru')}; ` +
          `sdr info ${ms('ipmitool-sdr-info')} then sdr elist ${ms('ipmitool-sdr')} / sel elist ${ms('ipmitool-sel')}; ` +
          `collector ${inv.collector.durationMs}`,
      );
      const h = assessNode(inv);
      assert.equal(h.verdict, 'fail');
      const sensors = h.components.find((c) => c.component === 'bmc sensors');
      assert.equal(sensors?.verdict, 'fail');
      assert.ok(
        sensors?.reasons.includes('sensor CPU1 Temp: 92 degrees C, upper critical threshold crossed'),
      );
      assert.ok(sensors?.reasons.includes('PSU redundancy lost: sensor PS Redundancy: Redundancy Lost'));
      const sel = h.components.find((c) => c.component === 'bmc event log');
      assert.equal(sel?.verdict, 'fail');
      assert.ok(
        sel?.reasons.some((r) =>
          /^SEL Pre-Init \d+: Temperature CPU1 Temp: Upper Critical going high; Reading 92 > Threshold 90/.test(
            r,
          ),
        ),
        sel?.reasons.join('\n'),
      );
      assert.ok(sel?.reasons.some((r) => /Processor #0x50: IERR$/.test(r)));
    } finally {
      await sim.stop();
    }
  },
);

test('a healthy BMC: every sensor and the event log ok', { skip }, async () => {
  const sim = await startSim(await emu('ipmi-sim-health-ok.emu'));
  try {
    const inv = await collect(sim.port);
    const bmc = assessNode(inv).components.filter((c) => c.component.startsWith('bmc'));
    assert.deepEqual(
      bmc.map((c) => [c.component, c.verdict]),
      [
        ['bmc sensors', 'ok'],
        ['bmc event log', 'ok'],
      ],
    );
  } finally {
    await sim.stop();
  }
});

test('an empty SDR repository is not walked; the SEL is still read, by sensor number', { skip }, async () => {
  // the recorded faulty BMC without its SDR records and sensors
  const noSdr = (await emu('ipmi-sim-health-named.emu'))
    .split('\n')
    .filter((l) => !/^(main_sdr_add|sensor_)/.test(l))
    .join('\n');
  const sim = await startSim(noSdr);
  try {
    const inv = await collect(sim.port);
    assert.equal(inv.tools['ipmitool-sdr']?.status, 'skipped');
    assert.match(inv.tools['ipmitool-sdr']?.stderr ?? '', /no SDR records/);
    assert.deepEqual(inv.tools['ipmitool-sel']?.argv.slice(-2), ['sel', 'list']);
    assert.equal(inv.bmc.sel?.total, 8);
    assert.equal(inv.bmc.sensors, undefined);
    assert.equal(assessNode(inv).components.find((c) => c.component === 'bmc event log')?.verdict, 'fail');
    // what the collector avoided: the same walk by hand rebuilds the repository on the BMC
    const [cmd, ...args] = lanplus(sim.port);
    const walk = await execFileP(cmd!, [...args, 'sdr', 'elist'], {
      env: { ...process.env, IPMI_PASSWORD: PASSWORD },
      timeout: 30_000,
    });
    assert.match(walk.stdout + walk.stderr, /SDRR successfully erased/);
  } finally {
    await sim.stop();
  }
});

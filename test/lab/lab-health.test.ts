// Health verdicts through the assembled product: `recon lab --peers 4 --headless` (the loopback lab, run by
// an unprivileged user as a new user would) gives one peer each of the lab machines, the faulty Supermicro
// among them; the lab prints each inventory with the master's verdict, the faulty one FAIL with a reason for
// each failed part (disks, a DIMM's EDAC count, a BMC sensor, the SEL). Then `recon master` restarts on the
// lab's config and data dir: `recon status` (text and --json) counts the verdicts and names the failing
// nodes from the replayed events, and the report the lab wrote carries the verdict columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reconArgv, waitForSocket } from '../helpers/master.js';
import { run } from '../helpers/netns.js';
import { unprivileged } from '../helpers/as-user.js';
import { assertLabGone, labDataDir, runIn } from './lab-checks.js';

const recon = reconArgv();
const user = unprivileged(recon[recon.length - 1]!);

/** Peer 3 of a lab (the fourth machine in name order) is the faulty Supermicro. */
const FAULTY = '02:1a:b0:00:00:03';
const FAULTY_LINE = new RegExp(
  [
    `^lab: inventory ${FAULTY} supermicro-sys-1029p-faulty FAIL: `,
    'disk nvme0n1: SMART overall health: FAILED; ',
    'disk sda: pending sectors \\(unreadable, awaiting reallocation\\): 16; ',
    'dimm CPU_SrcID#0_MC#0_Chan#2_DIMM#0: EDAC uncorrected memory errors: 2; ',
    'bmc sensors: sensor CPU1 Temp: 92 degrees C, upper critical threshold crossed; ',
    'bmc event log: SEL 12/03/26 13:05:27 UTC: Memory #0x60: Uncorrectable ECC; ',
    '.*; and \\d+ more$',
  ].join(''),
  'm',
);

test(
  'recon lab --headless prints the faulty machine FAIL with its reasons; a restarted master reports verdicts in recon status',
  { skip: user.skip, timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-health-'));
    let master: ReturnType<typeof spawn> | undefined;
    try {
      await chown(root, user.uid, user.gid);
      const r = await runIn([...user.prefix, ...recon, 'lab', '--peers', '4', '--headless'], root, 150_000);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, FAULTY_LINE);
      assert.match(
        r.out,
        /^lab: inventory 02:1a:b0:00:00:00 dell-r440 WARN: disk sda: grown defect list entries: 56$/m,
      );
      assert.match(r.out, /^lab: inventory 02:1a:b0:00:00:01 kvm-guest OK$/m);
      assert.match(
        r.out,
        /^lab: inventory 02:1a:b0:00:00:02 supermicro-sys-1029p FAIL: disk nvme1n1: NVMe media errors: 7$/m,
      );
      const data = labDataDir(r.out);
      await assertLabGone(r.out, dirname(data));

      // the report the lab wrote at its power-down
      const csv = (await readFile(join(data, 'report.csv'), 'utf8')).split('\r\n');
      const header = csv[0]!.split(',');
      assert.deepEqual(header.slice(-2), ['health', 'health_reasons']);
      const faultyRow = csv.find((l) => l.startsWith(FAULTY))!;
      assert.match(faultyRow, /,fail,"disk nvme0n1: SMART overall health: FAILED; disk sda: pending sectors/);

      // a restart: the same config and data dir, the events replayed
      const config = join(dirname(data), 'recon.json');
      const argv = [...user.prefix, ...recon, 'master', '--config', config];
      master = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      master.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
      await waitForSocket(join(dirname(data), 'control.sock'), 20_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${err}`);
      });
      const status = await run([...user.prefix, ...recon, 'status', '--config', config]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^health: 1 ok, 1 warn, 2 fail$/m);
      assert.match(
        status.stdout,
        new RegExp(`^${FAULTY} \\S+ Supermicro SYS-1029P-WTR FAIL: disk nvme0n1: `, 'm'),
      );
      assert.match(
        status.stdout,
        /^02:1a:b0:00:00:02 \S+ Supermicro SYS-1029P-WTR FAIL: disk nvme1n1: NVMe media errors: 7$/m,
      );
      const js = await run([...user.prefix, ...recon, 'status', '--config', config, '--json']);
      const summary = JSON.parse(js.stdout) as {
        health: Record<string, number>;
        failing: { mac: string; reasons: string[] }[];
      };
      assert.deepEqual(summary.health, { ok: 1, warn: 1, fail: 2, unknown: 0 });
      assert.deepEqual(
        summary.failing.map((f) => f.mac),
        ['02:1a:b0:00:00:02', FAULTY],
      );
      assert.ok(summary.failing[1]!.reasons.length >= 5, JSON.stringify(summary.failing[1]));
    } finally {
      if (master && master.exitCode === null) {
        const gone = new Promise((res) => master!.once('exit', res));
        master.kill('SIGTERM');
        await Promise.race([gone, new Promise((res) => setTimeout(res, 10_000))]);
        if (master.exitCode === null) master.kill('SIGKILL');
      }
      await rm(root, { recursive: true, force: true });
    }
  },
);

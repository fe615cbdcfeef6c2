// `recon lab --peers 4 --headless` without root: the loopback lab, run by an unprivileged user (nobody when
// the tests run as root). The real master serves DHCP, TFTP, DNS and HTTP on unprivileged loopback ports,
// four simulated peers walk DHCP → TFTP → iPXE DHCP → menu → kernel/initrd → collector → upload → power-off,
// then the final power-down. Afterwards the data dir (owned by that user) holds 4 schema-valid inventories
// and the report, and no process or port of the lab is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reconArgv } from '../helpers/master.js';
import { ROOT_ADDS, runLab } from '../../src/lab/lab.js';
import { MACHINES_DIR } from '../../src/lab/machine-instance.js';
import { assertInventoriesAndReport, assertLabGone, labDataDir, runIn, textSink } from './lab-checks.js';
import { unprivileged } from '../helpers/as-user.js';

const recon = reconArgv();
const user = unprivileged(recon[recon.length - 1]!);

test(
  'lab without root: 4 simulated peers on loopback ports to the final power-down, as an unprivileged user',
  { skip: user.skip, timeout: 180_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-lo-'));
    try {
      await chown(root, user.uid, user.gid);
      const peek = await runIn([...user.prefix, 'test', '-r', join(MACHINES_DIR, 'README.md')], root, 5000);
      assert.equal(peek.code, 0, `the unprivileged user reads ${MACHINES_DIR}`);
      const started = Date.now();
      const r = await runIn([...user.prefix, ...recon, 'lab', '--peers', '4', '--headless'], root, 120_000);
      const seconds = (Date.now() - started) / 1000;
      assert.equal(r.code, 0, r.out);
      assert.ok(r.out.includes(`not root, so this is the loopback lab; ${ROOT_ADDS}`), r.out);
      assert.match(r.out, /loopback 127\.\d+\.\d+\.0\/24 on lo, ports (\d+)-\d+/);
      assert.ok(Number(/ports (\d+)-/.exec(r.out)?.[1]) > 1024, 'unprivileged ports');
      assert.match(r.out, /lab: all 4 inventories stored/);
      assert.match(r.out, /power-down: report written/);
      assert.match(r.out, /power-down: powering off: true/);

      const data = labDataDir(r.out);
      assert.ok(data.startsWith(root), data);
      const macs = assertInventoriesAndReport(data, 4, r.out);
      assert.equal(new Set(macs).size, 4, 'a distinct MAC per peer');
      // the master really ran as that user: it wrote the data dir
      const events = await stat(join(data, 'events.jsonl'));
      assert.equal(events.uid, user.uid, 'events written by the unprivileged master');
      const config = JSON.parse(await readFile(join(dirname(data), 'recon.json'), 'utf8')) as {
        interface: string;
        ports: { dhcp4: number; http: number };
      };
      assert.equal(config.interface, 'lo');
      assert.ok(config.ports.dhcp4 > 1024 && config.ports.http > 1024, JSON.stringify(config.ports));
      // every peer was leased an address and powered off
      const log = await readFile(join(data, 'events.jsonl'), 'utf8');
      for (const m of macs) {
        assert.match(log, new RegExp(`"type":"lease\\.granted"[^\\n]*"mac":"${m}"`), `${m} leased`);
        assert.match(log, new RegExp(`"mac":"${m}"[^\\n]*"stage":"powered-off"`), `${m} powered off`);
      }
      await assertLabGone(r.out, dirname(data));
      process.stdout.write(`# loopback lab, 4 peers, unprivileged: ${seconds.toFixed(1)} s\n`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

test(
  'lab without root: SIGTERM while the peers boot tears the lab down and leaves its data dir',
  { skip: user.skip, timeout: 90_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-lo-'));
    try {
      await chown(root, user.uid, user.gid);
      const argv = [...user.prefix, ...recon, 'lab', '--peers', '4', '--headless'];
      const r = await runIn(argv, root, 60_000, /simulated peers/);
      assert.match(r.out, /lab: stopped by SIGTERM/);
      assert.equal(r.code, 1, r.out);
      const data = labDataDir(r.out);
      await stat(join(data, 'events.jsonl'));
      assert.match(r.out, /lab: report\.json, report\.csv, report\.html written/);
      for (const f of ['report.json', 'report.csv', 'report.html']) await stat(join(data, f));
      await assertLabGone(r.out, dirname(data));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

test(
  'lab without the iPXE package: simulated peers fetch stand-ins and the lab still completes',
  { timeout: 120_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-lab-noipxe-'));
    const { out, text } = textSink();
    try {
      const r = await runLab({
        peers: 2,
        headless: true,
        keep: false,
        loopback: true,
        root,
        staggerSeconds: 1,
        ipxeDirs: [join(root, 'no-ipxe-here')],
        out,
      });
      assert.ok(r.ok, text());
      assert.match(
        text(),
        /no iPXE package \(.*no-ipxe-here\): peers fetch stand-ins for undionly\.kpxe, ipxe\.efi/,
      );
      const data = labDataDir(text());
      assertInventoriesAndReport(data, 2, text());
      // the peers really fetched the boot loader by TFTP, from the stand-in in the lab's tftp root
      const log = await readFile(join(data, 'events.jsonl'), 'utf8');
      assert.match(log, /"type":"transfer\.start"[^\n]*"proto":"tftp"/);
      await assertLabGone(text(), dirname(data));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

// `recon export --data A --data B` with no master running: two headless labs (the real master and
// simulated peers, one lab after the other) leave two data dirs whose peers share MACs (the lab numbers its
// peers the same way each time). The merged report has the union of the nodes, the newer lab's inventory
// for each shared node whichever order the dirs are given in, the conflicts named, and an HTML report
// whose links reach each node's files in its own data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { recon } from '../helpers/master.js';
import { isRoot, needs } from '../helpers/needs.js';
import { runLab } from '../../src/lab/lab.js';
import { textSink } from '../lab/lab-checks.js';

/** A headless lab of N peers to its final power-down, its dirs under `root`; returns its data dir. */
async function lab(root: string, peers: number): Promise<string> {
  const { out, text } = textSink();
  // as root with iproute2 the lab of network namespaces, else the loopback lab: both run the real master and peers
  const r = await runLab({
    peers,
    headless: true,
    keep: false,
    root,
    loopback: !isRoot() || needs({ tools: ['ip'] }) !== false,
    staggerSeconds: 1,
    out,
  });
  assert.ok(r.ok, text());
  return join(r.dir, 'data');
}

interface Row {
  mac: string;
  inventoryAt?: string;
  source?: string;
  inventoryLink?: string;
}
interface Report {
  schemaVersion: number;
  sources: { dir: string; nodes: number }[];
  conflicts: { mac: string; chosen: string; others: string[]; reason: string }[];
  rows: Row[];
}

test(
  'recon export --data A --data B: two lab data dirs merged into one report, no master',
  { timeout: 480_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'recon-export-'));
    try {
      const a = await lab(root, 2);
      const b = await lab(root, 3);
      const json = async (...dirs: string[]) => {
        const r = await recon(['export', ...dirs.flatMap((d) => ['--data', d]), '--format', 'json']);
        assert.equal(r.code, 0, r.stderr);
        return { report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
      };
      const { report, stderr } = await json(a, b);
      assert.equal(report.schemaVersion, 2);
      assert.deepEqual(
        report.sources.map((s) => [s.dir, s.nodes]),
        [
          [a, 2],
          [b, 3],
        ],
      );
      // the union: B's three peers include A's two
      assert.equal(report.rows.length, 3);
      const shared = report.rows.filter((r) => report.conflicts.some((c) => c.mac === r.mac));
      assert.equal(shared.length, 2);
      for (const r of shared) {
        assert.equal(r.source, b, `${r.mac}: the newer inventory (lab B ran later)`);
        const c = report.conflicts.find((x) => x.mac === r.mac)!;
        assert.equal(c.chosen, b);
        assert.deepEqual(c.others, [a]);
        assert.match(c.reason, /newest inventory/);
        assert.match(stderr, new RegExp(`${r.mac}: in ${b} and ${a}; shown from ${b}`));
      }
      // the order of --data does not decide: the newest inventory does
      const swapped = (await json(b, a)).report;
      assert.deepEqual(
        swapped.rows.map((r) => [r.mac, r.source, r.inventoryAt]).sort(),
        report.rows.map((r) => [r.mac, r.source, r.inventoryAt]).sort(),
      );

      // HTML next to neither data dir: the links still reach each node's files
      const out = join(root, 'merged', 'report.html');
      await mkdir(dirname(out), { recursive: true });
      const html = await recon(['export', '--data', a, '--data', b, '--format', 'html', '--out', out]);
      assert.equal(html.code, 0, html.stderr);
      const page = await readFile(out, 'utf8');
      assert.match(page, /Nodes seen by more than one master \(2\)/);
      const links = [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(links.length >= 3, links.join(' '));
      for (const l of links) {
        assert.ok(l.startsWith('../'), `${l} is relative`);
        assert.ok(existsSync(join(dirname(out), l)), `${l} exists`);
      }

      const csv = await recon(['export', '--data', a, '--data', b, '--format', 'csv']);
      assert.equal(csv.code, 0, csv.stderr);
      assert.equal(csv.stdout.trim().split('\r\n').length, 4);

      const missing = await recon(['export', '--data', join(root, 'nope'), '--format', 'json']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /--data .*nope: not a directory/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

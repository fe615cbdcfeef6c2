// Boot storm: `recon lab --peers N --headless` (root), peers started within S seconds. Measures the time
// from the first DHCP DISCOVER to the last inventory stored (the master's own event log), the master's CPU
// time and peak RSS (sampled from /proc every 250 ms), and lost or duplicated inventories (must be 0).
// Writes the figures into docs/BENCHMARKS.md under "## Boot storm".
// usage: node --import tsx bench/boot-storm.ts [--peers 200] [--stagger 10] [--doc docs/BENCHMARKS.md]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLab } from '../src/lab/lab.js';
import { writeDocSection } from './doc-section.js';
import { sampleLab } from './lab-sampler.js';

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '200' },
    stagger: { type: 'string', default: '10' },
    // where the section goes (another file for trial runs)
    doc: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});
const peers = Number(values.peers);
const stagger = Number(values.stagger);
const CLK_TCK = 100;

interface Ev {
  at: string;
  type: string;
  data: { pid?: number; mac?: string };
}

const root = await mkdtemp(join(tmpdir(), 'recon-bench-storm-'));
// sample the master while the lab runs
const lab = sampleLab();

const started = Date.now();
const r = await runLab({ peers, headless: true, keep: false, root, staggerSeconds: stagger, out: lab.out });
const { peakRssKb, cpuTicks, peakLoad } = lab.stop();
const wall = (Date.now() - started) / 1000;
const events = readFileSync(join(r.dir, 'data', 'events.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Ev);
const firstDiscover = events.find((e) => e.type === 'dhcp.discover');
const stored = events.filter((e) => e.type === 'inventory.stored');
const lastStored = stored[stored.length - 1];
const perMac = new Map<string, number>();
for (const e of stored) perMac.set(e.data.mac ?? '', (perMac.get(e.data.mac ?? '') ?? 0) + 1);
const onDisk = readdirSync(join(r.dir, 'data', 'nodes')).filter((m) =>
  existsSync(join(r.dir, 'data', 'nodes', m, 'inventory.json')),
).length;
const lost = peers - perMac.size;
const duplicated = [...perMac.values()].filter((n) => n > 1).length;
const span =
  firstDiscover && lastStored ? (Date.parse(lastStored.at) - Date.parse(firstDiscover.at)) / 1000 : NaN;
const cpuSeconds = cpuTicks / CLK_TCK;

const section = [
  '## Boot storm',
  '',
  `\`bench/boot-storm.ts\`: \`recon lab --peers ${peers} --headless\` as root; each simulated peer in its own network`,
  `namespace walks DHCP (BIOS or UEFI) → TFTP (undionly.kpxe 74 KB / ipxe.efi 830 KB) → DHCP as iPXE → menu.ipxe →`,
  `kernel + initrd (lab stand-ins) → the real collector on a recorded machine → inventory + raw upload → power-off;`,
  `peers start evenly within ${stagger} s. Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}.`,
  '',
  '| figure | value |',
  '|---|---|',
  `| first DISCOVER → last inventory stored | ${span.toFixed(1)} s |`,
  `| inventories stored (events / files on disk) | ${stored.length} / ${onDisk} of ${peers} |`,
  `| lost / duplicated inventories | ${lost} / ${duplicated} |`,
  `| master CPU time over the whole run | ${cpuSeconds.toFixed(1)} s |`,
  `| master peak RSS | ${(peakRssKb / 1024).toFixed(0)} MiB |`,
  `| lab wall time (setup, storm, shutdown, power-down, teardown) | ${wall.toFixed(0)} s |`,
  `| run ended | ${r.ok ? 'power-down completed' : 'FAILED'} |`,
  '',
  `The simulated peers share the same ${cpus().length} cores as the master (one Node process each), so the span is`,
  "bounded by the peers' own start-up as much as by the master: run from source, every peer process loads recon",
  `through tsx (1-minute load average up to ${peakLoad.toFixed(0)} during the storm), while the master itself used the`,
  'CPU time above.',
  '',
].join('\n');
process.stdout.write(section + '\n');
writeDocSection(values.doc, section);
await rm(root, { recursive: true, force: true });
process.exit(r.ok && lost === 0 && duplicated === 0 ? 0 : 1);

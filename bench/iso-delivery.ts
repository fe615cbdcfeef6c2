// ISO delivery benchmark (root): one live-ISO-sized file downloaded whole by N peers at once, each in
// its own network namespace behind the rig's bridge, from recon's HTTP service in the master namespace.
// The master's link is shaped to each rate in turn (HTB on br0, the master's side of the segment: one
// master NIC feeding every peer, as on a real install network), one FIFO below it (what a NIC queue
// without fair queueing does; this is also all the rig's kernel offers). Measures the time until the last peer has the whole file, each peer's own rate, and
// the master's CPU time (/proc, user + system, all its threads) per delivery. Writes the table into
// docs/BENCHMARKS.md under "## ISO delivery".
// usage: node --import tsx bench/iso-delivery.ts [--mib 350] [--peers 32] [--rates 10,25] [--rounds 2]
import { cpus, loadavg, tmpdir } from 'node:os';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetnsRig, RIG_V4, type Peer } from '../test/helpers/netns.js';
import { writeDocSection } from './doc-section.js';
import { startReconHttp, writeRandomFile } from './http-rig.js';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '350' },
    peers: { type: 'string', default: '32' },
    /** Gbit/s of the master's link; 0 leaves it unshaped */
    rates: { type: 'string', default: '10,25' },
    rounds: { type: 'string', default: '2' },
    // where the section goes (another file for trial runs)
    doc: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});
const mib = Number(values.mib);
const peerCount = Number(values.peers);
const rates = values.rates.split(',').map(Number);
const rounds = Number(values.rounds);
const CLK_TCK = 100;

/** CPU seconds (user + system, every thread) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** The master's link: HTB at `gbit` on br0 (its default FIFO below it), or no shaping for 0. */
async function shape(rig: NetnsRig, gbit: number): Promise<void> {
  const tc = async (...args: string[]) => {
    const r = await rig.exec(rig.masterNs, ['tc', ...args]);
    if (r.code !== 0) throw new Error(`tc ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  await rig.exec(rig.masterNs, ['tc', 'qdisc', 'del', 'dev', 'br0', 'root']);
  if (gbit === 0) return;
  // a burst of ~4 ms at the rate: HTB refills per timer tick, and less would cap the rate below it
  const burst = `${Math.ceil((gbit * 1e9) / 8 / 250)}b`;
  await tc('qdisc', 'add', 'dev', 'br0', 'root', 'handle', '1:', 'htb', 'default', '1');
  await tc(
    ...['class', 'add', 'dev', 'br0', 'parent', '1:', 'classid', '1:1', 'htb'],
    ...['rate', `${gbit}gbit`, 'ceil', `${gbit}gbit`, 'burst', burst, 'cburst', burst],
  );
}

interface Delivery {
  /** first request to the last peer's last byte */
  seconds: number;
  /** each peer's own Gbit/s (size over its own time) */
  perPeer: number[];
  masterCpu: number;
  load: number;
}

async function deliver(rig: NetnsRig, peers: Peer[], url: string, bytes: number, pid: number) {
  const cpu0 = await cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    peers.map((p) =>
      rig.exec(p.ns, ['curl', '-sS', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url], {
        timeoutMs: 600_000,
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const masterCpu = (await cpuSeconds(pid)) - cpu0;
  const perPeer = results.map((r) => {
    const [size, secs] = r.stdout.trim().split(' ').map(Number);
    if (size !== bytes) throw new Error(`short download: ${r.stdout} ${r.stderr}`);
    return (bytes * 8) / secs! / 1e9;
  });
  return { seconds, perPeer, masterCpu, load: loadavg()[0]! } satisfies Delivery;
}

const loadAtStart = loadavg()[0]!;
const dir = await mkdtemp(join(tmpdir(), 'recon-bench-iso-'));
await chmod(dir, 0o755);
const rig = await NetnsRig.create('iso');
const rows: { gbit: number; runs: Delivery[] }[] = [];
try {
  const peers: Peer[] = [];
  for (let i = 0; i < peerCount; i++) {
    const peer = await rig.addPeer();
    await rig.exec(peer.ns, ['ip', 'addr', 'add', `10.99.0.${100 + i}/24`, 'dev', 'eth0']);
    peers.push(peer);
  }
  const www = join(dir, 'www');
  await mkdir(www, { recursive: true });
  const file = join(www, 'recon.iso');
  const bytes = await writeRandomFile(file, mib);
  const recon = await startReconHttp(rig, dir, www);
  // `ip netns exec` execs the command: the child's pid is recon's
  const pid = recon.pid!;
  const url = `http://${RIG_V4.master}/install/recon.iso`;
  // warm the page cache: the ISO is read from memory in every round
  await deliver(rig, peers.slice(0, 1), url, bytes, pid);
  for (const gbit of rates) rows.push({ gbit, runs: [] });
  for (let r = 0; r < rounds; r++) {
    // alternate the order so no rate always runs first
    for (const row of r % 2 === 0 ? rows : [...rows].reverse()) {
      await shape(rig, row.gbit);
      const d = await deliver(rig, peers, url, bytes, pid);
      row.runs.push(d);
      process.stderr.write(
        `${row.gbit || 'unshaped'} Gbit/s round ${r}: ${d.seconds.toFixed(2)} s, master CPU ${d.masterCpu.toFixed(2)} s\n`,
      );
    }
  }
} finally {
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number, d = 2) => n.toFixed(d);
const table = rows.map((row) => {
  const all = row.runs.flatMap((d) => d.perPeer);
  const total = median(row.runs.map((d) => d.seconds));
  const ideal = row.gbit ? (peerCount * mib * (1 << 20) * 8) / (row.gbit * 1e9) : NaN;
  return [
    row.gbit ? `${row.gbit} Gbit/s` : 'unshaped',
    `${fmt(total)} s`,
    row.gbit ? `${fmt(ideal)} s` : '–',
    `${fmt(Math.min(...all))} / ${fmt(median(all))} / ${fmt(Math.max(...all))}`,
    `${fmt(median(row.runs.map((d) => d.masterCpu)))} s`,
  ];
});
const section = `## ISO delivery

\`node --import tsx bench/iso-delivery.ts --mib ${mib} --peers ${peerCount} --rates ${rates.join(',')} --rounds ${rounds}\` (root), ${new Date().toISOString().slice(0, 10)},
${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}.
Load average (1 min) ${fmt(loadAtStart, 1)} at the start and ${fmt(loadavg()[0]!, 1)} at the end of the run.
One ${mib} MiB file (random bytes, in the page cache; the size of the live ISO) downloaded whole by ${peerCount} peers at
once, each \`curl -o /dev/null\` in its own network namespace, from recon's HTTP service (\`startHttp\`, a static
root) across the rig's bridge. The master's link is shaped: HTB at the rate on br0 (the master's side of the
segment, as one master NIC feeds every peer), one FIFO below it. Median of ${rounds} rounds, rates alternated;
peers and master share the same CPUs.

| master link | all ${peerCount} peers done | at line rate | per peer Gbit/s (min / median / max) | master CPU |
|---|---:|---:|---:|---:|
${table.map((c) => `| ${c.join(' | ')} |`).join('\n')}

All rounds (s): ${rows.map((r) => `${r.gbit ? `${r.gbit} Gbit/s` : 'unshaped'} ${r.runs.map((d) => `${fmt(d.seconds)} (CPU ${fmt(d.masterCpu)})`).join(' / ')}`).join('; ')}.
`;
writeDocSection(values.doc, section);
process.stdout.write(section);

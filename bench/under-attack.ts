// Honest peers under attack: the boot storm of `recon lab --peers N --headless` (root) three times: alone, with
// a hostile namespace on the same bridge, and with it but without its DHCP flood. From before the first peer
// starts to the end, the hostile namespace floods DHCP (perfdhcp: DISCOVERs from random MACs at --rate per
// second), holds --idle idle HTTP connections, keeps 300 TFTP read requests unacknowledged and trickles an
// upload (a byte every 10 s, from the address it leased as a PXE client). Reports lost inventories (must be 0), the span from the peers'
// first DISCOVER to their last inventory in each run, the master's peak RSS and the data dir's size, and
// what the attacker achieved. Writes the figures into docs/BENCHMARKS.md under "## Honest peers under attack".
// usage: node --import tsx bench/under-attack.ts [--peers 20] [--stagger 10] [--rate 5000] [--idle 2000]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLab } from '../src/lab/lab.js';
import { LabNetwork, type LabPlace } from '../src/lab/network.js';
import { run } from '../test/helpers/netns.js';
import { writeDocSection } from './doc-section.js';
import { sampleLab } from './lab-sampler.js';

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '20' },
    stagger: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5000' },
    idle: { type: 'string', default: '2000' },
  },
});
const peers = Number(values.peers);
const stagger = Number(values.stagger);
const rate = Number(values.rate);
const idleCount = Number(values.idle);
const ATTACKER_MAC = '52:54:00:ee:ee:01';
/** perfdhcp runs in periods this long (s); each complete one reports what it sent */
const PERFDHCP_PERIOD = 15;
const HOSTILE = [
  process.execPath,
  '--import',
  'tsx',
  join(import.meta.dirname, '../test/helpers/hostile-peer.ts'),
];

interface Ev {
  at: string;
  type: string;
  data: { pid?: number; mac?: string };
}

interface RunFigures {
  ok: boolean;
  span: number;
  stored: number;
  lost: number;
  duplicated: number;
  peakRssMiB: number;
  peakLoad: number;
  dataBytes: number;
  eventsBytes: number;
  nodeDirs: number;
  nodes: number;
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

async function ip(...args: string[]): Promise<void> {
  const r = await run(['ip', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** The hostile namespace on the lab's bridge, and its attacks; stop() ends them and removes it. */
class Attacker {
  readonly procs: ChildProcess[] = [];
  readonly status = new Map<string, Record<string, number>>();
  perfdhcpOut = '';
  address = '';

  constructor(readonly ns: string) {}

  static async attach(place: LabPlace, dir: string, flood: boolean): Promise<Attacker> {
    if (!(place instanceof LabNetwork)) throw new Error('the attack bench needs the namespace lab (root)');
    const a = new Attacker(`${place.masterNs}x`);
    await ip('netns', 'add', a.ns);
    await ip('-n', a.ns, 'link', 'set', 'lo', 'up');
    await ip(
      'link',
      'add',
      'atk0',
      'netns',
      place.masterNs,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      a.ns,
    );
    await ip('-n', a.ns, 'link', 'set', 'eth0', 'address', ATTACKER_MAC);
    await ip('-n', place.masterNs, 'link', 'set', 'atk0', 'master', 'br0');
    await ip('-n', place.masterNs, 'link', 'set', 'atk0', 'up');
    await ip('-n', a.ns, 'link', 'set', 'eth0', 'up');
    // a lease as a PXE client, so the trickled upload comes from the address leased to its MAC
    const hook = join(dir, 'attacker-udhcpc.sh');
    await writeFile(
      hook,
      '#!/bin/sh\ncase "$1" in\n  bound|renew) ip addr replace "$ip/${mask:-24}" dev "$interface"; echo "$ip" ;;\nesac\n',
    );
    await chmod(hook, 0o755);
    const lease = await run(
      [
        'ip',
        'netns',
        'exec',
        a.ns,
        'udhcpc',
        '-i',
        'eth0',
        '-f',
        '-q',
        '-n',
        '-t',
        '5',
        '-T',
        '2',
        '-s',
        hook,
        '-V',
        'PXEClient:Arch:00000:UNDI:002001',
      ],
      { timeoutMs: 30_000 },
    );
    a.address = /(\d+\.\d+\.\d+\.\d+)\s*$/.exec(lease.stdout.trim())?.[1] ?? '';
    if (!a.address) throw new Error(`attacker got no lease: ${lease.stdout} ${lease.stderr}`);
    const master = `${place.site.subnet.v4}.1`;
    // in periods of PERFDHCP_PERIOD s, each of which prints its statistics; the loop ends with the run
    if (flood) {
      // in periods, each of which prints its statistics; the loop ends with the run
      const perfdhcp = ['perfdhcp', '-4', '-l', 'eth0', '-r', String(rate), '-R', '1000000', '-i'];
      const perf = a.spawn([
        'sh',
        '-c',
        `while :; do ${perfdhcp.join(' ')} -p ${PERFDHCP_PERIOD} ${master}; done`,
      ]);
      perf.stdout?.on('data', (d: Buffer) => (a.perfdhcpOut += d.toString()));
    }
    a.hostile('idle', master, '80', String(idleCount));
    a.hostile('rrq', master, '69', '300', 'undionly.kpxe');
    a.hostile('trickle', master, '80', ATTACKER_MAC, '1', '10000');
    // the attack is in full swing before the first peer starts
    await sleep(3000);
    return a;
  }

  private spawn(argv: string[]): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', this.ns, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.procs.push(c);
    return c;
  }

  private hostile(...args: string[]): void {
    const c = this.spawn([...HOSTILE, ...args]);
    let buf = '';
    c.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) this.status.set(args[0]!, JSON.parse(l) as Record<string, number>);
    });
  }

  async stop(): Promise<void> {
    // perfdhcp prints its statistics on SIGINT
    for (const p of this.procs) p.kill('SIGINT');
    await sleep(1500);
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
    const pids = await run(['ip', 'netns', 'pids', this.ns]);
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await run(['ip', 'netns', 'del', this.ns]);
  }
}

/** One lab run: alone, under every attack, or under every attack but the DHCP flood. */
type Attack = 'none' | 'all' | 'no-flood';

async function storm(root: string, attack: Attack): Promise<{ figures: RunFigures; attacker?: Attacker }> {
  const lab = sampleLab();
  let attacker: Attacker | undefined;
  try {
    const r = await runLab({
      peers,
      headless: true,
      keep: false,
      root,
      staggerSeconds: stagger,
      out: lab.out,
      ...(attack !== 'none' && {
        beforePeers: async (place: LabPlace, dir: string) => {
          attacker = await Attacker.attach(place, dir, attack === 'all');
        },
      }),
    });
    const { peakRssKb, peakLoad } = lab.stop();
    const data = join(r.dir, 'data');
    const events = readFileSync(join(data, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Ev);
    const stored = events.filter((e) => e.type === 'inventory.stored' && e.data.mac !== ATTACKER_MAC);
    const perMac = new Map<string, number>();
    for (const e of stored) perMac.set(e.data.mac ?? '', (perMac.get(e.data.mac ?? '') ?? 0) + 1);
    // the peers' own first DISCOVER: the attacker's flood must not start the clock
    const firstDiscover = events.find((e) => e.type === 'dhcp.discover' && perMac.has(e.data.mac ?? ''));
    const lastStored = stored[stored.length - 1];
    const snapshot = JSON.parse(readFileSync(join(data, 'state.json'), 'utf8')) as {
      state?: { nodes?: object };
    };
    const figures: RunFigures = {
      ok: r.ok,
      span:
        firstDiscover && lastStored ? (Date.parse(lastStored.at) - Date.parse(firstDiscover.at)) / 1000 : NaN,
      stored: perMac.size,
      lost: peers - perMac.size,
      duplicated: [...perMac.values()].filter((n) => n > 1).length,
      peakRssMiB: peakRssKb / 1024,
      peakLoad,
      dataBytes: sizeOf(data),
      eventsBytes: statSync(join(data, 'events.jsonl')).size,
      nodeDirs: existsSync(join(data, 'nodes')) ? readdirSync(join(data, 'nodes')).length : 0,
      nodes: Object.keys(snapshot.state?.nodes ?? {}).length,
    };
    if (!r.ok) process.stderr.write(lab.log().slice(-3000));
    return { figures, attacker };
  } finally {
    lab.stop();
    await attacker?.stop();
  }
}

const root = await mkdtemp(join(tmpdir(), 'recon-bench-attack-'));
let code = 1;
try {
  const alone = (await storm(root, 'none')).figures;
  const { figures: attacked, attacker } = await storm(root, 'all');
  const noFlood = (await storm(root, 'no-flood')).figures;
  const runs = [alone, attacked, noFlood];
  const perf = attacker?.perfdhcpOut ?? '';
  const periods = [...perf.matchAll(/DISCOVER-OFFER[\s\S]*?sent packets: (\d+)/g)].map((m) => Number(m[1]));
  const sent = periods.reduce((n, x) => n + x, 0);
  const seconds = periods.length * PERFDHCP_PERIOD;
  const st = (k: string) => attacker?.status.get(k) ?? {};
  const mib = (b: number) => (b / 1048576).toFixed(2);
  const cutMs = st('trickle').cutAfterMs;
  const row = (name: string, cell: (f: RunFigures) => string) =>
    `| ${name} | ${runs.map(cell).join(' | ')} |`;
  const section = [
    '## Honest peers under attack',
    '',
    `\`bench/under-attack.ts\`: \`recon lab --peers ${peers} --headless\` as root (peers start within ${stagger} s, as in`,
    '"Boot storm"), alone and with a hostile namespace on the same bridge. From 3 s before the first peer starts to',
    `the end of the run the attacker sends DHCPDISCOVERs from random MACs (perfdhcp \`-r ${rate} -R 1000000 -i\`),`,
    `holds ${idleCount} idle HTTP connections (reopening every one the master closes), keeps 300 TFTP read requests`,
    'unacknowledged (asked again every second) and trickles a raw upload at a byte every 10 s from the address it',
    'leased as a PXE client; the third run has every attack but the DHCP flood. Machine:',
    `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; the attacker, the peers and the master share them.`,
    '',
    '| figure | alone | under attack | under attack, no DHCP flood |',
    '|---|---|---|---|',
    row('inventories stored / lost / duplicated', (f) => `${f.stored} / ${f.lost} / ${f.duplicated}`),
    row("peers' first DISCOVER → last inventory stored", (f) => `${f.span.toFixed(1)} s`),
    row('master peak RSS', (f) => `${f.peakRssMiB.toFixed(0)} MiB`),
    row('data dir at the end (events.jsonl)', (f) => `${mib(f.dataBytes)} MiB (${mib(f.eventsBytes)} MiB)`),
    row('node records / node directories', (f) => `${f.nodes} / ${f.nodeDirs}`),
    row('run ended', (f) => (f.ok ? 'power-down completed' : 'FAILED')),
    row('1-minute load average, highest during the run', (f) => f.peakLoad.toFixed(1)),
    '',
    'What the attacker achieved (second run):',
    '',
    '| attack | result |',
    '|---|---|',
    `| DHCP flood | ${sent} DISCOVERs in the ${periods.length} complete ${PERFDHCP_PERIOD} s periods (${(sent / seconds).toFixed(0)}/s sent) |`,
    `| ${idleCount} idle HTTP connections | ${st('idle').closed ?? 0} connections closed by the master (refused over the per-source cap or timed out) |`,
    `| 300 stalled RRQs | ${st('rrq').errors ?? 0} refusals ("Server busy"), ${st('rrq').data ?? 0} DATA blocks received |`,
    `| trickled upload | ${cutMs === undefined ? 'not cut' : `cut ${(cutMs / 1000).toFixed(0)} s after it began`} |`,
    '',
  ].join('\n');
  process.stdout.write(section + '\n');
  writeDocSection(join(import.meta.dirname, '..', 'docs', 'BENCHMARKS.md'), section);
  code = runs.every((f) => f.ok && f.lost === 0) ? 0 : 1;
} finally {
  // a failed run keeps its labs (logs, data) for a look
  if (code === 0) await rm(root, { recursive: true, force: true });
  else process.stderr.write(`labs kept in ${root}\n`);
}
process.exit(code);

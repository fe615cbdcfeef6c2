// TFTP benchmark (root): time to fetch ipxe.efi by 1 and by 100 concurrent clients, recon's TFTP
// service vs tftpd-hpa (in.tftpd, foreground) vs dnsmasq's TFTP server. The three run side by side in
// the master namespace of one netns rig, each on port 69 of its own address on the bridge, and the
// rounds interleave them, so load from anything else on the machine hits all three alike. The
// clients (curl, blksize 1468) run in a peer namespace. Writes docs/BENCHMARKS.md "## TFTP".
//
// One lock-step client is a ping-pong of ~580 round trips, and its time depends mostly on where the
// scheduler puts curl and the server: on one CPU a round trip is a cheap hand-over, on two it costs
// two cross-CPU wake-ups, each several times dearer on a virtual machine, and which of the two a
// round gets follows the machine's other load. So 1 client is measured twice: as the scheduler
// places things, and with every server and the client pinned to the same CPU (the servers' own cost).
// usage: node --import tsx bench/tftp.ts [--clients 1,100] [--rounds 9]
import { cpus, loadavg, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { NetnsRig, RIG_V4, run } from '../test/helpers/netns.js';
import { ServiceProcess } from '../test/fixtures/tftp/service-process.js';
import { writeDocSection } from './doc-section.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,100' },
    rounds: { type: 'string', default: '9' },
    file: { type: 'string', default: '/usr/lib/ipxe/ipxe.efi' },
    // where the section goes (another file for trial runs)
    doc: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});
const clientCounts = values.clients.split(',').map(Number);
/** the CPU that the "one CPU" rounds pin every server and the client to */
const PIN_CPU = String(cpus().length - 1);
const ALL_CPUS = `0-${cpus().length - 1}`;
const rounds = Number(values.rounds);
const FILE = 'ipxe.efi';
const WARMUP = 5;

type ServerName = 'recon' | 'tftpd-hpa' | 'dnsmasq';
interface Running {
  stop(): Promise<void>;
}

const ADDRESS: Record<ServerName, string> = {
  recon: RIG_V4.master,
  'tftpd-hpa': '10.99.0.2',
  dnsmasq: '10.99.0.3',
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * N concurrent curl downloads. One client: curl's own transfer time (no process start-up);
 * N clients: wall time from the first start to the last exit.
 */
async function measure(
  rig: NetnsRig,
  peerNs: string,
  server: ServerName,
  n: number,
  bytes: number,
  pin: string | undefined,
): Promise<number> {
  const url = `tftp://${ADDRESS[server]}/${FILE}`;
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      rig.exec(
        peerNs,
        [
          ...(pin === undefined ? [] : ['taskset', '-c', pin]),
          'curl',
          '-sS',
          '--tftp-blksize',
          '1468',
          '-o',
          '/dev/null',
          '-w',
          '%{size_download} %{time_total}',
          url,
        ],
        { timeoutMs: 120_000 },
      ),
    ),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  for (const r of results)
    if (Number(r.stdout.split(' ')[0]) !== bytes)
      throw new Error(`short download from ${server}: ${r.stdout} ${r.stderr}`);
  return n === 1 ? Number(results[0]!.stdout.split(' ')[1]) * 1000 : ms;
}

/** Sets the CPU affinity of every process (and thread) in the master namespace: the three servers. */
async function pinServers(rig: NetnsRig, cpuList: string): Promise<void> {
  const pids = (await run(['ip', 'netns', 'pids', rig.masterNs])).stdout.split('\n').filter(Boolean);
  for (const pid of pids) await run(['taskset', '-a', '-p', '-c', cpuList, pid]);
}

function killed(child: ChildProcess): Running {
  return {
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
    },
  };
}

async function startServer(name: ServerName, rig: NetnsRig, dir: string, root: string): Promise<Running> {
  if (name === 'recon') {
    const p = await ServiceProcess.start(rig, 'tftp', {
      interface: 'br0',
      ipv4: { address: RIG_V4.master, prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
      ipv6: { enabled: false },
      dataDir: join(dir, 'data'),
      tftpRoot: root,
      // the N clients stand for N machines but share the peer namespace's one address
      tftp: { maxTransfersPerClient: 256 },
    });
    return { stop: async () => void (await p.stop()) };
  }
  const argv =
    name === 'tftpd-hpa'
      ? ['in.tftpd', '-L', '-4', '-u', 'root', '-a', `${ADDRESS[name]}:69`, '-s', root]
      : [
          'dnsmasq',
          '--no-daemon',
          '--conf-file=/dev/null',
          '--port=0',
          '--user=root',
          `--listen-address=${ADDRESS[name]}`,
          '--bind-interfaces',
          '--enable-tftp',
          `--tftp-root=${root}`,
          `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        ];
  const child = rig.spawn(rig.masterNs, argv);
  child.stdout?.resume();
  child.stderr?.resume();
  await sleep(500);
  if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
  return killed(child);
}

// the machine may be shared: its load is part of the record
const loadAtStart = loadavg()[0]!;
const dir = await mkdtemp(join(tmpdir(), 'recon-bench-tftp-'));
await chmod(dir, 0o755);
const root = join(dir, 'root');
await mkdir(root, { mode: 0o755 });
await copyFile(values.file, join(root, FILE));
await chmod(join(root, FILE), 0o644);
const bytes = readFileSync(join(root, FILE)).length;
const servers: ServerName[] = ['recon', 'tftpd-hpa', 'dnsmasq'];
const scenarios = clientCounts.flatMap((n) =>
  n === 1
    ? [
        { label: '1', n, pin: undefined },
        { label: '1, one CPU', n, pin: PIN_CPU },
      ]
    : [{ label: String(n), n, pin: undefined }],
);
const results = new Map<string, number[]>();
const rig = await NetnsRig.create('tb');
const running: Running[] = [];
try {
  const peer = await rig.addPeer();
  await rig.exec(peer.ns, ['ip', 'addr', 'add', '10.99.0.100/24', 'dev', 'eth0']);
  for (const a of [ADDRESS['tftpd-hpa'], ADDRESS.dnsmasq])
    await rig.exec(rig.masterNs, ['ip', 'addr', 'add', `${a}/24`, 'dev', 'br0']);
  for (const name of servers) {
    running.push(await startServer(name, rig, dir, root));
    // warm-up: page cache, ARP, recon's file cache and JIT
    for (let i = 0; i < WARMUP; i++) await measure(rig, peer.ns, name, 1, bytes, undefined);
  }
  for (const { label, n, pin } of scenarios) {
    await pinServers(rig, pin ?? ALL_CPUS);
    for (let r = 0; r < rounds; r++) {
      // rotate the order so no server always runs first
      for (let i = 0; i < servers.length; i++) {
        const name = servers[(i + r) % servers.length]!;
        const v = await measure(rig, peer.ns, name, n, bytes, pin);
        results.set(`${name}/${label}`, [...(results.get(`${name}/${label}`) ?? []), v]);
        process.stderr.write(`${name} clients=${label} round=${r}: ${v.toFixed(1)} ms\n`);
      }
    }
  }
} finally {
  for (const s of running) await s.stop();
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
}

const versions = {
  dnsmasq: (await run(['dnsmasq', '--version'])).stdout.split('\n')[0]?.trim() ?? '',
  hpa: (await run(['dpkg-query', '-W', '-f', '${Version}', 'tftpd-hpa'])).stdout.trim(),
};
const cell = (name: ServerName, label: string) => median(results.get(`${name}/${label}`) ?? [NaN]);
const section = `## TFTP

\`node --import tsx bench/tftp.ts --clients ${clientCounts.join(',')} --rounds ${rounds}\` (root), ${new Date().toISOString().slice(0, 10)},
${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, tftpd-hpa ${versions.hpa}, ${versions.dnsmasq}.
Load average (1 min) ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end of the run.
\`${FILE}\` (${bytes} bytes, the distribution's iPXE EFI binary) fetched by N concurrent \`curl --tftp-blksize 1468\`
processes (lock-step, no windowsize) in a peer namespace across the rig's bridge. 1 client: curl's own
\`time_total\`, once as the scheduler places client and server, once with every server and the client pinned to
CPU ${PIN_CPU} ("one CPU": a lock-step transfer is ~580 round trips, and a round where the scheduler puts curl and
the server on different CPUs pays two cross-CPU wake-ups per round trip, which is what made earlier single-client
figures bimodal); 100 clients: wall time from the first client start to the last client's exit (process start-up
included, the same for every server). Median of ${rounds} rounds after ${WARMUP} warm-up fetches per server; the servers run side by side
(one address each on the bridge, port 69) and the rounds interleave them. recon: its TFTP service alone
(\`startTftp\`, defaults but \`maxTransfersPerClient\` 256 since every client shares one address: maxBlksize 1468, 256
transfers, every transfer on the event loop, events into a real state store); \`in.tftpd -L -s\` (a process forked per transfer);
\`dnsmasq --enable-tftp\`. Lower is better.

| clients | recon ms | tftpd-hpa ms | dnsmasq ms | recon vs tftpd-hpa | target |
|---:|---:|---:|---:|---:|---:|
${scenarios
  .map(
    ({ label: l }) =>
      `| ${l} | ${cell('recon', l).toFixed(0)} | ${cell('tftpd-hpa', l).toFixed(0)} | ${cell('dnsmasq', l).toFixed(0)} | ${(cell('tftpd-hpa', l) / cell('recon', l)).toFixed(2)}× as fast | ≥ 1× |`,
  )
  .join('\n')}

All rounds (ms): ${[...results.entries()].map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join(' / ')}`).join('; ')}.
`;
writeDocSection(values.doc, section);
process.stdout.write(section);

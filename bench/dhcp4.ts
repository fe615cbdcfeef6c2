// DHCPv4 benchmark (root): perfdhcp DORA exchanges/s and drop rate against recon (lease persistence
// on), dnsmasq and Kea (memfile, persist=true), on the same netns rig, broadcast and unicast.
// Writes the table into docs/BENCHMARKS.md under "## DHCPv4".
// usage: node --import tsx bench/dhcp4.ts [--seconds 10] [--rates 1000,6000] [--clients 140]
//        [--servers recon,kea,dnsmasq] [--modes broadcast,unicast] [--storm-macs 100000]
//        [--storm-rates 3000,6000] [--storm-servers recon,kea] [--no-doc] [--verbose]
// The storm rows are a flood of new machines: perfdhcp draws from --storm-macs distinct client MACs, so
// nearly every exchange is a client the server has never seen (unicast, the mode every server answers).
// Each row also says where lost packets went: the kernel's UDP receive-buffer overflow counters of the
// server's namespace and of perfdhcp's (each namespace counts its own sockets).
// --no-doc prints the table without touching the docs; --verbose also prints perfdhcp's own report
// and all UDP counters of both namespaces for each row.
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetnsRig, run } from '../test/helpers/netns.js';
import { ReconDhcp4, rigConfig, tempDir } from '../test/helpers/dhcp4-rig.js';
import { writeDocSection } from './doc-section.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rates: { type: 'string', default: '1000,6000,9000' },
    clients: { type: 'string', default: '140' },
    servers: { type: 'string', default: 'recon,kea,dnsmasq' },
    modes: { type: 'string', default: 'broadcast,unicast' },
    'storm-macs': { type: 'string', default: '100000' },
    'storm-rates': { type: 'string', default: '3000,6000' },
    'storm-servers': { type: 'string', default: 'recon,kea' },
    'no-doc': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rates = values.rates ? values.rates.split(',').map(Number) : [];
const clients = Number(values.clients);
const modes = values.modes.split(',') as ('broadcast' | 'unicast')[];
const stormMacs = Number(values['storm-macs']);
const stormRates = values['storm-rates'] ? values['storm-rates'].split(',').map(Number) : [];
const stormServers = values['storm-servers'].split(',');
// a /16 pool: room for every new machine of a storm row (6000/s for 10 s) without reusing an address
const PREFIX = 16;
const RANGE = ['10.99.0.100', '10.99.255.250'] as const;
const POOL_SIZE = 65_179;

interface Row {
  server: string;
  /** distinct client MACs perfdhcp draws from */
  macs: number;
  mode: 'broadcast' | 'unicast';
  target: number;
  rate: number;
  sent: number;
  acks: number;
  dropPct: number;
  offerMs: number;
  ackMs: number;
  /** datagrams the kernel dropped because the server's socket buffer was full */
  serverOverflows: number;
  /** the same on perfdhcp's side: replies that arrived but perfdhcp did not read in time */
  clientOverflows: number;
  /** the machine's 1-minute load average when the row ended */
  load: number;
  /** the server's CPU time (user + system) over the row, per completed exchange */
  cpuUsPerAck: number;
}

/** A server under test: its process (for its CPU time) and how to stop it. */
interface Running {
  pid: number;
  stop: () => Promise<void>;
}

const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, ms) the process has used so far. The rows' rates depend on the machine's
 * load; CPU per exchange does not, and says how much load a server can stand.
 */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name: state is field 3, utime 14 and stime 15
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/** The Udp counters of /proc/net/snmp as seen from inside `ns` (each namespace has its own). */
async function udpCounters(rig: NetnsRig, ns: string): Promise<Record<string, number>> {
  const lines = (await rig.exec(ns, ['cat', '/proc/net/snmp'])).stdout
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const [names, nums] = lines.map((l) => l.split(/\s+/).slice(1));
  const out: Record<string, number> = {};
  names?.forEach((n, i) => (out[n] = Number(nums?.[i])));
  return out;
}

function counterDelta(a: Record<string, number>, b: Record<string, number>): string {
  return ['InDatagrams', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InErrors']
    .map((k) => `${k}=${(b[k] ?? 0) - (a[k] ?? 0)}`)
    .join(' ');
}

async function startRecon(rig: NetnsRig): Promise<Running> {
  const r = await ReconDhcp4.start(
    rig,
    rigConfig(tempDir('bench-recon'), {
      ipv4: { prefix: PREFIX, range: [...RANGE], leaseSeconds: 3600, maxLeaseSeconds: 7200 },
    }),
    [],
    { RECON_TEST_QUIET_EVENTS: '1' },
  );
  return {
    pid: r.child.pid!,
    stop: async () => {
      await r.stop();
      if (values.verbose && r.stderr) process.stderr.write(`recon stderr:\n${r.stderr}\n`);
    },
  };
}

async function startDnsmasq(rig: NetnsRig): Promise<Running> {
  const dir = tempDir('bench-dnsmasq');
  const p = rig.spawn(rig.masterNs, [
    'dnsmasq',
    '--no-daemon',
    '--conf-file=/dev/null',
    '--interface=br0',
    '--bind-interfaces',
    '--except-interface=lo',
    '--no-resolv',
    '--no-hosts',
    '--port=0',
    `--dhcp-range=${RANGE[0]},${RANGE[1]},255.255.0.0,1h`,
    `--dhcp-leasefile=${join(dir, 'leases')}`,
    '--dhcp-authoritative',
    '--no-ping',
    '--quiet-dhcp',
  ]);
  await new Promise((r) => setTimeout(r, 1000));
  return { pid: p.pid!, stop: () => Promise.resolve(void p.kill('SIGTERM')) };
}

async function startKea(rig: NetnsRig): Promise<Running> {
  const dir = tempDir('bench-kea');
  const conf = join(dir, 'kea.json');
  writeFileSync(
    conf,
    JSON.stringify({
      Dhcp4: {
        'interfaces-config': { interfaces: ['br0'], 'dhcp-socket-type': 'udp' },
        'lease-database': {
          type: 'memfile',
          persist: true,
          name: join(dir, 'leases.csv'),
          'lfc-interval': 0,
        },
        'valid-lifetime': 3600,
        subnet4: [{ id: 1, subnet: `10.99.0.0/${PREFIX}`, pools: [{ pool: `${RANGE[0]} - ${RANGE[1]}` }] }],
        loggers: [
          { name: 'kea-dhcp4', severity: 'WARN', output_options: [{ output: join(dir, 'kea.log') }] },
        ],
      },
    }),
  );
  const p = rig.spawn(rig.masterNs, [
    'env',
    `KEA_PIDFILE_DIR=${dir}`,
    `KEA_LOCKFILE_DIR=${dir}`,
    'kea-dhcp4',
    '-c',
    conf,
  ]);
  await new Promise((r) => setTimeout(r, 1500));
  return { pid: p.pid!, stop: () => Promise.resolve(void p.kill('SIGTERM')) };
}

const SERVERS: Record<string, (rig: NetnsRig) => Promise<Running>> = {
  recon: startRecon,
  kea: startKea,
  dnsmasq: startDnsmasq,
};

function parse(
  out: string,
):
  | Omit<
      Row,
      'server' | 'macs' | 'mode' | 'target' | 'serverOverflows' | 'clientOverflows' | 'load' | 'cpuUsPerAck'
    >
  | undefined {
  const m =
    /DISCOVER-OFFER[\s\S]*?sent packets: (\d+)[\s\S]*?received packets: (\d+)[\s\S]*?avg delay: ([\d.]+) ms[\s\S]*?REQUEST-ACK[\s\S]*?sent packets: (\d+)[\s\S]*?received packets: (\d+)[\s\S]*?avg delay: ([\d.]+) ms/.exec(
      out,
    );
  if (!m) return undefined;
  const [, dSent, offers, offerMs, rSent, acks, ackMs] = m.map(Number);
  const lost = dSent! - offers! + (rSent! - acks!);
  return {
    // perfdhcp's own "Rate" includes the exit wait; completed exchanges over the test period is fairer
    rate: acks! / seconds,
    sent: dSent!,
    acks: acks!,
    dropPct: (100 * lost) / (dSent! + rSent!),
    offerMs: offerMs!,
    ackMs: ackMs!,
  };
}

interface Run {
  mode: 'broadcast' | 'unicast';
  target: number;
  macs: number;
}

/** The 1-minute load average: the machine is shared, and its load decides these rows as much as a server. */
async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

/** Starts `server` on a fresh rig and runs `runs` against it, one perfdhcp row each. */
async function measure(server: string, runs: Run[]): Promise<Row[]> {
  const rows: Row[] = [];
  const rig = await NetnsRig.create('bn');
  try {
    const peer = await rig.addPeer();
    await rig.exec(peer.ns, ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
    const srv = await SERVERS[server]!(rig);
    try {
      for (const { mode, target, macs } of runs) {
        const argv = ['perfdhcp', '-4', '-l', 'eth0', '-r', `${target}`, '-R', `${macs}`, '-p', `${seconds}`];
        argv.push('-W', '2000000', ...(mode === 'unicast' ? ['10.99.0.1'] : []));
        const before = [await udpCounters(rig, rig.masterNs), await udpCounters(rig, peer.ns)];
        const cpuBefore = await cpuMs(srv.pid);
        const r = await rig.exec(peer.ns, argv, { timeoutMs: (seconds + 30) * 1000 });
        const after = [await udpCounters(rig, rig.masterNs), await udpCounters(rig, peer.ns)];
        const cpu = (await cpuMs(srv.pid)) - cpuBefore;
        if (values.verbose) {
          process.stderr.write(
            `${r.stdout}${r.stderr}\nserver ns UDP: ${counterDelta(before[0]!, after[0]!)}\n` +
              `perfdhcp ns UDP: ${counterDelta(before[1]!, after[1]!)}\n`,
          );
        }
        const res = parse(r.stdout + r.stderr);
        if (!res) {
          process.stderr.write(`${server} ${mode} ${target}: no result\n${r.stdout}${r.stderr}\n`);
          continue;
        }
        const overflows = (i: number): number =>
          (after[i]!.RcvbufErrors ?? 0) - (before[i]!.RcvbufErrors ?? 0);
        const row = {
          server,
          macs,
          mode,
          target,
          ...res,
          serverOverflows: overflows(0),
          clientOverflows: overflows(1),
          load: await loadAverage(),
          cpuUsPerAck: res.acks ? (cpu * 1000) / res.acks : 0,
        };
        process.stderr.write(`${JSON.stringify(row)}\n`);
        rows.push(row);
      }
    } finally {
      await srv.stop();
    }
  } finally {
    await rig.teardown();
  }
  return rows;
}

function table(rows: Row[]): string {
  const head =
    '| server | client MACs | mode | target /s | achieved DORA/s | DISCOVERs sent | ACKs | drops | avg offer ms | avg ack ms | overflows server / perfdhcp | server CPU µs per ACK | load |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (r) =>
      `| ${r.server} | ${r.macs} | ${r.mode} | ${r.target} | ${r.rate.toFixed(0)} | ${r.sent} | ${r.acks} | ${r.dropPct.toFixed(3)} % | ${r.offerMs.toFixed(2)} | ${r.ackMs.toFixed(2)} | ${r.serverOverflows} / ${r.clientOverflows} | ${r.cpuUsPerAck.toFixed(0)} | ${r.load.toFixed(1)} |`,
  );
  return [head, ...lines].join('\n');
}

const rows: Row[] = [];
const renewing: Run[] = modes.flatMap((mode) => rates.map((target) => ({ mode, target, macs: clients })));
for (const s of values.servers.split(',')) if (renewing.length) rows.push(...(await measure(s, renewing)));
// storm rows: each on a fresh server (a row uses up to 60,000 addresses of the pool), the servers taking
// turns rate by rate so a change in the machine's load falls on both alike
for (const target of stormRates)
  for (const s of stormServers)
    rows.push(...(await measure(s, [{ mode: 'unicast', target, macs: stormMacs }])));
const dnsmasqV = (await run(['dnsmasq', '--version'])).stdout.split('\n')[0]!.trim();
const keaV = (await run(['kea-dhcp4', '-v'])).stdout.trim();
const section = `## DHCPv4

\`node --import tsx bench/dhcp4.ts --seconds ${seconds} --rates ${rates.join(',')} --clients ${clients} --storm-macs ${stormMacs} --storm-rates ${stormRates.join(',')}\` (root),
${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${dnsmasqV}, Kea ${keaV}.
perfdhcp (acting as a relay at 10.99.0.2) runs ${seconds} s per row against a pool of ${POOL_SIZE} addresses (a /16) on the
netns rig; "unicast" gives perfdhcp the server address, "broadcast" sends to 255.255.255.255. Rows with ${clients} client
MACs are machines renewing; rows with ${stormMacs} are a storm of new machines (${stormServers.join(' and ')} in the same run,
unicast, a fresh server per row, taking turns): nearly every exchange is a MAC the server has never seen, and each
needs a fresh address. "Load" is the machine's 1-minute load average as the row ended (${cpus().length} CPUs, shared);
"server CPU µs per ACK" is the server process's user + system time over the row divided by the exchanges it
completed (DISCOVER, OFFER, REQUEST, ACK and the lease written), a figure the load changes far less than the rates.
recon runs with lease persistence on: every ACK waits until its \`lease.granted\` event is on stable storage
(group commit: one O_DSYNC write per batch).
Kea uses memfile with \`persist: true\`; dnsmasq writes its lease file. Drops = unanswered DISCOVERs + REQUESTs.
"Overflows" are datagrams the kernel discarded because a receive buffer was full: the server's socket (a request
the server never saw) or perfdhcp's (a reply that arrived but the load generator did not read in time).

${table(rows)}
`;
const docPath = 'docs/BENCHMARKS.md';
if (values['no-doc']) {
  process.stdout.write(section);
  process.exit(0);
}
writeDocSection(docPath, section);
process.stdout.write(section);

// HTTP benchmark (root): throughput for one 1 GiB file to 1 and 32 concurrent curl clients, recon's
// HTTP service vs nginx (sendfile on), both in the master namespace of the same netns rig, clients in
// a peer namespace across the bridge. Writes the table into docs/BENCHMARKS.md under "## HTTP".
// usage: node --import tsx bench/http.ts [--mib 1024] [--clients 1,32] [--rounds 2]
import { cpus, loadavg } from 'node:os';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetnsRig, RIG_V4, run } from '../test/helpers/netns.js';
import { writeDocSection } from './doc-section.js';
import { startReconHttp, writeRandomFile } from './http-rig.js';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    clients: { type: 'string', default: '1,32' },
    rounds: { type: 'string', default: '2' },
    // where the section goes (another file for trial runs)
    doc: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});
const mib = Number(values.mib);
const clientCounts = values.clients.split(',').map(Number);
const rounds = Number(values.rounds);

/** N concurrent curl downloads of the whole file; aggregate MiB/s over the wall time. */
async function measure(
  rig: NetnsRig,
  peerNs: string,
  url: string,
  n: number,
  bytes: number,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      rig.exec(peerNs, ['curl', '-sS', '-o', '/dev/null', '-w', '%{size_download}', url], {
        timeoutMs: 600_000,
      }),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const r of results)
    if (Number(r.stdout) !== bytes) throw new Error(`short download from ${url}: ${r.stdout} ${r.stderr}`);
  return (n * bytes) / (1 << 20) / secs;
}

// the machine may be shared: its load is part of the record
const loadAtStart = loadavg()[0]!;
const dir = await mkdtemp(join(tmpdir(), 'recon-bench-http-'));
// nginx workers run unprivileged and must be able to read the tree
await chmod(dir, 0o755);
const rig = await NetnsRig.create('hb');
const rows: { clients: number; recon: number[]; nginx: number[] }[] = [];
let nginxVersion = '';
try {
  const peer = await rig.addPeer();
  await rig.exec(peer.ns, ['ip', 'addr', 'add', '10.99.0.100/24', 'dev', 'eth0']);
  const www = join(dir, 'www');
  await mkdir(join(www, 'recon'), { recursive: true });
  const file = join(www, 'recon', 'big.bin');
  const bytes = await writeRandomFile(file, mib);
  await startReconHttp(rig, dir, www);

  const nginxConf = join(dir, 'nginx.conf');
  await writeFile(
    nginxConf,
    `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  server { listen ${RIG_V4.master}:8080; location /install/ { alias ${www}/; } }
}
`,
  );
  nginxVersion = (await run(['nginx', '-v'])).stderr.trim();
  const nginx = rig.spawn(rig.masterNs, ['nginx', '-c', nginxConf]);
  nginx.stderr?.on('data', () => undefined);
  await new Promise((r) => setTimeout(r, 500));

  const urls = {
    recon: `http://${RIG_V4.master}/install/recon/big.bin`,
    nginx: `http://${RIG_V4.master}:8080/install/recon/big.bin`,
  };
  // warm the page cache so both servers read from memory
  await measure(rig, peer.ns, urls.nginx, 1, bytes);
  for (const n of clientCounts) {
    const row = { clients: n, recon: [] as number[], nginx: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      // alternate the order so neither server always runs second
      for (const s of r % 2 === 0 ? (['recon', 'nginx'] as const) : (['nginx', 'recon'] as const)) {
        const v = await measure(rig, peer.ns, urls[s], n, bytes);
        row[s].push(v);
        process.stderr.write(`${s} clients=${n} round=${r}: ${v.toFixed(0)} MiB/s\n`);
      }
    }
    rows.push(row);
  }
} finally {
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
}

const best = (a: number[]) => Math.max(...a);
const section = `## HTTP

\`node --import tsx bench/http.ts --mib ${mib} --clients ${clientCounts.join(',')} --rounds ${rounds}\` (root), ${new Date().toISOString().slice(0, 10)},
${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${nginxVersion}.
Load average (1 min) ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end of the run.
One ${mib} MiB file (random bytes, in the page cache) downloaded whole by N concurrent \`curl -o /dev/null\` processes
in a peer namespace across the rig's bridge (veth); the figure is N × size / wall time, best of ${rounds} rounds
(order alternated). recon runs its HTTP service alone (\`startHttp\`: \`send\` decides headers and ranges, the body goes out by sendfile(2) through koffi on one sender thread
per CPU that polls its sockets); nginx runs
with \`sendfile on\`, \`worker_processes auto\`, access log off. Clients and servers share the same CPUs.

| clients | recon MiB/s | nginx MiB/s | recon / nginx | target |
|---:|---:|---:|---:|---:|
${rows
  .map(
    (r) =>
      `| ${r.clients} | ${best(r.recon).toFixed(0)} | ${best(r.nginx).toFixed(0)} | ${(best(r.recon) / best(r.nginx)).toFixed(2)}× | ≥ 0.9× |`,
  )
  .join('\n')}

All rounds (MiB/s): ${rows.map((r) => `${r.clients} clients — recon ${r.recon.map((v) => v.toFixed(0)).join(' / ')}, nginx ${r.nginx.map((v) => v.toFixed(0)).join(' / ')}`).join('; ')}.
`;
writeDocSection(values.doc, section);
process.stdout.write(section);

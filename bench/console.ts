// Console benchmark: a master with 1 000 nodes and 50 events/s of live traffic (the real StateStore
// and ControlServer, scripted events), `recon console` in tmux at 80x24 TERM=vt100. Measures the
// console's CPU (median of 1 s samples), the bytes it writes to the terminal per second (tmux
// pipe-pane), and key latency (key sent → screen changed, via capture-pane polling: an upper bound).
// Writes the figures into docs/BENCHMARKS.md under "## Console".
// usage: node --import tsx bench/console.ts [--seconds 30] [--nodes 1000] [--rate 50] [--keys 20]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDocSection } from './doc-section.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    nodes: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
    keys: { type: 'string', default: '20' },
  },
});
const seconds = Number(values.seconds);
const dir = mkdtempSync(join(tmpdir(), 'recon-bench-console-'));
const server = `recon-bench-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

async function waitScreen(re: RegExp, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!re.test(tmux('capture-pane', '-p', '-t', 'c'))) {
    if (performance.now() - t0 > ms) throw new Error(`screen never matched ${re}`);
    await sleep(2);
  }
  return performance.now() - t0;
}

const master = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'test/tui/replay-master.ts',
    '--dir',
    dir,
    '--nodes',
    values.nodes,
    '--rate',
    values.rate,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const socket = await new Promise<string>((resolve, reject) => {
    let out = '';
    master.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    master.once('exit', () => reject(new Error('replay master exited')));
  });
  const bytesLog = join(dir, 'terminal.bytes');
  tmux(
    'new-session',
    '-d',
    '-s',
    'c',
    '-x',
    '80',
    '-y',
    '24',
    'env',
    'TERM=vt100',
    process.execPath,
    '--import',
    'tsx',
    'test/tui/console-entry.ts',
    '--socket',
    socket,
  );
  tmux('pipe-pane', '-o', '-t', 'c', `cat >> ${bytesLog}`);
  const pid = Number(tmux('display', '-p', '-t', 'c', '#{pane_pid}').trim());
  await waitScreen(new RegExp(`Nodes ${values.nodes}`), 60_000);
  await sleep(2000);

  // steady state: CPU and bytes while the master replays events
  const cpu: number[] = [];
  const bytes0 = statSync(bytesLog).size;
  let ticks = cpuTicks(pid);
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    const now = cpuTicks(pid);
    cpu.push(((now - ticks) / CLK_TCK) * 100);
    ticks = now;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const bytesPerSecond = (statSync(bytesLog).size - bytes0) / elapsed;

  // key latency: ? opens the help, Esc closes it
  const latencies: number[] = [];
  for (let k = 0; k < Number(values.keys); k++) {
    tmux('send-keys', '-t', 'c', '?');
    latencies.push(await waitScreen(/^Keys/m, 5000));
    tmux('send-keys', '-t', 'c', 'Escape');
    latencies.push(await waitScreen(/^MAC +IP/m, 5000));
    await sleep(100);
  }
  const result = {
    nodes: Number(values.nodes),
    eventsPerSecond: Number(values.rate),
    seconds: Math.round(elapsed),
    cpuMedianPercent: median(cpu),
    cpuMaxPercent: Math.max(...cpu),
    bytesPerSecond: Math.round(bytesPerSecond),
    keyMedianMs: Math.round(median(latencies)),
    keyMaxMs: Math.round(Math.max(...latencies)),
  };
  const section = `## Console

\`node --import tsx bench/console.ts\` — ${result.nodes} nodes, ${result.eventsPerSecond} events/s replayed through the real
StateStore + ControlServer, \`recon console\` in tmux 80x24 \`TERM=vt100\` (ASCII), ${result.seconds} s. Key latency is
\`?\` / Esc sent with \`tmux send-keys\` until \`capture-pane\` shows the change (includes tmux; an upper bound).

| metric | target | measured |
|---|---|---|
| console CPU, median of 1 s samples (max) | ≤ 10 % of one core | ${result.cpuMedianPercent.toFixed(0)} % (${result.cpuMaxPercent.toFixed(0)} %) |
| bytes written to the terminal | ≤ 10 KB/s | ${(result.bytesPerSecond / 1024).toFixed(1)} KB/s |
| key answered, median (max) of ${latencies.length} | ≤ 100 ms | ${result.keyMedianMs} ms (${result.keyMaxMs} ms) |

Redraws follow a 1 s tick (clock, elapsed times and all events of that second in one frame) plus one frame per key;
Ink's own limit is 20 fps (only keys can ask for more than one frame a second).
`;
  writeDocSection('docs/BENCHMARKS.md', section);
  process.stdout.write(JSON.stringify(result) + '\n' + section);
} finally {
  try {
    tmux('kill-server');
  } catch {
    /* not started */
  }
  master.kill('SIGTERM');
  await new Promise((r) => master.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

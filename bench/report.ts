// Report benchmark: report.html of N synthetic nodes (default 1 000; a data dir as the master leaves
// it, read back and rendered the way `recon export --data` does), opened from file:// in Debian's
// Chromium (headless, through playwright-core) at 1400x1000. Measures the time to the load event, and
// how long a click on a column header takes to sort (until the next frame), and the filter to narrow.
// Beside the wall-clock times, the renderer main thread's CPU time (Chromium's ThreadTime metric): on a
// busy machine the wall clock mostly measures waiting for a core. Writes the figures into
// docs/BENCHMARKS.md under "## Report".
// usage: node --import tsx bench/report.ts [--nodes 1000] [--runs 5]
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readDataDir } from '../src/model/data-dir.js';
import { renderReport } from '../src/report/index.js';
import { mergeSources } from '../src/report/merge.js';
import { openChromium } from '../test/helpers/browser.js';
import { writeSyntheticDataDir } from '../test/report/synthetic-data-dir.js';
import { writeDocSection } from './doc-section.js';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } },
});
const nodes = Number(values.nodes);
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]) => Math.max(...xs);

// runs in the page: click a header (or type a filter) and wait for the frame after it
const SORT = (col: string) => `(async () => {
  const t0 = performance.now();
  document.querySelector('#fleet .head [data-sort="${col}"]').click();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
})()`;
const FILTER = (text: string) => `(async () => {
  const q = document.getElementById('q');
  const t0 = performance.now();
  q.value = ${JSON.stringify(text)};
  q.dispatchEvent(new Event('input'));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
})()`;
const LOADED = `(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd; })()`;

const dir = await mkdtemp(join(tmpdir(), 'recon-bench-report-'));
const browser = await openChromium();
try {
  await writeSyntheticDataDir(dir, nodes, { expectedNodes: nodes });
  const t0 = performance.now();
  const c = await readDataDir(dir);
  const input = mergeSources([{ dir, linkBase: '', state: c.state, inventories: c.inventories }]);
  const html = renderReport(input, 'html', { generatedAt: new Date().toISOString() });
  const renderMs = performance.now() - t0;
  const file = join(dir, 'report.html');
  await writeFile(file, html);
  const bytes = (await stat(file)).size;

  const open: number[] = [];
  const openCpu: number[] = [];
  const sort: number[] = [];
  const sortCpu: number[] = [];
  const filter: number[] = [];
  const load: number[] = [];
  for (let i = 0; i < runs; i++) {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadMs = async () =>
      1000 *
      ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN);
    load.push(loadavg()[0]!);
    let cpu = await threadMs();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    open.push(await page.evaluate(LOADED));
    openCpu.push((await threadMs()) - cpu);
    // three kinds of column: numbers, text, the address order; each clicked twice (both directions)
    let slowest = 0;
    let slowestCpu = 0;
    for (const col of ['mem', 'mem', 'model', 'model', 'ip', 'ip']) {
      cpu = await threadMs();
      slowest = Math.max(slowest, await page.evaluate(SORT(col)));
      slowestCpu = Math.max(slowestCpu, (await threadMs()) - cpu);
    }
    sort.push(slowest);
    sortCpu.push(slowestCpu);
    filter.push(await page.evaluate(FILTER('proliant')));
    await page.close();
  }
  const result = {
    nodes,
    inventoried: c.inventories.size,
    bytes,
    renderMs: Math.round(renderMs),
    openMs: { median: Math.round(median(open)), max: Math.round(max(open)) },
    openCpuMs: { median: Math.round(median(openCpu)), max: Math.round(max(openCpu)) },
    sortMs: { median: Math.round(median(sort)), max: Math.round(max(sort)) },
    sortCpuMs: { median: Math.round(median(sortCpu)), max: Math.round(max(sortCpu)) },
    loadAverage: Number(median(load).toFixed(1)),
    filterMs: { median: Math.round(median(filter)), max: Math.round(max(filter)) },
  };
  const within = result.openMs.max + result.sortMs.max <= 1000;
  const section = `## Report

\`node --import tsx bench/report.ts\` — report.html of ${nodes} synthetic nodes (${result.inventoried} with a full
inventory.json: DIMMs, disks, NICs with LLDP, PCI; the rest on their way), built from a data dir the way
\`recon export --data\` builds it, ${(bytes / 1e6).toFixed(1)} MB, opened from file:// in Debian's Chromium (headless,
playwright-core, 1400x1000), ${runs} runs. Open: navigation start to the load event. Sort: a click on a column
header until the next frame, the slowest of six clicks (memory, model, address, each both ways). Filter: typing a
model into the filter until the next frame. Load average (1 min) during the runs: ${result.loadAverage} on ${cpus().length} CPUs.

| metric | target | measured: median (max) |
|---|---|---|
| report built in Node (read data dir, merge, render) | — | ${result.renderMs} ms |
| open (load event) | ≤ 1 s with a sort | ${result.openMs.median} ms (${result.openMs.max} ms) |
| open, renderer main-thread CPU | — | ${result.openCpuMs.median} ms (${result.openCpuMs.max} ms) |
| sort by a column | ≤ 1 s with the open | ${result.sortMs.median} ms (${result.sortMs.max} ms) |
| sort, renderer main-thread CPU | — | ${result.sortCpuMs.median} ms (${result.sortCpuMs.max} ms) |
| filter | — | ${result.filterMs.median} ms (${result.filterMs.max} ms) |
| open + sort, worst run | ≤ 1000 ms | ${result.openMs.max + result.sortMs.max} ms${within ? '' : ' (missed)'} |
`;
  writeDocSection('docs/BENCHMARKS.md', section);
  process.stdout.write(JSON.stringify(result) + '\n' + section);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}

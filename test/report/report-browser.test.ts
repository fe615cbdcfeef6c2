// report.html in headless Chromium, opened from file:// as an operator would open it from the stick:
// the table sorts by a column (both ways), the filter and "problems only" narrow the rows, a click
// opens a node's detail (DIMMs, disks, NICs with LLDP, PCI), the node's files are linked relative to
// the report and exist, and with scripts off every row and detail is still there. The screenshot
// (1400x1000) is kept in test-artifacts/report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readDataDir } from '../../src/model/data-dir.js';
import { renderReport } from '../../src/report/index.js';
import { mergeSources } from '../../src/report/merge.js';
import { needs } from '../helpers/needs.js';
import { openChromium } from '../helpers/browser.js';
import type { Page } from 'playwright-core';
import { writeSyntheticDataDir } from './synthetic-data-dir.js';

/** An attribute of every element the selector finds, in document order ('' when absent). */
function attributes(page: Page, selector: string, name: string): Promise<string[]> {
  // the page function runs in the browser; the test compiles without the DOM's types
  type WithAttributes = { getAttribute(n: string): string | null };
  return page
    .locator(selector)
    .evaluateAll(
      (els, n) => (els as unknown as WithAttributes[]).map((el) => el.getAttribute(n) ?? ''),
      name,
    );
}

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

async function writeReport(dir: string, peers: number): Promise<string> {
  await writeSyntheticDataDir(dir, peers, { expectedNodes: 40 });
  const c = await readDataDir(dir);
  const input = mergeSources([{ dir, linkBase: '', state: c.state, inventories: c.inventories }]);
  const page = join(dir, 'report.html');
  await writeFile(
    page,
    renderReport(input, 'html', { generatedAt: '2026-03-01T10:00:00.000Z', version: '0.1.0' }),
  );
  return page;
}

test(
  'report.html from file://: sort, filter, problems only, expand a node, links to its files, screenshot',
  { skip: needs({ tools: ['chromium'] }), timeout: 180_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-report-'));
    const browser = await openChromium();
    try {
      const file = await writeReport(dir, 36);
      const page = await browser.context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);

      const nodes = await page.locator('#fleet .node').count();
      assert.equal(nodes, 36);
      assert.equal(await page.locator('#controls').isVisible(), true, 'the controls show with scripts on');
      assert.match((await page.textContent('#shown')) ?? '', /showing 36 of 36/);
      assert.match((await page.textContent('#totals')) ?? '', /36 \/ 40nodes \/ expected/);
      // problems first: every problem row comes before every other row
      const problems = await attributes(page, '#fleet .node', 'data-problems');
      const firstClean = problems.indexOf('0');
      assert.ok(firstClean > 0, 'some nodes have problems');
      assert.ok(
        problems.slice(firstClean).every((p) => p === '0'),
        `problems first: ${problems.join(',')}`,
      );

      // sort by memory: ascending, then descending; unknown (no inventory) last both ways
      const memory = () => attributes(page, '#fleet .node', 'data-mem');
      await page.click('#fleet .head [data-sort="mem"]');
      let mem = await memory();
      const known = (xs: string[]) => xs.filter(Boolean).map(Number);
      assert.deepEqual(
        known(mem),
        [...known(mem)].sort((a, b) => a - b),
      );
      assert.equal(mem.at(-1), '', 'nodes without an inventory last');
      assert.equal(await page.getAttribute('#fleet .head [data-sort="mem"]', 'aria-sort'), 'ascending');
      await page.click('#fleet .head [data-sort="mem"]');
      mem = await memory();
      assert.deepEqual(
        known(mem),
        [...known(mem)].sort((a, b) => b - a),
      );
      assert.equal(mem.at(-1), '');
      assert.equal(await page.getAttribute('#fleet .head [data-sort="mem"]', 'aria-sort'), 'descending');

      // filter by model, then problems only
      await page.fill('#q', 'proliant');
      const visible = () => page.locator('#fleet .node:not([hidden])');
      const proliant = await visible().count();
      assert.ok(proliant > 0 && proliant < 36);
      for (const t of await visible().allTextContents()) assert.match(t, /ProLiant/);
      assert.match((await page.textContent('#shown')) ?? '', new RegExp(`showing ${proliant} of 36`));
      await page.fill('#q', '');
      await page.check('#p');
      const flagged = await visible().count();
      assert.equal(flagged, problems.filter((p) => p !== '0').length);
      for (const t of await visible().allTextContents())
        assert.match(t, /tools failed|SMART failed|left before/);

      // expand the first node with a problem: its detail has the console's sections
      const first = visible().first();
      assert.equal(await first.locator('details').getAttribute('open'), null);
      await first.locator('.row > span').nth(5).click();
      assert.notEqual(await first.locator('details').getAttribute('open'), null);
      const detail = (await first.locator('details').textContent()) ?? '';
      for (const want of [
        /System/,
        /Firmware/,
        /CPUs/,
        /Memory \d+ GiB/,
        /DIMM_A1/,
        /DDR4/,
        /Disks/,
        /NICs/,
        /switch leaf-\d+/,
        /VLAN 100,200/,
        /PCI/,
        /E810-XXV/,
        /BMC/,
        /Tools that failed/,
      ])
        assert.match(detail, want);
      const links = await Promise.all(
        (await first.locator('a').all()).map(async (a) => (await a.getAttribute('href')) ?? ''),
      );
      assert.ok(
        links.some((l) => l.endsWith('/inventory.json')),
        links.join(' '),
      );
      for (const l of links) assert.ok(existsSync(join(dir, l)), `${l} exists beside the report`);

      await page.uncheck('#p');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(ARTIFACTS, 'report.png') });
      assert.deepEqual(
        requests.filter((u) => !u.startsWith('file:')),
        [],
        'the report asks nothing from the network',
      );
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'report.html with scripts off: every row and every detail, controls hidden',
  { skip: needs({ tools: ['chromium'] }), timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-report-'));
    const browser = await openChromium({ javaScript: false });
    try {
      const file = await writeReport(dir, 12);
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(file).href);
      assert.equal(await page.locator('#fleet .node').count(), 12);
      assert.equal(await page.locator('#controls').isVisible(), false);
      const summary = page.locator('#fleet details summary').first();
      await summary.click();
      assert.match((await page.locator('#fleet details').first().textContent()) ?? '', /DIMM_A1/);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

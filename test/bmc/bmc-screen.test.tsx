// The console's BMCs screen against a real ControlServer + StateStore (ReplayMaster): `B` shows every
// BMC with vendor, model, power, driver, the peer it belongs to and its stage; `W` asks y and sends
// power-on for the selected BMC; a read-only console sends nothing; the footer and help name the keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { ConsoleApp } from '../../src/tui/app.js';
import { MasterFeed } from '../../src/tui/master-feed.js';
import { ReplayMaster } from '../tui/replay-master.js';
import { bmcLines } from '../../src/tui/bmc-lines.js';
import { helpLines } from '../../src/tui/keys.js';
import { reduceAll } from '../../src/model/reducer.js';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { makeTheme } from '../../src/tui/theme.js';

const NODE = '52:54:00:00:00:09';
const BMC_MAC = '0c:c4:7a:00:00:09';
const EVENTS: NewEvent[] = [
  {
    type: 'bmc.discovered',
    data: {
      address: '10.99.0.70',
      mac: BMC_MAC,
      vendor: 'Supermicro',
      model: 'X13SAE',
      driver: 'redfish',
      redfish: true,
      ipmi: true,
      source: 'lease',
    },
  },
  { type: 'bmc.discovered', data: { address: '198.51.100.7', driver: 'ipmi', ipmi: true, source: 'config' } },
  { type: 'bmc.power', data: { address: '10.99.0.70', state: 'on' } },
  { type: 'node.stage', data: { mac: NODE, stage: 'booted', detail: 'live image up' } },
  {
    type: 'inventory.stored',
    data: { mac: NODE, sha256: 'x', bytes: 1, summary: { bmc: { mac: BMC_MAC } } },
  },
];

async function waitFor(what: () => string, check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withConsole(
  readOnly: boolean,
  body: (c: {
    master: ReplayMaster;
    press: (k: string) => Promise<void>;
    waitText: (t: string | RegExp) => Promise<string>;
  }) => Promise<void>,
) {
  const master = await ReplayMaster.start({ events: EVENTS, actions: ['power-on'] });
  const feed = new MasterFeed(master.socket, { retryMs: 50, maxRetryMs: 200 });
  feed.start();
  const app = render(
    <ConsoleApp
      feed={feed}
      readOnly={readOnly}
      ascii
      color={false}
      by="test"
      size={{ columns: 100, rows: 24 }}
      tickMs={50}
    />,
  );
  const frame = () => app.lastFrame() ?? '';
  const waitText = async (t: string | RegExp) => {
    await waitFor(
      () => `${String(t)} in:\n${frame()}`,
      () => (typeof t === 'string' ? frame().includes(t) : t.test(frame())),
    );
    return frame();
  };
  try {
    await body({
      master,
      press: async (k) => {
        app.stdin.write(k);
        await new Promise((r) => setTimeout(r, 30));
      },
      waitText,
    });
  } finally {
    app.unmount();
    feed.stop();
    await master.stop();
  }
}

void test('B shows the BMCs with their peer; W asks y and powers the selected one on', async () => {
  await withConsole(false, async ({ master, press, waitText }) => {
    await waitText('recon');
    await press('B');
    const f = await waitText(/BMCs 2/);
    assert.match(f, /ADDRESS +VENDOR +MODEL +POWER +DRIVER +PEER +STAGE/);
    assert.match(f, /10\.99\.0\.70 +Supermic\S* +X13SAE +on +redfish 52:54:00:00:00:09 +uploaded/);
    assert.ok(
      f.split('\n').every((l) => l.length <= 100),
      f,
    );
    assert.match(f, /198\.51\.100\.7 +unknown ipmi +-/);
    await press('W');
    await waitText('One-time network boot and power on through BMC 10.99.0.70? (y/N)');
    await press('y');
    await waitFor(
      () => JSON.stringify(master.actions),
      () => master.actions.length === 1,
    );
    const sent = master.actions[0];
    assert.equal(sent?.action.name === 'power-on' && sent.action.bmcs?.join(), '10.99.0.70');
    assert.equal(sent?.action.name === 'power-on' && sent.action.cycle, undefined, 'never a power cycle');
    await waitText('power-on accepted');
    // anything but y sends nothing
    await press('\u001b[B');
    await press('W');
    await waitText('198.51.100.7? (y/N)');
    await press('n');
    await waitText('power-on: cancelled, nothing was sent');
    assert.equal(master.actions.length, 1);
  });
});

void test('a read-only console cannot power on', async () => {
  await withConsole(true, async ({ master, press, waitText }) => {
    await waitText('recon');
    await press('B');
    await waitText('10.99.0.70');
    await press('W');
    await waitText('read-only console: actions are disabled');
    assert.equal(master.actions.length, 0);
  });
});

void test('bmcLines: one line per BMC, every width; the help names B and W', () => {
  let seq = 0;
  const state = reduceAll(
    EVENTS.map((e) => ({ seq: ++seq, at: '2026-01-01T00:00:00.000Z', ...e }) as ReconEvent),
  );
  const g = makeTheme(true, false).glyphs;
  for (const w of [80, 120, 200]) {
    const { header, lines } = bmcLines(state, w, g, true);
    assert.ok(header.length <= w, `header fits ${w}`);
    assert.deepEqual(
      lines.map((l) => [l.address, l.mac]),
      [
        ['10.99.0.70', NODE],
        ['198.51.100.7', undefined],
      ],
    );
    for (const l of lines) assert.ok(l.text.length <= w, `${w}: ${l.text}`);
  }
  const help = helpLines(false, true).join('\n');
  assert.match(help, /B +the BMCs screen/);
  assert.match(help, /W +one-time network boot and power on/);
});

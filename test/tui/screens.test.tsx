// The Ink console against a real ControlServer + StateStore (ReplayMaster) loaded with the recorded
// fleet: every screen renders inside 80×24, key flows send the right action (or nothing), read-only
// sends nothing, 1 000 nodes fit the frame, and the console rides out a master restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { ConsoleApp } from '../../src/tui/app.js';
import { MasterFeed } from '../../src/tui/master-feed.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReplayMaster } from './replay-master.js';
import { inventoryOf } from '../report/synthetic-data-dir.js';
import { fleetEvents } from './fleet.js';
import type { ActionName } from '../../src/master/control/protocol.js';

const FIXTURE = new URL('../fixtures/tui/events.jsonl', import.meta.url).pathname;
const KEY = { down: '\u001b[B', up: '\u001b[A', end: '\u001b[F', tab: '\t', enter: '\r', esc: '\u001b' };

async function waitFor(
  what: string | (() => string),
  check: () => boolean,
  ms = 4000,
  /** done between two looks, e.g. press a key again */
  poke?: () => void,
): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    poke?.();
    await new Promise((r) => setTimeout(r, poke ? 100 : 10));
  }
}

async function withConsole(
  opts: {
    readOnly?: boolean;
    actions?: ActionName[];
    nodes?: number;
    size?: { columns: number; rows: number };
  },
  body: (c: {
    master: ReplayMaster;
    feed: MasterFeed;
    frame: () => string;
    press: (k: string) => Promise<void>;
    waitText: (t: string | RegExp, ms?: number) => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const master = await ReplayMaster.start(
    opts.nodes
      ? { events: fleetEvents(opts.nodes), actions: opts.actions }
      : { log: FIXTURE, actions: opts.actions },
  );
  const feed = new MasterFeed(master.socket, { retryMs: 50, maxRetryMs: 200 });
  feed.start();
  const app = render(
    <ConsoleApp
      feed={feed}
      readOnly={opts.readOnly ?? false}
      ascii
      color={false}
      by="test"
      size={opts.size ?? { columns: 80, rows: 24 }}
      tickMs={50}
    />,
  );
  const frame = () => app.lastFrame() ?? '';
  const waitText = async (t: string | RegExp, ms?: number) => {
    await waitFor(
      () => `${String(t)} in:\n${frame()}`,
      () => (typeof t === 'string' ? frame().includes(t) : t.test(frame())),
      ms,
    );
    return frame();
  };
  try {
    await waitText('recon bang 10.99.0.1');
    await body({
      master,
      feed,
      frame,
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

function assertFits(f: string, size = { columns: 80, rows: 24 }): void {
  const lines = f.split('\n');
  assert.ok(lines.length <= size.rows - 1, `frame has ${lines.length} lines`);
  for (const l of lines)
    assert.ok(l.length <= size.columns, `line longer than ${size.columns}: ${JSON.stringify(l)}`);
  assert.ok(/^[\x20-\x7e\n]*$/.test(f), 'ASCII mode prints only ASCII');
}

test('every screen renders the recorded state inside 80x24', async () => {
  await withConsole({}, async ({ frame, press, waitText, master }) => {
    let f = await waitText('52:54:00:00:00:0b');
    assertFits(f);
    assert.match(f, /ALERT: another DHCP server answers on this network: 10\.99\.0\.254/);
    assert.match(f, /dhcp4 up {2}dhcp6 up {2}ra up {2}dns up {2}tftp up {2}http up/);
    assert.match(f, /12 nodes: leased 1, tftp 1, menu 1, kernel 1, initrd 1, collecting 1, upl/);
    assert.match(f, /52:54:00:00:00:00 10\.99\.0\.51 +powered-off \S+ +Dell Inc\. P\S*~ 16 GiB +-$/m);
    assert.match(f, /6 of 12 inventoried \| 6 booting \| 0 problems/);
    assert.match(f, /s:shut-down A:all P:power-down \?:help q:detach/);
    await press(KEY.tab);
    f = await waitText('ADDRESS');
    assertFits(f);
    assert.match(f, /4 10\.99\.0\.51 +52:54:00:00:00:00 node-0000/);
    // a restart forgets transfers in flight (they can never finish): start a live one
    const transfer = {
      id: 'k6',
      proto: 'http',
      ip: '10.99.0.57',
      mac: '52:54:00:00:00:06',
      file: '/install/recon/vmlinuz',
    } as const;
    await master.emit({ type: 'transfer.start', data: { ...transfer, kind: 'kernel', size: 1000 } });
    await master.emit({ type: 'transfer.progress', data: { id: 'k6', bytes: 500 } });
    await press(KEY.tab);
    f = await waitText('vmlinuz');
    assertFits(f);
    assert.match(f, /http active 52:54:00:00:00:06 ~\S*vmlinuz +500 B\/1\.0 kB +#####\.\.\.\.\./);
    await press(KEY.tab);
    await master.emit({
      type: 'node.stage',
      data: { mac: '52:54:00:00:00:09', stage: 'booted', detail: 'live image up' },
    });
    f = await waitText('stage booted: live image up');
    assertFits(f);
    assert.match(f, /booted 52:54:00:00:00:09 10\.99\.0\.60 stage booted: live image up/);
    await press('?');
    f = await waitText('next screen: Nodes, Leases, Boots, Log');
    assertFits(f);
    await press(KEY.end);
    f = await waitText('final power-down of the master');
    assertFits(f);
    await press(KEY.esc);
    await waitFor('help closed', () => !frame().includes('final power-down'));
  });
});

test('navigate, filter, detail: Enter shows the inventory and the node events', async () => {
  await withConsole({}, async ({ frame, press, waitText }) => {
    await press(KEY.down);
    await press(KEY.down);
    await press(KEY.enter);
    let f = await waitText('NICs');
    assertFits(f);
    assert.match(f, /Detail 52:54:00:00:00:02/);
    assert.match(f, /Supermicro SYS-1029P-WTR {2}serial SN100002/);
    assert.match(f, /eno1 {2}52:54:00:00:00:02 {2}10000 Mb\/s {2}link {2}switch sw-a1 {2}port Ethernet3/);
    // the node's events come after its hardware (they arrive from the master a moment later)
    await waitFor(
      () => `the node's events at the end of:\n${frame()}`,
      () => frame().includes('inventory stored'),
      4000,
      () => void press(KEY.end),
    );
    f = frame();
    assertFits(f);
    assert.match(f, /events \(\d+, newest first\)/);
    await press(KEY.esc);
    await waitFor('detail closed', () => !frame().includes('events ('));
    await press('/');
    for (const ch of 'sn100010') await press(ch);
    await press(KEY.enter);
    f = await waitText('Nodes 1 ');
    assert.match(f, /52:54:00:00:00:0a/);
    assert.doesNotMatch(f, /52:54:00:00:00:00/);
    await press(KEY.esc);
    await waitText('Nodes 12 ');
  });
});

test('s asks, n cancels and sends nothing, y sends shutdown for the selected MAC and shows the result', async () => {
  await withConsole({}, async ({ master, press, waitText }) => {
    await press(KEY.down);
    await press('s');
    await waitText('Shut down 52:54:00:00:00:01? (y/N)');
    await press('n');
    await waitText('shutdown: cancelled, nothing was sent');
    assert.equal(master.actions.length, 0);
    await press('s');
    await waitText('(y/N)');
    await press('y');
    await waitText('shutdown: shutdown accepted');
    assert.deepEqual(master.actions, [
      { action: { name: 'shutdown', macs: ['52:54:00:00:00:01'] }, by: 'test' },
    ]);
  });
});

test('A shuts down every inventoried peer after y; P needs the typed word', async () => {
  await withConsole({}, async ({ master, press, waitText }) => {
    await press('A');
    await waitText(/Shut down all \d+ peer\(s\) whose inventory is in\? \(y\/N\)/);
    await press('y');
    await waitText('shutdown-all: shutdown-all accepted');
    assert.deepEqual(
      master.actions.map((a) => a.action),
      [{ name: 'shutdown-all' }],
    );
    await press('P');
    await waitText('Type poweroff');
    for (const ch of 'yes') await press(ch);
    await press(KEY.enter);
    await waitText('not confirmed');
    assert.equal(master.actions.length, 1);
    await press('P');
    for (const ch of 'poweroff') await press(ch);
    await press(KEY.enter);
    await waitText('poweroff: poweroff accepted');
    assert.equal(master.actions[1]?.action.name, 'poweroff');
    assert.equal((master.actions[1]?.action as { confirm?: string }).confirm, 'poweroff');
  });
});

test('keys that arrive in one read (a paste, a fast serial line) act one by one', async () => {
  await withConsole({}, async ({ master, press, waitText }) => {
    await press('\t\t\t');
    await waitText('no events since this console connected');
    await press('\t');
    await press(`Ppoweroff${KEY.enter}`);
    await waitText('poweroff: poweroff accepted');
    assert.equal(master.actions[0]?.action.name, 'poweroff');
  });
});

test('an action the master cannot run yet says so', async () => {
  await withConsole({ actions: [] }, async ({ master, press, waitText }) => {
    await press('s');
    await press('y');
    await waitText('shutdown: shutdown: not available yet');
    assert.equal(master.actions.length, 0);
  });
});

test('read-only: no action key sends anything; the footer says READ-ONLY', async () => {
  await withConsole({ readOnly: true }, async ({ master, press, waitText, frame }) => {
    const f = await waitText('READ-ONLY');
    assert.doesNotMatch(f, /s:shut-down/);
    for (const k of ['s', 'y', 'A', 'y', 'P', ...'poweroff', KEY.enter]) await press(k);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(master.actions.length, 0);
    assert.doesNotMatch(frame(), /\(y\/N\)|Type poweroff/);
  });
});

test('1 000 nodes: the frame stays 80x24, End reaches the last node quickly', async () => {
  await withConsole({ nodes: 1000 }, async ({ press, waitText }) => {
    let f = await waitText('Nodes 1000 ', 10_000);
    assertFits(f);
    const t0 = Date.now();
    await press(KEY.end);
    f = await waitText('52:54:00:00:03:e7');
    const ms = Date.now() - t0;
    assertFits(f);
    assert.ok(ms < 1000, `End took ${ms} ms`);
  });
});

test('the console survives a master restart: banner while away, live again after', async () => {
  await withConsole({}, async ({ master, feed, waitText, frame }) => {
    await master.server.stop();
    await waitText('master not reachable - retrying');
    const again = await ReplayMaster.start({ dir: master.dir });
    try {
      await waitFor(
        'reconnect',
        () => feed.link.status === 'live' && !frame().includes('not reachable'),
        5000,
      );
      assert.match(frame(), /52:54:00:00:00:0b/);
    } finally {
      await again.server.stop();
    }
  });
});

for (const size of [
  { columns: 80, rows: 24 },
  { columns: 200, rows: 50 },
]) {
  test(`fleet view ${size.columns}x${size.rows}: hardware columns, progress, quick filters, sort by a letter, expected count, full detail`, async () => {
    await withConsole({ size, actions: ['expect'] }, async ({ master, frame, press, waitText }) => {
      const wide = size.columns >= 200;
      let f = await waitText('6 of 12 inventoried | 6 booting | 0 problems');
      assertFits(f, size);
      const header = f.split('\n').find((l) => l.startsWith('MAC '))!;
      if (wide) {
        assert.match(
          header,
          /^MAC +IP\^ +NAME +FW +STAGE +SYSTEM +CPU +RAM +DISKS +HEALTH FAILED +SERIAL +BMC +PWR$/,
        );
        assert.match(
          f,
          /node-0002 +UEFI\+ +uploaded \S+ +Supermicro SYS-1029P-WTR +2x12 Xeon Gold 5118 +48 GiB +1 \/ 4\.0 TB +- /,
        );
      } else {
        assert.match(header, /^MAC +IP\^ +STAGE +SYSTEM +RAM +HEALTH$/);
        assert.match(f, /52:54:00:00:00:02 10\.99\.0\.53 +uploaded \S+ +Supermicro ~ 48 GiB +-$/m);
      }

      // n: no inventory yet; again: all
      await press('n');
      f = await waitText('Nodes 6 ');
      assert.match(f, /no inventory yet/);
      assert.doesNotMatch(f, /52:54:00:00:00:02/);
      await press('n');
      await waitText('Nodes 12 ');
      // w: waiting for shutdown (none here)
      await press('w');
      f = await waitText('no node matches (waiting for shutdown)');
      await press('w');
      await waitText('Nodes 12 ');

      // a node reports a failed tool: the progress counts it, ! shows only it
      const summary = master.store.state.nodes['52:54:00:00:00:03']!.inventory!.summary;
      await master.emit({
        type: 'inventory.stored',
        data: {
          mac: '52:54:00:00:00:03',
          sha256: 'ef'.repeat(32),
          bytes: 1,
          summary: { ...summary, toolsFailed: ['lldpcli'] },
        },
      });
      await waitText('1 problem');
      await press('!');
      f = await waitText('Nodes 1 ');
      assert.match(f, /problems only/);
      assert.match(f, /52:54:00:00:00:03/);
      if (wide) assert.match(f, /lldpcli/);
      await press('!');
      await waitText('Nodes 12 ');

      // o then r: by RAM, smallest first; o r again: largest first
      await press('o');
      await waitText('sort by: m mac  s stage  i ip  y system  r ram');
      await press('r');
      f = await waitText(/RAM\^/);
      assert.match(f, /sort ram/);
      const firstRow = (text: string) => text.split('\n').find((l) => /^52:54/.test(l)) ?? '';
      assert.match(firstRow(f), /16 GiB/);
      await press('o');
      await press('r');
      f = await waitText(/RAMv/);
      assert.match(f, /sort ram \(reversed\)/);
      assert.match(firstRow(f), /64 GiB/);

      // the expected count: from the master, then set from here
      await master.emit({ type: 'fleet.expected', data: { count: 20, by: 'config' } });
      f = await waitText('6 / 20 inventoried');
      assert.match(f, /^[#.]+ 6 \/ 20 inventoried \| 6 booting \| 1 problem$/m);
      await press('E');
      for (const k of '24') await press(k);
      await waitText('expected node count: 24_');
      await press(KEY.enter);
      await waitText('expect: expect accepted');
      assert.deepEqual(master.actions.at(-1)?.action, { name: 'expect', count: 24 });

      // the detail reads the node's inventory.json from the data dir: DIMMs, PCI, LLDP VLANs
      const mac = '52:54:00:00:00:02';
      await mkdir(join(master.dir, 'data', 'nodes', mac), { recursive: true });
      await writeFile(
        join(master.dir, 'data', 'nodes', mac, 'inventory.json'),
        JSON.stringify(inventoryOf(2, '2026-03-01T09:00:00.000Z')),
      );
      await press('o');
      await press('i');
      await waitText(/IP\^/);
      await press('g');
      await press(KEY.down);
      await press(KEY.down);
      await press(KEY.enter);
      f = await waitText('DIMM_A1');
      assertFits(f, size);
      assert.match(f, /Detail 52:54:00:00:00:02/);
      assert.match(f, /Memory 96 GiB/);
      if (wide) {
        for (const want of [
          /PCI/,
          /E810-XXV/,
          /switch leaf-1 {2}port Ethernet3 {2}VLAN 100,200/,
          /SMART passed/,
        ])
          assert.match(f, want);
      }
      await press(KEY.esc);
      await waitFor('detail closed', () => !frame().includes('DIMM_A1'));
    });
  });
}

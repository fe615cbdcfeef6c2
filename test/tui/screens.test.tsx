// The Ink console against a real ControlServer + StateStore (ReplayMaster) loaded with the recorded
// fleet: every screen renders inside 80×24, key flows send the right action (or nothing), read-only
// sends nothing, 1 000 nodes fit the frame, and the console rides out a master restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { ConsoleApp } from '../../src/tui/app.js';
import { MasterFeed } from '../../src/tui/master-feed.js';
import { ReplayMaster } from './replay-master.js';
import { fleetEvents } from './fleet.js';
import type { ActionName } from '../../src/master/control/protocol.js';

const FIXTURE = new URL('../fixtures/tui/events.jsonl', import.meta.url).pathname;
const KEY = { down: '\u001b[B', up: '\u001b[A', end: '\u001b[F', tab: '\t', enter: '\r', esc: '\u001b' };

async function waitFor(what: string | (() => string), check: () => boolean, ms = 4000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withConsole(
  opts: { readOnly?: boolean; actions?: ActionName[]; nodes?: number },
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
      size={{ columns: 80, rows: 24 }}
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

function assertFits(f: string): void {
  const lines = f.split('\n');
  assert.ok(lines.length <= 23, `frame has ${lines.length} lines`);
  for (const l of lines) assert.ok(l.length <= 80, `line longer than 80: ${JSON.stringify(l)}`);
  assert.ok(/^[\x20-\x7e\n]*$/.test(f), 'ASCII mode prints only ASCII');
}

test('every screen renders the recorded state inside 80x24', async () => {
  await withConsole({}, async ({ frame, press, waitText, master }) => {
    let f = await waitText('52:54:00:00:00:0b');
    assertFits(f);
    assert.match(f, /ALERT: another DHCP server answers on this network: 10\.99\.0\.254/);
    assert.match(f, /dhcp4 up {2}dhcp6 up {2}ra up {2}dns up {2}tftp up {2}http up/);
    assert.match(f, /12 nodes: leased 1, tftp 1, menu 1, kernel 1, initrd 1, collecting 1, upl/);
    assert.match(f, /52:54:00:00:00:00 10\.99\.0\.51 +UEFI\+ +powered-off \S+ +Dell Inc\. Power\S*~ off/);
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
    assert.match(f, /http active 52:54:00:00:00:06 ~\S*vmlinuz +500B\/1000B +#####\.\.\.\.\./);
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
    let f = await waitText('events (');
    assertFits(f);
    assert.match(f, /Detail 52:54:00:00:00:02/);
    assert.match(f, /system {2}Supermicro SYS-1029P-WTR {2}serial SN100002/);
    assert.match(f, /nic {5}eno1 52:54:00:00:00:02 10000Mb\/s link {2}switch sw-a1 port Ethernet3/);
    await waitText('inventory stored');
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

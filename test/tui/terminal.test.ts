// The console as the operator and the journal see it: a real process in tmux (80x24, TERM=vt100)
// against a master with recorded events and live replayed traffic, a second read-only console at the
// same time, and headless mode piped into a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { Tmux, until } from '../helpers/tmux.js';
import { ReplayMaster } from './replay-master.js';
import { peerEvents } from './fleet.js';

const FIXTURE = new URL('../fixtures/tui/events.jsonl', import.meta.url).pathname;
const ENTRY = new URL('./console-entry.ts', import.meta.url).pathname;

test(
  'tmux 80x24 vt100: two consoles on one live master, keys, action, reconnect, detach',
  { skip: needs({ tools: ['tmux'] }), timeout: 90_000 },
  async () => {
    const master = await ReplayMaster.start({ log: FIXTURE });
    const tmux = new Tmux();
    const stop = new AbortController();
    let restarted: ReplayMaster | undefined;
    try {
      // CI=true as a build job would pass it on: the console on a terminal must draw live all the same
      const env = { TERM: 'vt100', NO_COLOR: '1', CI: 'true' };
      tmux.start('rw', [process.execPath, '--import', 'tsx', ENTRY, '--socket', master.socket], env);
      tmux.start(
        'ro',
        [process.execPath, '--import', 'tsx', ENTRY, '--socket', master.socket, '--read-only'],
        env,
      );
      let screen = await tmux.waitFor('rw', /data [\d.]+ \S+ free[\s\S]*52:54:00:00:00:0b/, 20_000);
      const lines = screen.split('\n');
      for (const l of lines)
        assert.ok(l.length <= 80 && /^[\x20-\x7e]*$/.test(l), `ASCII only, 80 columns: ${JSON.stringify(l)}`);
      assert.match(screen, /^recon bang 10\.99\.0\.1 fd99::1 +data [\d.]+ [kMGT]?B free +\d\d:\d\d:\d\d$/m);
      assert.match(screen, /ALERT: another DHCP server answers on this network: 10\.99\.0\.254/);
      assert.match(screen, /s:shut-down A:all P:power-down \?:help q:detach/);
      const ro = await tmux.waitFor('ro', /READ-ONLY/, 20_000);
      assert.doesNotMatch(ro, /s:shut-down/);

      // live traffic while both consoles watch
      const replay = master.replay(
        Array.from({ length: 4 }, (_, k) => peerEvents(20 + k, Date.now())).flat(),
        40,
        stop.signal,
      );
      screen = await tmux.waitFor('rw', /16 nodes/);
      await tmux.waitFor('ro', /16 nodes/);
      await replay;

      tmux.keys('rw', 'Tab');
      screen = await tmux.waitFor('rw', /ADDRESS/);
      tmux.keys('rw', 'BTab');
      await tmux.waitFor('rw', /MAC {15}IP\^/);
      tmux.keys('rw', 'Down', 's');
      await tmux.waitFor('rw', /Shut down 52:54:00:00:00:01\? \(y\/N\)/);
      tmux.keys('ro', 's', 'y', 'A', 'y');
      tmux.keys('rw', 'y');
      await tmux.waitFor('rw', /shutdown: shutdown accepted/);
      assert.deepEqual(
        master.actions.map((a) => a.action),
        [{ name: 'shutdown', macs: ['52:54:00:00:00:01'] }],
        'the read-only console sent nothing',
      );
      assert.match(master.actions[0]?.by ?? '', /^console:/);

      // the master goes away and comes back on the same data dir and socket
      await master.server.stop();
      await tmux.waitFor('rw', /master not reachable - retrying/);
      await tmux.waitFor('ro', /master not reachable - retrying/);
      restarted = await ReplayMaster.start({ dir: master.dir });
      screen = await tmux.waitFor('rw', /^recon bang(?![\s\S]*not reachable)/, 15_000);
      assert.match(screen, /16 nodes/);

      tmux.keys('rw', 'q');
      await until(
        () => 'console detached',
        () => !tmux.alive('rw') || undefined,
      );
      assert.ok(tmux.alive('ro'), 'the other console keeps running');
    } finally {
      stop.abort();
      tmux.kill();
      await restarted?.server.stop();
      await restarted?.store.close();
      await master.stop().catch(() => undefined);
    }
  },
);

for (const size of [
  { columns: 80, rows: 24 },
  { columns: 200, rows: 50 },
]) {
  test(
    `tmux ${size.columns}x${size.rows}: hardware columns, progress, problems only, sort by RAM`,
    { skip: needs({ tools: ['tmux'] }), timeout: 90_000 },
    async () => {
      const master = await ReplayMaster.start({ log: FIXTURE });
      const tmux = new Tmux();
      try {
        const env = { TERM: 'xterm', NO_COLOR: '1', CI: 'true' };
        tmux.start('c', [process.execPath, '--import', 'tsx', ENTRY, '--socket', master.socket], env, size);
        let screen = await tmux.waitFor('c', /6 of 12 inventoried · 6 booting · 0 problems/, 20_000);
        const lines = screen.trimEnd().split('\n');
        assert.ok(lines.length <= size.rows, `${lines.length} lines`);
        for (const l of lines) assert.ok([...l].length < size.columns, `fits: ${JSON.stringify(l)}`);
        const header = lines.find((l) => l.startsWith('MAC '))!;
        if (size.columns >= 200) {
          assert.match(header, /CPU +RAM +DISKS +HEALTH FAILED/);
          assert.match(screen, /Supermicro SYS-1029P-WTR +2×12 Xeon Gold 5118 +48 GiB +1 \/ 4\.0 TB +— /);
        } else assert.match(header, /SYSTEM +RAM +HEALTH$/);

        await master.emit({ type: 'fleet.expected', data: { count: 16, by: 'config' } });
        const summary = master.store.state.nodes['52:54:00:00:00:02']!.inventory!.summary;
        await master.emit({
          type: 'inventory.stored',
          data: {
            mac: '52:54:00:00:00:02',
            sha256: 'ef'.repeat(32),
            bytes: 1,
            summary: { ...summary, toolsFailed: ['ipmitool'] },
          },
        });
        screen = await tmux.waitFor('c', /█+·+ 6 \/ 16 inventoried · 6 booting · 1 problem/);

        tmux.keys('c', '!');
        screen = await tmux.waitFor('c', / Nodes 1 .*problems only/);
        assert.match(screen, /52:54:00:00:00:02/);
        assert.doesNotMatch(screen, /52:54:00:00:00:03/);
        tmux.keys('c', '!');
        await tmux.waitFor('c', / Nodes 12 /);

        tmux.keys('c', 'o');
        await tmux.waitFor('c', /sort by: m mac {2}s stage/);
        tmux.keys('c', 'r');
        screen = await tmux.waitFor('c', /RAM▲/);
        const rows = screen.split('\n').filter((l) => l.startsWith('52:54'));
        assert.match(rows[0]!, /16 GiB/);
        assert.match(rows[4]!, /64 GiB/);
        assert.match(screen, /sort ram/);
        tmux.keys('c', 'q');
        await until(
          () => 'console detached',
          () => !tmux.alive('c') || undefined,
        );
      } finally {
        tmux.kill();
        await master.stop().catch(() => undefined);
      }
    },
  );
}

test(
  'headless: stdout is a file, one plain line per event, summary, no escape codes',
  { timeout: 60_000 },
  async () => {
    const master = await ReplayMaster.start({ log: FIXTURE });
    const dir = await mkdtemp(join(tmpdir(), 'recon-headless-'));
    const outPath = join(dir, 'console.log');
    const out = openSync(outPath, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--socket', master.socket], {
      stdio: ['ignore', out, 'pipe'],
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await until(
        () => 'summary line',
        () => stderr.includes('printing plain lines') || undefined,
        20_000,
      );
      const text = async () => readFile(outPath, 'utf8');
      let content = '';
      await until(
        () => content,
        () =>
          / summary - - nodes 12 /.test(content) ? true : (void text().then((t) => (content = t)), undefined),
        20_000,
      );
      const events = peerEvents(36, Date.now());
      await master.replay(events, 200);
      const durable = events.filter((e) => e.type !== 'transfer.progress');
      await until(
        () => content,
        () =>
          content.split('\n').filter((l) => l.includes('52:54:00:00:00:24')).length >= durable.length
            ? true
            : (void text().then((t) => (content = t)), undefined),
        20_000,
      );
      assert.ok(!content.includes('\u001b'), 'no escape codes');
      const mine = content.split('\n').filter((l) => l.includes('52:54:00:00:00:24'));
      assert.equal(mine.length, durable.length, mine.join('\n'));
      for (const l of mine) assert.match(l, /^\d\d:\d\d:\d\d \S+ 52:54:00:00:00:24 \S+ \S/);
      assert.ok(
        mine.some((l) => / leased 52:54:00:00:00:24 10\.99\.0\.87 lease v4 10\.99\.0\.87 until /.test(l)),
        mine.join('\n'),
      );
      assert.ok(mine.some((l) => /powered-off 52:54:00:00:00:24 10\.99\.0\.87 power off via agent$/.test(l)));
      assert.match(content, /^\d\d:\d\d:\d\d connected - - master test$/m);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      closeSync(out);
      await master.stop();
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(child.exitCode, 0, stderr);
  },
);

// `recon lab --peers 4` driven like a person in a 120x40 xterm-256color tmux session (the namespace lab
// as root, the loopback lab otherwise): wait until every inventory is in, press A and confirm, watch the
// waiting peer power off, switch to the Log screen, press P and type "poweroff". The screen shows each
// prompt, the progress and the result; afterwards the lab is gone and its data dir holds the report.
// And Ctrl-C in the console ends the lab through the same teardown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reconArgv } from '../helpers/master.js';
import { isRoot, needs } from '../helpers/needs.js';
import { run as runCmd } from '../helpers/netns.js';
import { Tmux, until } from '../helpers/tmux.js';
import { assertInventoriesAndReport, assertLabGone, labDataDir, peerLogs } from './lab-checks.js';

const PEERS = 4;
/** where a simulated peer rests once its inventory is stored: off (it has a BMC) or waiting for a command */
const SETTLED = new Set(['waiting', 'powered-off']);

/** The console's summary line ("4 nodes: waiting 1, powered-off 3") as counts per stage. Pure. */
function stageCounts(screen: string): { nodes: number; stages: Map<string, number> } | undefined {
  const m = /^(\d+) nodes: (.*)$/m.exec(screen);
  if (!m) return undefined;
  const stages = new Map<string, number>();
  for (const part of (m[2] ?? '').split(',')) {
    const s = /^\s*(\S+) (\d+)\s*$/.exec(part);
    if (s) stages.set(s[1]!, Number(s[2]));
  }
  return { nodes: Number(m[1]), stages };
}

function allSettled(screen: string): boolean {
  const c = stageCounts(screen);
  if (!c || c.nodes !== PEERS) return false;
  let done = 0;
  for (const [stage, n] of c.stages) if (SETTLED.has(stage)) done += n;
  return done === PEERS;
}

/** The process state letter of `pid` (R, S, Z, ...), or undefined when it is gone. */
function procState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return undefined;
  }
}

const zombieSince = new Map<number, number>();

/** Whether `pid` has been a zombie (exited, not yet reaped by its parent) for `ms`. */
function zombieFor(pid: number, ms: number): boolean {
  if (procState(pid) !== 'Z') return false;
  const since = zombieSince.get(pid) ?? Date.now();
  zombieSince.set(pid, since);
  return Date.now() - since >= ms;
}

/** Running (an exited process waiting to be reaped is not). */
function alive(pid: number): boolean {
  const st = procState(pid);
  return st !== undefined && st !== 'Z';
}

const KIND = isRoot() ? 'namespace' : 'loopback';
const SKIP = needs({ tools: isRoot() ? ['tmux', 'ip'] : ['tmux'] });

/** The lab in a tmux session, its pid, and the way to wait for it: the harness both tests share. */
interface LabSession {
  tmux: Tmux;
  s: string;
  cwd: string;
  pid: number;
  /** waits until every peer rests after its upload; returns that screen */
  settled: () => Promise<string>;
  /**
   * Waits until the lab has exited; returns its exit status, or 'unreaped' when the lab is a zombie tmux
   * has not collected (seen now and then with a tmux server started by an unprivileged test run).
   */
  exited: () => Promise<number | 'unreaped'>;
}

async function labInTmux(run: (lab: LabSession) => Promise<void>): Promise<void> {
  const cwd = await mkdtemp(join(tmpdir(), 'recon-lab-tmux-'));
  const tmux = new Tmux();
  const s = 'lab';
  let pid: number | undefined;
  try {
    const argv = [...reconArgv(), 'lab', '--peers', String(PEERS)];
    tmux.start(
      s,
      argv,
      { TERM: 'xterm-256color', CI: 'true' },
      { columns: 120, rows: 40, cwd, remainOnExit: true },
    );
    pid = tmux.pane(s).pid;
    await run({
      tmux,
      s,
      cwd,
      pid,
      async settled() {
        let screen = '';
        await until(
          () => `all ${PEERS} inventories in:\n${screen}\n${peerLogs(tmux.capture(s, { history: true }))}`,
          () => allSettled((screen = tmux.capture(s))),
          150_000,
        );
        return screen;
      },
      exited: () =>
        until(
          () =>
            `the lab exits (${execFileSync('ps', ['-o', 'pid,stat,wchan:20,args', '-p', String(pid)], {
              encoding: 'utf8',
            }).replace(/\s+/g, ' ')}):\n${tmux.capture(s, { history: true })}`,
          // the pty closes a moment before the exit status is known
          () => tmux.pane(s).status ?? (zombieFor(pid!, 5000) && 'unreaped'),
          90_000,
        ),
    });
  } finally {
    // a failed run: stop the lab through its own teardown, bounded, then make sure of it
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await until(
        () => 'lab stopped',
        () => !alive(pid!),
        30_000,
      ).catch(() => process.kill(pid!, 'SIGKILL'));
    }
    tmux.kill();
    if (pid !== undefined && isRoot()) {
      const id = `rlab${pid % 100000}`;
      const left = (await runCmd(['ip', 'netns', 'list'])).stdout.match(new RegExp(`^${id}[mp]\\d*`, 'gm'));
      for (const ns of left ?? []) await runCmd(['ip', 'netns', 'del', ns]);
    }
    await rm(cwd, { recursive: true, force: true });
  }
}

test(
  `tmux: recon lab --peers ${PEERS} driven by keys to the final power-down (${KIND} lab)`,
  { skip: SKIP, timeout: 240_000 },
  () =>
    labInTmux(async ({ tmux, s, cwd, pid, settled, exited }) => {
      // every inventory in: the summary line counts every peer at rest after its upload
      let screen = await settled();
      assert.match(screen, /^recon bang (10|127)\.\d+\.\d+\.1 /m);
      for (let n = 0; n < PEERS; n++) assert.match(screen, new RegExp(`^02:1a:b0:00:00:0${n} `, 'm'));
      const waiting = stageCounts(screen)?.stages.get('waiting') ?? 0;
      assert.ok(waiting > 0, `a peer without a BMC waits for a command:\n${screen}`);

      // A: shut down the waiting peers — prompt, confirm, result, and their rows go to powered-off
      tmux.keys(s, 'A');
      await tmux.waitFor(
        s,
        new RegExp(`Shut down all ${waiting} peer\\(s\\) whose inventory is in\\? \\(y/N\\)`),
      );
      tmux.keys(s, 'y');
      await tmux.waitFor(
        s,
        new RegExp(`shutdown-all: ${waiting} of ${waiting} peer\\(s\\) shutting down or off`),
      );
      screen = await tmux.waitFor(s, new RegExp(`^${PEERS} nodes: powered-off ${PEERS}\\s*$`, 'm'), 60_000);
      assert.equal((screen.match(/ powered-off \d+s /g) ?? []).length, PEERS, screen);

      // to the Log screen (one key at a time, as typed), where the power-down's steps will show
      // each screen's own column header (the tab line names every screen all the time)
      for (const want of [/^v ADDRESS /m, /^PROT +STATE +PEER +FILE /m, /action shutdown-all ok/]) {
        tmux.keys(s, 'Tab');
        await tmux.waitFor(s, want);
      }

      // P: the typed-word prompt, the word echoed, then Enter
      tmux.keys(s, 'P');
      await tmux.waitFor(s, /FINAL POWER-DOWN of the master\. Type poweroff and Enter \(Esc cancels\):/);
      tmux.keys(s, 'poweroff');
      await tmux.waitFor(s, /\(Esc cancels\): poweroff/);
      tmux.keys(s, 'Enter');
      const status = await exited();
      const last = tmux.capture(s, { joined: true });
      assert.match(last, /lab: torn down; data and report in /);
      // progress: the master's power-down steps in the Log screen; result: the action's answer
      for (const step of [/power-down network services stopped ok/, /power-down report written ok/])
        assert.match(last, step);
      assert.match(last, /master stopping: final power-down by console/);
      assert.match(last, /poweroff: state closed and synced; powering off/);
      if (status !== 'unreaped') assert.equal(status, 0, last);

      // the lab is gone; its data dir has the inventories, the report, and the actions taken by the console
      const all = tmux.capture(s, { joined: true, history: true });
      const data = labDataDir(all);
      assert.ok(data.startsWith(cwd), data);
      assertInventoriesAndReport(data, PEERS, all);
      const events = await readFile(join(data, 'events.jsonl'), 'utf8');
      assert.match(events, /"action":"shutdown-all","ok":true[^\n]*"by":"console:/);
      assert.match(events, /"type":"master\.stopping","data":\{"reason":"final power-down by console:/);
      assert.ok(!alive(pid), 'the lab process exited');
      await assertLabGone(all, dirname(data));
    }),
);

test(
  `tmux: Ctrl-C in the console ends recon lab --peers ${PEERS} through its teardown (${KIND} lab)`,
  { skip: SKIP, timeout: 240_000 },
  () =>
    labInTmux(async ({ tmux, s, cwd, pid, settled, exited }) => {
      await settled();
      tmux.keys(s, 'C-c');
      const status = await exited();
      const all = tmux.capture(s, { joined: true, history: true });
      if (status !== 'unreaped') assert.equal(status, 0, all);
      const data = labDataDir(all);
      assert.ok(data.startsWith(cwd), data);
      // no power-down ran: the lab asked the master for the report before stopping it
      assert.match(all, /lab: report\.json, report\.csv, report\.html written/);
      assertInventoriesAndReport(data, PEERS, all);
      assert.ok(existsSync(join(data, 'state.json')), 'the master stopped in order (state snapshot written)');
      assert.ok(!alive(pid), 'the lab process exited');
      await assertLabGone(all, dirname(data));
    }),
);

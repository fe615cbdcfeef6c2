// A new user's first mistakes each get one line that says what went wrong and how to go on — never a
// stack trace: no config for `recon master`, no master for `recon console`, a bad number for an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { joinNegativeValues, wholeNumber } from '../../src/cli/option-values.js';
import { startFailureLine } from '../../src/cli/run-master.js';
import { DEFAULT_CONFIG_PATH } from '../../src/model/config/load.js';
import { unprivileged } from '../helpers/as-user.js';
import { recon, reconArgv } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { Tmux } from '../helpers/tmux.js';

test('a negative number after a string option is its value, not an option', () => {
  const opts = { peers: { type: 'string' }, keep: { type: 'boolean' } } as const;
  const table: [string[], string[]][] = [
    [['--peers', '-1'], ['--peers=-1']],
    [['--peers=-1'], ['--peers=-1']],
    [
      ['--peers', '3', '--keep'],
      ['--peers', '3', '--keep'],
    ],
    [
      ['--keep', '-1'],
      ['--keep', '-1'],
    ], // a boolean takes no value: parseArgs refuses -1 itself
    [
      ['--peers', '-x'],
      ['--peers', '-x'],
    ], // not a number: left for parseArgs to name
    [
      ['--', '--peers', '-1'],
      ['--', '--peers', '-1'],
    ],
  ];
  for (const [args, want] of table) assert.deepEqual(joinNegativeValues(args, opts), want, args.join(' '));
});

test('whole-number options accept digits in range only', () => {
  const range = { min: 1, max: 1000, fallback: 8 };
  assert.equal(wholeNumber('lab', 'peers', undefined, range), 8);
  assert.equal(wholeNumber('lab', 'peers', '12', range), 12);
  for (const bad of ['-1', '0', '1001', '1e2', '0x10', '2.5', '', ' 3', 'abc'])
    assert.throws(
      () => wholeNumber('lab', 'peers', bad, range),
      { message: `recon lab: --peers must be a whole number from 1 to 1000 (got '${bad}')` },
      bad,
    );
});

test('bad numbers for recon lab get one line naming the flag and the range, exit 2', async () => {
  for (const args of [['--peers', '-1'], ['--peers=-1'], ['--peers', 'many']]) {
    const r = await recon(['lab', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `recon lab: --peers must be a whole number from 1 to 1000 (got '${args.at(-1)!.replace('--peers=', '')}')\n`,
    );
  }
  const q = await recon(['lab', '--qemu', '-2']);
  assert.equal(q.code, 2);
  assert.equal(q.stderr, "recon lab: --qemu must be a whole number from 0 to 16 (got '-2')\n");
  const b = await recon(['lab', '--bmc']);
  assert.equal(b.code, 2);
  assert.equal(b.stderr, 'recon lab: --bmc gives the --qemu VMs their BMCs: add --qemu N\n');
});

test('startFailureLine: the defaults and the way on are named only when no config was found', () => {
  assert.equal(
    startFailureLine("EACCES: permission denied, mkdir '/x'\n    at a", '/etc/recon/recon.json'),
    "recon master: no config at /etc/recon/recon.json, so the defaults apply; cannot start: EACCES: permission denied, mkdir '/x' (give a config with --config FILE, or try the demo: recon lab)",
  );
  assert.equal(
    startFailureLine('interface lan0 not found', undefined),
    'recon master: cannot start: interface lan0 not found',
  );
});

const user = unprivileged(reconArgv().at(-1)!);

test(
  'recon master as a user with no config: which file, that the defaults apply, what failed, the way on',
  {
    skip:
      user.skip ||
      (existsSync(DEFAULT_CONFIG_PATH) && `skipped: ${DEFAULT_CONFIG_PATH} exists on this machine`) ||
      (existsSync('/export/nodes') && 'skipped: /export/nodes exists on this machine'),
  },
  async () => {
    const r = await run([...user.prefix, ...reconArgv(), 'master'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `recon master: no config at ${DEFAULT_CONFIG_PATH}, so the defaults apply; cannot start: ` +
        "EACCES: permission denied, mkdir '/export/nodes' (give a config with --config FILE, or try the demo: recon lab)\n",
    );
  },
);

test('recon console with no master: one line naming the socket and how to start one; it retries until stopped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-console-'));
  try {
    const socket = join(dir, 'control.sock');
    const argv = [...reconArgv(), 'console', '--headless', '--socket', socket];
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line within 30 s: ${err}`)), 30_000);
        proc.stderr.setEncoding('utf8').on('data', (c: string) => {
          err += c;
          if (err.includes('\n')) {
            clearTimeout(timer);
            resolve(err.split('\n')[0]!);
          }
        });
      });
      assert.equal(
        line,
        `recon console: cannot reach the master at ${socket}: ENOENT: start one with 'recon master' ` +
          "(or the demo: 'recon lab'), or point at it with --socket PATH / --config FILE; retrying until it answers (Ctrl-C stops)",
      );
      // its plain lines say the same, and it keeps running (retrying)
      for (let i = 0; i < 100 && !out.includes('\n'); i++) await sleep(100);
      assert.match(out, /disconnected - - master not reachable/);
      assert.equal(proc.exitCode, null);
    } finally {
      proc.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.equal(err.trim().split('\n').length, 1, err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'recon console on a terminal with no master: the screen names the socket and how to start one; q leaves',
  { skip: needs({ tools: ['tmux'] }), timeout: 60_000 },
  async () => {
    const tmux = new Tmux();
    // a short path where nothing can be, so the line fits the screen unwrapped wherever the tests run
    const socket = `/nonexistent/recon-${process.pid}/control.sock`;
    // the exit status through the shell: tmux does not always learn it when keys arrive as the program ends
    const dir = await mkdtemp(join(tmpdir(), 'recon-console-exit-'));
    const statusFile = join(dir, 'status');
    try {
      tmux.start(
        'c',
        ['sh', '-c', `"$@"; echo $? > ${statusFile}`, 'sh', ...reconArgv(), 'console', '--socket', socket],
        { TERM: 'xterm', NO_COLOR: '1' },
        {
          columns: 240,
          rows: 20,
          remainOnExit: true,
        },
      );
      const screen = await tmux.waitFor('c', /no master at/, 30_000);
      const line = screen
        .split('\n')
        .find((l) => l.includes('no master at'))!
        .trim();
      assert.equal(
        line,
        `no master at ${socket}: start one with 'recon master' (or the demo: 'recon lab'), ` +
          'or point at it with --socket PATH / --config FILE; retrying (q quits)',
      );
      // q again until it is read: the first frame can be drawn before the keys are listened to
      for (let i = 0; i < 40 && !existsSync(statusFile); i++) {
        tmux.keys('c', 'q');
        await sleep(500);
      }
      assert.equal((await readFile(statusFile, 'utf8')).trim(), '0', tmux.capture('c'));
    } finally {
      tmux.kill();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

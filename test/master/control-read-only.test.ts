// Read-only is the master's rule, not a console's promise: against a running `recon master`, a raw client on
// the view-only socket that calls itself an interactive console gets every action refused (poweroff
// included) while it still sees the state and the events; `recon console --read-only` finds that socket on
// its own. On the full socket, `export` writes a report only inside the data dir: absolute paths, "..",
// symlinks leading out, missing directories and the master's own files are refused and nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { access, mkdir, readFile, readdir, rename, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackConfig, reconArgv, startMaster, type RunningMaster } from '../helpers/master.js';
import { controlSocketPath, readOnlySocketOf } from '../../src/model/config/locate.js';
import { parseConfig } from '../../src/model/config/load.js';

/** A client that speaks the protocol by hand: it sends what it likes and collects every line back. */
class RawClient {
  readonly lines: Record<string, unknown>[] = [];
  private buf = '';
  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      const parts = this.buf.split('\n');
      this.buf = parts.pop() ?? '';
      for (const p of parts) if (p) this.lines.push(JSON.parse(p) as Record<string, unknown>);
    });
  }
  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  send(msg: unknown): void {
    this.sock.write(JSON.stringify(msg) + '\n');
  }
  async reply(id: number): Promise<{ ok: boolean; message?: string; data?: unknown }> {
    for (let i = 0; i < 300; i++) {
      const r = this.lines.find((l) => l.kind === 'reply' && l.id === id);
      if (r) return r as { ok: boolean; message?: string; data?: unknown };
      await sleep(50);
    }
    throw new Error(`no reply ${id}: ${JSON.stringify(this.lines)}`);
  }
  async request(msg: Record<string, unknown>, id: number) {
    this.send({ ...msg, id });
    return this.reply(id);
  }
  close(): void {
    this.sock.destroy();
  }
}

const ACTIONS = [
  { name: 'poweroff', confirm: 'poweroff', waitSeconds: 0 },
  { name: 'shutdown-all' },
  { name: 'shutdown', macs: ['52:54:00:00:00:01'] },
  { name: 'recollect', macs: ['52:54:00:00:00:01'] },
  { name: 'export', format: 'json', out: 'report.json' },
  { name: 'export', format: 'json' },
];

void test(
  'the view-only socket refuses every action whatever the client claims; export writes only inside the data dir',
  { timeout: 120_000 },
  async () => {
    let master: RunningMaster | undefined;
    let marker = '';
    try {
      master = await startMaster({
        config: (dir) => {
          marker = join(dir, 'powered-off');
          return loopbackConfig(dir, { power: { poweroffCommand: ['touch', marker], uploadWaitSeconds: 0 } });
        },
      });
      const config = parseConfig(JSON.parse(await readFile(master.configPath, 'utf8')));
      const view = readOnlySocketOf(config);
      assert.equal(view, join(dirname(master.socket), 'control-read-only.sock'));
      for (const s of [master.socket, view]) assert.equal((await stat(s)).mode & 0o777, 0o660, s);

      const ro = await RawClient.connect(view);
      ro.send({ op: 'subscribe' });
      let id = 1;
      for (const action of ACTIONS) {
        // the client claims to be an interactive console: the socket decides, not the claim
        const r = await ro.request({ op: 'action', action, by: 'console:tty1 interactive' }, id++);
        assert.equal(r.ok, false, action.name);
        assert.equal(r.message, `${action.name} refused: this control socket is view-only (${view})`);
      }
      // what a view may do: the state, a node's events, the live stream
      const got = await ro.request({ op: 'get' }, id++);
      assert.equal(got.ok, true);
      assert.equal((got.data as { state: { master?: { pid: number } } }).state.master?.pid, master.proc.pid);
      assert.equal((await ro.request({ op: 'node-events', mac: '52:54:00:00:00:01' }, id++)).ok, true);
      assert.ok(ro.lines.some((l) => l.kind === 'snapshot'));
      ro.close();

      // nothing ran: no power-off, no report, no action recorded; the master still serves
      await assert.rejects(access(marker), 'the power-off command never ran');
      assert.ok(!(await readdir(config.dataDir)).includes('report.json'));
      const full = await RawClient.connect(master.socket);
      const state = ((await full.request({ op: 'get' }, 1)).data as { state: Record<string, unknown> }).state;
      assert.equal(state.lastAction, undefined, 'no action.result was recorded');
      assert.equal(master.proc.exitCode, null);

      // export on the full socket: only inside the data dir
      const exportAs = async (out: string, format = 'json') =>
        full.request({ op: 'action', action: { name: 'export', format, out }, by: 'test' }, id++);
      const outside = join(master.dir, 'outside');
      await mkdir(join(config.dataDir, 'reports'));
      await symlink(master.dir, join(config.dataDir, 'escape'));
      const refusals: [string, RegExp][] = [
        [join(outside, 'report.json'), /not an absolute path/],
        ['/etc/recon-report.json', /not an absolute path/],
        ['../report.json', /"\.\." path parts are not allowed/],
        ['reports/../../report.json', /"\.\." path parts are not allowed/],
        ['escape/report.json', /leads out of the data dir/],
        ['new-dir/report.json', /its directory does not exist in the data dir \(none is created\)/],
        ['state.json', /one of the master's own files/],
        ['nodes/report.json', /nodes\/ holds the peers' uploads/],
        ['report.html', /a json report's name ends in \.json/],
        ['.hidden.json', /hidden or overlong name/],
      ];
      for (const [out, why] of refusals) {
        const r = await exportAs(out);
        assert.equal(r.ok, false, out);
        assert.match(r.message ?? '', why, out);
      }
      await assert.rejects(access(outside), 'nothing was written or created outside');
      await assert.rejects(access(join(config.dataDir, 'new-dir')), 'no directory was created');
      assert.ok(!(await readdir(master.dir)).includes('report.json'));
      const state0 = await readFile(join(config.dataDir, 'state.json'), 'utf8').catch(() => '');
      assert.ok(!state0.includes('"rows"'), 'state.json is not a report');

      const ok = await exportAs('reports/fleet.json');
      assert.equal(ok.ok, true, ok.message);
      assert.equal(ok.message, `wrote ${join(config.dataDir, 'reports', 'fleet.json')}`);
      assert.ok(JSON.parse(await readFile(join(config.dataDir, 'reports', 'fleet.json'), 'utf8')));
      const top = await exportAs('report.csv', 'csv');
      assert.equal(top.ok, true, top.message);
      full.close();

      // `recon console --read-only` goes to the view-only socket by itself: with the full socket moved
      // away it still connects
      assert.equal(controlSocketPath({ config: master.configPath }, { readOnly: true }), view);
      assert.equal(controlSocketPath({ config: master.configPath }), master.socket);
      await rename(master.socket, `${master.socket}.moved`);
      try {
        const argv = [...reconArgv(), 'console', '--read-only', '--headless', '--config', master.configPath];
        const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        for (let i = 0; !/connected - - master/.test(out) && i < 600; i++) await sleep(100);
        child.kill('SIGTERM');
        assert.match(out, /connected - - master/);
      } finally {
        await rename(`${master.socket}.moved`, master.socket);
      }
    } finally {
      await master?.cleanup();
    }
  },
);

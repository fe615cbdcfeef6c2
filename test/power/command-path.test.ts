// The peer shutdown command path end to end on loopback: a real `recon master`, two real collectors and a BMC
// simulator. Peer A uploads and waits for a command; `recon power peers` queues `shutdown`, A's long-poll
// takes it and A runs its (injected) power-off command. Peer B uploads an inventory naming its BMC (read by
// the collector's own ipmitool step from ipmi_sim) and then stays silent: the master gives up waiting and
// powers B off through that BMC. Peer C has a BMC and powers itself off after its upload, as the
// default policy says; a `recollect` makes A collect and upload again before it is shut down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlClient } from '../../src/master/control/client.js';
import type { ReconState } from '../../src/model/reducer.js';
import { needs } from '../helpers/needs.js';
import { loopbackConfig, recon, startMaster, type RunningMaster } from '../helpers/master.js';
import { startIpmiSim, type IpmiSim } from './ipmi-sim.js';

const execFileP = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const A = '52:54:00:c0:22:0a';
const B = '52:54:00:c0:22:0b';
const C = '52:54:00:c0:22:0c';
const PASSWORD = 'Cmd-Path-Bmc-93';
const BMC = '127.0.0.2';

function collectorArgs(dir: string, mac: string, master: string, extra: string[]): string[] {
  return [
    '--import',
    'tsx',
    join(root, 'src/collect/bundle-entry.ts'),
    '--cmdline',
    join(dir, `cmdline-${mac.slice(-2)}`),
    '--master',
    master,
    '--lldp-wait',
    '0',
    ...extra,
  ];
}

function exitOf(c: ChildProcess): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((r) => c.once('exit', (code) => r(code)));
}

async function waitState(socket: string, ok: (s: ReconState) => boolean, what: string): Promise<ReconState> {
  const until = Date.now() + 60_000;
  for (;;) {
    const c = await ControlClient.connect(socket);
    try {
      const { state } = await c.getState();
      if (ok(state)) return state;
    } finally {
      c.close();
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

test(
  'shutdown reaches a waiting collector, recollect makes it upload again; a silent peer is powered off through its BMC; a peer with a BMC powers itself off',
  { skip: needs({ tools: ['ipmi_sim', 'ipmitool'] }), timeout: 240_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-cmdpath-'));
    let sim: IpmiSim | undefined;
    let master: RunningMaster | undefined;
    let peerA: ChildProcess | undefined;
    try {
      // the BMC is on 127.0.0.2 (not the master's 127.0.0.1), a loopback block listed in power.bmcNetworks
      sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true, address: BMC });
      const lan = ['-I', 'lanplus', '-C', '3', '-H', BMC, '-p', String(sim.port), '-U', 'admin', '-E'];
      const bmcEnv = { ...process.env, IPMI_PASSWORD: PASSWORD };
      for (const set of [
        ['ipsrc', 'static'],
        ['ipaddr', BMC],
        ['macaddr', '52:54:00:c0:22:bb'],
      ])
        await execFileP('ipmitool', [...lan, 'lan', 'set', '1', ...set], { env: bmcEnv, timeout: 20_000 });

      const pwFile = join(dir, 'bmc.pw');
      await writeFile(pwFile, `${PASSWORD}\n`);
      await chmod(pwFile, 0o600);
      const config = loopbackConfig(dir, {
        http: { roots: {}, trustAnySource: true },
        power: {
          peerAckSeconds: 3,
          bmcNetworks: [`${BMC}/32`],
          ipmi: {
            username: 'admin',
            passwordFile: pwFile,
            port: sim.port,
            timeoutSeconds: 5,
            retries: 0,
            softOffGraceSeconds: 5,
          },
        },
      });
      master = await startMaster({ dir, config: () => config });
      const base = `http://127.0.0.1:${config.ports!.http!}`;
      for (const mac of [A, B, C])
        await writeFile(join(dir, `cmdline-${mac.slice(-2)}`), `BOOTIF=01-${mac.replace(/:/g, '-')}\n`);

      // A: no BMC, policy never → uploads, then long-polls for a command
      const marker = join(dir, 'peer-a-powered-off');
      peerA = spawn(
        process.execPath,
        collectorArgs(dir, A, base, ['--poweroff', 'never', '--poweroff-command', `touch ${marker}`]),
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let aLog = '';
      peerA.stderr!.setEncoding('utf8').on('data', (d: string) => (aLog += d));
      // B: uploads once (its BMC read through ipmitool from the simulator) and is gone afterwards
      const b = await execFileP(
        process.execPath,
        collectorArgs(dir, B, base, ['--once', '--ipmitool', ['ipmitool', ...lan].join(' ')]),
        { cwd: root, env: bmcEnv, timeout: 120_000 },
      );
      assert.match(b.stderr, /inventory stored by master/);

      const state = await waitState(
        master.socket,
        (s) => s.nodes[A]?.stage === 'waiting' && s.nodes[B]?.inventory !== undefined,
        'A waiting and B inventoried',
      );
      assert.equal(state.nodes[B]?.inventory?.summary.bmc?.ipv4, BMC, 'the BMC as the collector read it');
      assert.equal(state.nodes[A]?.inventory?.summary.bmc, undefined);

      // C has a BMC and the default policy (if-bmc): it powers itself off right after its upload
      const markerC = join(dir, 'peer-c-powered-off');
      const c = await execFileP(
        process.execPath,
        collectorArgs(dir, C, base, [
          '--ipmitool',
          ['ipmitool', ...lan].join(' '),
          '--poweroff-command',
          `touch ${markerC}`,
        ]),
        { cwd: root, env: bmcEnv, timeout: 120_000 },
      );
      assert.match(c.stderr, /inventory stored by master[\s\S]*powering off: touch /);
      assert.doesNotMatch(c.stderr, /waiting for a command/);
      await access(markerC);

      // recollect: A collects and uploads again, then waits again
      const control = await ControlClient.connect(master.socket);
      try {
        const rc = await control.action({ name: 'recollect', macs: [A] }, { by: 'test' });
        assert.equal(rc.ok, true, rc.message);
      } finally {
        control.close();
      }
      const again =
        /waiting for a command[\s\S]*master asked to collect again[\s\S]*inventory stored by master[\s\S]*waiting for a command/;
      for (let i = 0; !again.test(aLog); i++) {
        assert.ok(i < 200, `A did not collect again: ${aLog}`);
        await sleep(300);
      }

      const started = Date.now();
      const r = await recon(['power', 'peers', '--mac', A, '--mac', B, '--yes', '--socket', master.socket], {
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /2 of 2 peer\(s\) shutting down or off \(1 through IPMI\)/);
      assert.match(r.stderr, new RegExp(`${B}: peer did not answer FAILED`));
      assert.ok(Date.now() - started >= 3000, 'B was given peerAckSeconds to answer');

      // A took the command and ran its power-off command, then ended
      assert.equal(await exitOf(peerA), 0, aLog);
      assert.match(aLog, /powering off: touch /);
      await access(marker);
      // B's BMC saw the soft-off and reports off
      assert.equal(await sim.power(), '0');
      assert.ok((await sim.events()).includes('SET shutdown 1'));

      const after = await waitState(
        master.socket,
        (s) =>
          s.nodes[A]?.stage === 'powering-off' &&
          s.nodes[B]?.power === 'off' &&
          s.nodes[C]?.stage === 'powering-off',
        'A and C powering-off, B off',
      );
      assert.equal(after.nodes[B]?.pendingCommand, undefined, 'no shutdown left waiting for B');
    } finally {
      if (peerA && peerA.exitCode === null && peerA.signalCode === null) peerA.kill('SIGKILL');
      await master?.cleanup();
      await sim?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

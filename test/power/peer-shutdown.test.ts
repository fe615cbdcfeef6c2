// Peer shutdown through the state store: a peer that acknowledges (command delivered) is left to power
// itself off; a silent one is powered off through the BMC its inventory names (ipmi_sim on 127.0.0.2, a
// loopback block listed in power.bmcNetworks), with the password read from a 0600 file; a group-readable
// password file is refused; a BMC address recon cannot tie to the peer is refused before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { parseConfig } from '../../src/model/config/load.js';
import { shutdownPeer } from '../../src/master/power/peer-shutdown.js';
import { needs } from '../helpers/needs.js';
import { freeUdpPort, startIpmiSim } from './ipmi-sim.js';

const MAC = '52:54:00:00:00:21';
const PASSWORD = 'Bmc-Pass-551';
/** the simulated BMC's address: loopback, but not the master's own 127.0.0.1 */
const BMC = '127.0.0.2';

async function withStore(
  bmcPort: number,
  pwMode: number,
  body: (store: StateStore, cfg: ReturnType<typeof parseConfig>) => Promise<void>,
  bmcIpv4 = BMC,
) {
  const dir = await mkdtemp(join(tmpdir(), 'recon-peer-'));
  const pwFile = join(dir, 'bmc.pw');
  await writeFile(pwFile, PASSWORD + '\n');
  await chmod(pwFile, pwMode);
  const store = await StateStore.open(join(dir, 'data'));
  try {
    await store.emit({
      type: 'inventory.stored',
      data: { mac: MAC, sha256: 'x', bytes: 1, summary: { bmc: { ipv4: bmcIpv4 } } },
    });
    const cfg = parseConfig({
      power: {
        peerAckSeconds: 1,
        bmcNetworks: [`${BMC}/32`],
        ipmi: {
          username: 'admin',
          passwordFile: pwFile,
          port: bmcPort,
          timeoutSeconds: 4,
          retries: 0,
          softOffGraceSeconds: 1,
        },
      },
    });
    await body(store, cfg);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const log = pino({ level: 'silent' });

test('a peer that takes the command powers itself off: no IPMI', async () => {
  await withStore(9, 0o600, async (store, config) => {
    // what the peer API does when the peer's long-poll picks the command up
    const off = store.subscribe((ev) => {
      if (ev.type === 'command.queued' && ev.data.command === 'shutdown')
        setImmediate(
          () =>
            void store.emit({ type: 'command.delivered', data: { mac: ev.data.mac, command: 'shutdown' } }),
        );
    });
    const r = await shutdownPeer({ store, config, log }, MAC, 'test', () => {});
    off();
    assert.deepEqual(r, { mac: MAC, ok: true, via: 'agent', detail: 'the peer is powering itself off' });
    assert.equal(store.node(MAC)?.pendingCommand, undefined);
  });
});

test(
  'a silent peer is powered off through its BMC (soft, then off)',
  { skip: needs({ tools: ['ipmi_sim', 'ipmitool'] }) },
  async () => {
    const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: false, address: BMC });
    try {
      await withStore(sim.port, 0o600, async (store, config) => {
        const lines: string[] = [];
        const r = await shutdownPeer({ store, config, log }, MAC, 'test', (m) => lines.push(m));
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.equal(r.ok && r.via, 'ipmi');
        assert.equal(store.node(MAC)?.power, 'off');
        assert.equal(store.node(MAC)?.pendingCommand, undefined, 'the queued shutdown is withdrawn');
        const ev = await sim.events();
        assert.ok(ev.indexOf('SET shutdown 1') < ev.indexOf('POWER -> 0'));
        assert.ok(lines.some((l) => l.includes('peer did not answer FAILED')));
        const steps = store
          .eventsFor(MAC)
          .filter((e) => e.type === 'power.step')
          .map((e) => e.data.step);
        assert.ok(steps.includes('ipmi soft-off') && steps.includes('ipmi power off'), steps.join(','));
      });
    } finally {
      await sim.stop();
    }
  },
);

test('a group-readable password file is refused with a clear message', async () => {
  await withStore(9, 0o640, async (store, config) => {
    const r = await shutdownPeer({ store, config, log }, MAC, 'test', () => {});
    assert.equal(r.ok, false);
    assert.match(
      !r.ok ? r.reason : '',
      /refused: .*bmc\.pw is readable by its group \(mode 0640\): run 'chmod 600/,
    );
  });
});

test(
  'a silent peer whose BMC refuses the password or is unreachable: the reason is the result and an event',
  { skip: needs({ tools: ['ipmi_sim', 'ipmitool'] }) },
  async () => {
    const sim = await startIpmiSim({ password: 'another-password', softOffWorks: true, address: BMC });
    try {
      const cases: [string, number, RegExp][] = [
        [
          'wrong password',
          sim.port,
          /^authentication failed: 127\.0\.0\.2:\d+ chassis power status: RAKP 2 HMAC is invalid/,
        ],
        [
          'closed port',
          await freeUdpPort(BMC),
          /^BMC unreachable: 127\.0\.0\.2:\d+ chassis power status: .*presence ping: refused/,
        ],
      ];
      for (const [name, port, why] of cases)
        await withStore(port, 0o600, async (store, config) => {
          const r = await shutdownPeer({ store, config, log }, MAC, 'test', () => {});
          assert.equal(r.ok, false, name);
          assert.match(!r.ok ? r.reason : '', why, name);
          const ev = store.eventsFor(MAC);
          const state = ev.filter((e) => e.type === 'power.state').map((e) => e.data);
          assert.deepEqual(
            state.map((d) => [d.state, d.via]),
            [
              ['powering-off', 'ipmi'],
              ['unknown', 'ipmi'],
            ],
            name,
          );
          assert.match(state[1]?.detail ?? '', why, name);
          const failed = ev.flatMap((e) => (e.type === 'power.step' && !e.data.ok ? [e.data.step] : []));
          assert.ok(failed.includes('ipmi power status'), `${name}: ${failed.join(', ')}`);
          assert.equal(store.node(MAC)?.power, 'unknown', name);
        });
      assert.equal(await sim.power(), '1', 'nothing was switched');
    } finally {
      await sim.stop();
    }
  },
);

test(
  "a silent peer naming the master's own address as its BMC: refused by name, nothing sent",
  { skip: needs({ tools: ['ipmi_sim', 'ipmitool'] }) },
  async () => {
    // a BMC that answers on the master's address: it must hear nothing
    const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
    try {
      await withStore(
        sim.port,
        0o600,
        async (store, config) => {
          const lines: string[] = [];
          const r = await shutdownPeer({ store, config, log }, MAC, 'test', (m) => lines.push(m));
          const why = `BMC 127.0.0.1 not tied to ${MAC}: it is an address of the master itself`;
          assert.deepEqual(r, { mac: MAC, ok: false, reason: `${why}: power it off by hand` });
          assert.ok(lines.includes(`${MAC}: bmc refused FAILED — ${why}`), lines.join('\n'));
          assert.equal(store.node(MAC)?.power, 'unknown');
          assert.equal(store.node(MAC)?.powerDetail, why);
        },
        '127.0.0.1',
      );
      assert.deepEqual(await sim.reads(), [], 'no session reached the BMC on the master address');
      assert.deepEqual(await sim.events(), []);
      assert.equal(await sim.power(), '1');
    } finally {
      await sim.stop();
    }
  },
);

// A peer that does not acknowledge `shutdown` is powered off through its own BMC by the BMC layer:
// Redfish where discovery found it, IPMI otherwise; a graceful off first, and a forced off after the
// bounded grace when the power stays on (a machine sitting in firmware ignores the graceful request).
// A fake driver records the calls; the ipmi_sim version is test/power/peer-shutdown.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { parseConfig } from '../../src/model/config/load.js';
import { shutdownPeer } from '../../src/master/power/peer-shutdown.js';
import { summarizeShutdown } from '../../src/master/power/actions.js';
import type { BmcDriver, BmcDriverKind, BmcPowerState } from '../../src/net/bmc/driver.js';
import type { OpenBmcOptions } from '../../src/net/bmc/open.js';

const log = pino({ level: 'silent' });
const MAC = '52:54:00:00:00:31';
const BMC_MAC = '0c:c4:7a:00:00:31';
const BMC = '192.168.219.70';

class FakeBmc implements BmcDriver {
  calls: string[] = [];
  power: BmcPowerState = 'on';
  constructor(
    readonly kind: BmcDriverKind,
    readonly address: string,
    private readonly honoursGraceful: boolean,
  ) {}
  powerState() {
    this.calls.push('state');
    return Promise.resolve(this.power);
  }
  powerOn() {
    this.calls.push('on');
    return Promise.resolve();
  }
  gracefulOff() {
    this.calls.push('graceful');
    if (this.honoursGraceful) this.power = 'off';
    return Promise.resolve();
  }
  forceOff() {
    this.calls.push('force');
    this.power = 'off';
    return Promise.resolve();
  }
  setOneTimeBoot() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

async function silentPeer(discovered: BmcDriverKind | undefined, honoursGraceful: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'recon-poff-'));
  const cred = join(dir, 'cred');
  await writeFile(cred, 'admin\nPw-9\n');
  await chmod(cred, 0o600);
  const store = await StateStore.open(join(dir, 'data'));
  try {
    const config = parseConfig({
      dataDir: join(dir, 'data'),
      power: { peerAckSeconds: 1, bmcCredentialsFile: cred, ipmi: { softOffGraceSeconds: 1.5 } },
    });
    await store.emit({
      type: 'lease.granted',
      data: { mac: BMC_MAC, family: 4, ip: BMC, expiresAt: new Date(Date.now() + 600_000).toISOString() },
    });
    if (discovered)
      await store.emit({
        type: 'bmc.discovered',
        data: {
          address: BMC,
          mac: BMC_MAC,
          driver: discovered,
          redfish: discovered === 'redfish',
          ipmi: true,
          source: 'lease',
        },
      });
    await store.emit({
      type: 'inventory.stored',
      data: { mac: MAC, sha256: 'x', bytes: 1, summary: { bmc: { ipv4: BMC, mac: BMC_MAC } } },
    });
    const opened: OpenBmcOptions[] = [];
    let fake: FakeBmc | undefined;
    const open = (o: OpenBmcOptions) => {
      opened.push(o);
      fake = new FakeBmc(o.driver === 'redfish' ? 'redfish' : 'ipmi', o.address, honoursGraceful);
      return Promise.resolve(fake);
    };
    const r = await shutdownPeer({ store, config, log, open }, MAC, 'test', () => {});
    const power = store
      .eventsFor(MAC)
      .flatMap((e) => (e.type === 'power.state' ? [`${e.data.state} ${e.data.via}`] : []));
    const steps = store
      .eventsFor(MAC)
      .flatMap((e) => (e.type === 'power.step' ? [`${e.data.step} ${e.data.ok}`] : []));
    return {
      r,
      opened,
      calls: fake?.calls ?? [],
      power,
      steps,
      node: store.node(MAC),
      bmc: store.state.bmcs?.[BMC],
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

void test('discovered as Redfish: powered off through Redfish; a graceful off ignored is forced after the grace', async () => {
  const t0 = Date.now();
  const { r, opened, calls, power, steps, node, bmc } = await silentPeer('redfish', false);
  assert.equal(opened[0]?.driver, 'redfish');
  assert.deepEqual(opened[0]?.credentials, { username: 'admin', password: 'Pw-9' });
  assert.deepEqual(r, {
    mac: MAC,
    ok: true,
    via: 'redfish',
    detail: `powered off through BMC ${BMC} (redfish, hard)`,
  });
  assert.equal(calls[0], 'state');
  assert.equal(calls[1], 'graceful');
  assert.ok(calls.indexOf('force') > calls.lastIndexOf('graceful'), calls.join(','));
  assert.ok(Date.now() - t0 >= 1500, 'the forced off came after the grace');
  assert.deepEqual(power, ['powering-off redfish', 'off redfish']);
  assert.ok(
    steps.includes('redfish soft-off false') && steps.includes('redfish power off true'),
    steps.join(','),
  );
  assert.equal(node?.stage, 'powered-off');
  assert.equal(bmc?.power, 'off');
  assert.equal(bmc?.node, MAC);
  assert.equal(summarizeShutdown([r]).message, '1 of 1 peer(s) shutting down or off (1 through Redfish)');
});

void test('not discovered (or IPMI only): IPMI; a graceful off honoured needs no forced off', async () => {
  for (const discovered of [undefined, 'ipmi'] as const) {
    const { r, opened, calls, power } = await silentPeer(discovered, true);
    assert.equal(opened[0]?.driver, 'ipmi', String(discovered));
    assert.equal(r.ok && r.via, 'ipmi');
    assert.ok(!calls.includes('force'), calls.join(','));
    assert.deepEqual(power, ['powering-off ipmi', 'off ipmi']);
  }
});

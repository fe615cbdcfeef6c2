// The power-on action and `recon power on` without a network: a fake BMC driver records every call, so
// the order (power state, one-time PXE boot, on; off-and-on for --cycle; nothing for a machine already
// on), the events, the refusals and the command line are checked exactly. The real chain through
// ipmi_sim is power-on-master.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { parseConfig } from '../../src/model/config/load.js';
import type { ReconConfig } from '../../src/model/config/schema.js';
import { BmcError, type BmcDriver, type BmcPowerState } from '../../src/net/bmc/driver.js';
import type { OpenBmcOptions } from '../../src/net/bmc/open.js';
import { bootModeFor, powerOnBmcs, powerOnTargets, summarizePowerOn } from '../../src/master/bmc/power-on.js';
import { credentialsFromText, readCredentialsFile } from '../../src/master/bmc/access.js';
import { powerAction } from '../../src/cli/run-power.js';
import { bmcLines } from '../../src/tui/bmc-lines.js';
import { makeTheme } from '../../src/tui/theme.js';
import { parseClientMessage } from '../../src/master/control/protocol.js';
import { CliError } from '../../src/cli/usage-error.js';

const log = pino({ level: 'silent' });
const BMC = '192.168.219.60';
const BMC_MAC = '0c:c4:7a:00:00:01';
const NODE = '52:54:00:00:00:01';

class FakeBmc implements BmcDriver {
  readonly kind = 'ipmi';
  calls: string[] = [];
  constructor(
    readonly address: string,
    public power: BmcPowerState,
    private readonly failBoot = false,
  ) {}
  powerState() {
    this.calls.push('state');
    return Promise.resolve(this.power);
  }
  powerOn() {
    this.calls.push('on');
    this.power = 'on';
    return Promise.resolve();
  }
  gracefulOff() {
    this.calls.push('soft');
    return Promise.resolve();
  }
  forceOff() {
    this.calls.push('off');
    this.power = 'off';
    return Promise.resolve();
  }
  setOneTimeBoot(dev: string, mode: string) {
    this.calls.push(`boot ${dev} ${mode}`);
    if (this.failBoot) return Promise.reject(new BmcError('refused', this.address, 'no PXE boot target'));
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

async function withMaster(
  body: (store: StateStore, config: ReconConfig, opened: OpenBmcOptions[]) => Promise<void>,
  over: Record<string, unknown> = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'recon-pon-'));
  const cred = join(dir, 'bmc.cred');
  await writeFile(cred, 'admin\nPw-123\n');
  await chmod(cred, 0o600);
  const store = await StateStore.open(join(dir, 'data'));
  try {
    const config = parseConfig({ dataDir: join(dir, 'data'), power: { bmcCredentialsFile: cred }, ...over });
    await store.emit({
      type: 'lease.granted',
      data: { mac: BMC_MAC, family: 4, ip: BMC, expiresAt: new Date(Date.now() + 600_000).toISOString() },
    });
    await store.emit({
      type: 'bmc.discovered',
      data: { address: BMC, mac: BMC_MAC, driver: 'ipmi', ipmi: true, redfish: false, source: 'lease' },
    });
    await body(store, config, []);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

void test('power on: state, one-time PXE boot, on; each step an event; the node boots as it last did', async () => {
  await withMaster(async (store, config) => {
    await store.emit({
      type: 'inventory.stored',
      data: { mac: NODE, sha256: 'x', bytes: 1, summary: { bmc: { mac: BMC_MAC }, bootMode: 'uefi' } },
    });
    const fake = new FakeBmc(BMC, 'off');
    const opened: OpenBmcOptions[] = [];
    const ctx = {
      store,
      config,
      log,
      open: (o: OpenBmcOptions) => {
        opened.push(o);
        return Promise.resolve(fake);
      },
    };
    const lines: string[] = [];
    const r = await powerOnBmcs(ctx, [BMC], { cycle: false, by: 'test' }, (m) => lines.push(m));
    assert.deepEqual(r, [{ address: BMC, ok: true, did: 'powered-on' }]);
    assert.deepEqual(fake.calls, ['state', 'boot pxe uefi', 'on', 'state']);
    assert.equal(opened[0]?.driver, 'ipmi');
    assert.deepEqual(opened[0]?.credentials, { username: 'admin', password: 'Pw-123' });
    const ev = store.eventsFor(NODE).filter((e) => e.type === 'bmc.action' || e.type === 'bmc.power');
    assert.deepEqual(
      ev.map((e) =>
        e.type === 'bmc.action' ? `${e.data.action}:${e.data.ok}:${e.data.by}` : `power ${e.data.state}`,
      ),
      ['power off', 'one-time boot pxe:true:test', 'power on', 'power on:true:test'],
    );
    assert.equal(store.state.bmcs?.[BMC]?.power, 'on');
    assert.ok(!JSON.stringify(store.state).includes('Pw-123'), 'no password in the state');
  });
});

void test('a BMC naming its host NICs (Redfish) shows the node booting behind it before the inventory ties them', async () => {
  await withMaster(async (store, config) => {
    const fake = Object.assign(new FakeBmc(BMC, 'off'), {
      identify: () => Promise.resolve({ macs: ['52-54-00-00-00-01', 'junk', '52:54:00:00:00:02'] }),
    });
    await powerOnBmcs(
      { store, config, log, open: () => Promise.resolve(fake) },
      [BMC],
      { cycle: false, by: 't' },
      () => {},
    );
    assert.deepEqual(store.state.bmcs?.[BMC]?.hostMacs, ['52:54:00:00:00:01', '52:54:00:00:00:02']);
    assert.equal(store.state.bmcs?.[BMC]?.node, undefined, 'host MACs tie nothing');
    await store.emit({
      type: 'dhcp.discover',
      data: { mac: NODE, family: 4, firmware: 'uefi', vendorClass: 'PXEClient:Arch:00007' },
    });
    const g = makeTheme(true, false).glyphs;
    const line = bmcLines(store.state, 120, g, true).lines[0];
    assert.match(line?.text ?? '', new RegExp(`~${NODE} +discovered`));
    assert.equal(line?.mac, NODE);
    // a re-probe without credentials keeps them
    await store.emit({
      type: 'bmc.discovered',
      data: { address: BMC, mac: BMC_MAC, driver: 'ipmi', ipmi: true, redfish: false, source: 'lease' },
    });
    assert.equal(store.state.bmcs?.[BMC]?.hostMacs?.length, 2);
  });
});

void test('already on: left alone unless --cycle, which forces off and powers on again', async () => {
  await withMaster(async (store, config) => {
    const fake = new FakeBmc(BMC, 'on');
    const ctx = { store, config, log, open: () => Promise.resolve(fake) };
    const left = await powerOnBmcs(ctx, [BMC], { cycle: false, by: 't' }, () => {});
    assert.deepEqual(left, [{ address: BMC, ok: true, did: 'left-on' }]);
    assert.deepEqual(fake.calls, ['state']);
    fake.calls = [];
    const cycled = await powerOnBmcs(ctx, [BMC], { cycle: true, by: 't' }, () => {});
    assert.deepEqual(cycled, [{ address: BMC, ok: true, did: 'cycled' }]);
    assert.deepEqual(fake.calls, ['state', 'boot pxe auto', 'off', 'state', 'on', 'state']);
    assert.equal(
      summarizePowerOn([...left, ...cycled]).message,
      '0 powered on, 1 power-cycled, 1 already on (left alone), 0 failed, of 2 BMC(s)',
    );
  });
});

void test('a refused boot override stops before power on; the reason is the result and an event', async () => {
  await withMaster(async (store, config) => {
    const fake = new FakeBmc(BMC, 'off', true);
    const r = await powerOnBmcs(
      { store, config, log, open: () => Promise.resolve(fake) },
      [BMC],
      { cycle: false, by: 't' },
      () => {},
    );
    assert.deepEqual(r, [{ address: BMC, ok: false, reason: `BMC ${BMC}: no PXE boot target` }]);
    assert.deepEqual(fake.calls, ['state', 'boot pxe auto']);
    assert.equal(store.state.bmcs?.[BMC]?.lastAction?.ok, false);
  });
});

void test('never the master or its BMC, nor an address recon cannot place: refused before any driver opens', async () => {
  await withMaster(
    async (store, config) => {
      let opened = 0;
      const ctx = {
        store,
        config,
        log,
        open: () => {
          opened++;
          return Promise.resolve(new FakeBmc('x', 'off'));
        },
      };
      const r = await powerOnBmcs(
        ctx,
        ['192.168.219.1', '10.20.0.250', '203.0.113.9'],
        { cycle: false, by: 't' },
        () => {},
      );
      assert.deepEqual(
        r.map((x) => (x.ok ? 'ok' : x.reason)),
        [
          'BMC 192.168.219.1 refused: it is an address of the master itself',
          "BMC 10.20.0.250 refused: it is the master's own BMC",
          'BMC 203.0.113.9 refused: not found on a lease from recon, not in the config (bmcs) and outside power.bmcNetworks',
        ],
      );
      assert.equal(opened, 0);
    },
    { power: { bmcNetworks: ['10.20.0.0/24'], masterBmc: { addresses: ['10.20.0.250'] } } },
  );
});

void test('credentials files: user and password lines, owner-only', async () => {
  assert.deepEqual(credentialsFromText('admin\nsecret pw \n'), { username: 'admin', password: 'secret pw' });
  assert.deepEqual(credentialsFromText('admin\n'), { error: 'the second line (the password) is empty' });
  const dir = await mkdtemp(join(tmpdir(), 'recon-cred-'));
  try {
    const f = join(dir, 'c');
    await writeFile(f, 'admin\npw\n');
    await chmod(f, 0o644);
    await assert.rejects(
      readCredentialsFile(f, 'bmcs[x].credentialsFile'),
      /refused: .* is readable by everyone \(mode 0644\): run 'chmod 600/,
    );
    await chmod(f, 0o600);
    assert.deepEqual(await readCredentialsFile(f, 'x'), { username: 'admin', password: 'pw' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('targets, boot mode, the wire format and the command line', () => {
  assert.deepEqual(powerOnTargets({ all: true }, ['10.0.0.2', '10.0.0.1'], ['10.0.0.1', '198.51.100.7']), {
    targets: ['10.0.0.1', '10.0.0.2', '198.51.100.7'],
  });
  assert.deepEqual(powerOnTargets({ all: true }, [], []), { error: 'power on: recon has found no BMC yet' });
  assert.ok('error' in powerOnTargets({}, ['10.0.0.1'], []));
  assert.ok('error' in powerOnTargets({ all: true, bmcs: ['10.0.0.1'] }, [], []));
  assert.deepEqual(
    [bootModeFor('uefi'), bootModeFor('bios'), bootModeFor(undefined)],
    ['uefi', 'legacy', 'auto'],
  );

  assert.deepEqual(
    parseClientMessage(
      JSON.stringify({ op: 'action', id: 1, action: { name: 'power-on', bmcs: ['10.0.0.1'], cycle: true } }),
    ),
    {
      op: 'action',
      id: 1,
      action: { name: 'power-on', bmcs: ['10.0.0.1'], all: undefined, cycle: true },
      by: undefined,
    },
  );
  for (const bad of [{ bmcs: 'x' }, { bmcs: [1] }, { bmcs: ['x'.repeat(65)] }, { all: 'yes' }, { cycle: 1 }])
    assert.ok(
      'error' in
        parseClientMessage(JSON.stringify({ op: 'action', id: 1, action: { name: 'power-on', ...bad } })),
      JSON.stringify(bad),
    );

  assert.deepEqual(powerAction('on', [], { bmcs: ['10.0.0.1', '10.0.0.1'] }), {
    name: 'power-on',
    bmcs: ['10.0.0.1'],
    cycle: false,
  });
  assert.deepEqual(powerAction('on', [], { all: true, cycle: true }), {
    name: 'power-on',
    all: true,
    cycle: true,
  });
  assert.throws(() => powerAction('on', [], {}), CliError);
  assert.throws(() => powerAction('on', [], { all: true, bmcs: ['10.0.0.1'] }), /not both/);
  assert.throws(() => powerAction('on', ['52:54:00:00:00:01']), /--mac is for "recon power peers"/);
  assert.throws(() => powerAction('peers', [], { cycle: true }), /are for "recon power on"/);

  // trust: one BMC and a whole SHA-256, in whatever notation the operator copied it
  const fp = 'ab'.repeat(32);
  const FP = Array.from({ length: 32 }, () => 'AB').join(':');
  assert.deepEqual(powerAction('trust', [], { bmcs: ['10.0.0.1'], fingerprint: fp }), {
    name: 'bmc-trust',
    address: '10.0.0.1',
    fingerprint: FP,
  });
  assert.throws(() => powerAction('trust', [], { bmcs: ['10.0.0.1'] }), /--fingerprint/);
  assert.throws(
    () => powerAction('trust', [], { bmcs: ['10.0.0.1', '10.0.0.2'], fingerprint: fp }),
    /one --bmc/,
  );
  assert.throws(
    () => powerAction('trust', [], { bmcs: ['10.0.0.1'], fingerprint: 'ab:cd' }),
    /64 hex digits/,
  );
  assert.throws(() => powerAction('on', [], { all: true, fingerprint: fp }), /is for "recon power trust"/);
  const trust = (action: Record<string, unknown>) =>
    parseClientMessage(JSON.stringify({ op: 'action', id: 2, action: { name: 'bmc-trust', ...action } }));
  assert.deepEqual(trust({ address: '10.0.0.1', fingerprint: fp }), {
    op: 'action',
    id: 2,
    action: { name: 'bmc-trust', address: '10.0.0.1', fingerprint: FP },
    by: undefined,
  });
  for (const bad of [
    { fingerprint: fp },
    { address: '10.0.0.1' },
    { address: '10.0.0.1', fingerprint: `${fp}ab` },
  ])
    assert.ok('error' in trust(bad), JSON.stringify(bad));
});

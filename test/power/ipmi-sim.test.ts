// IpmiClient and bmcPowerOff (through the IPMI driver) against a real BMC simulator (ipmi_sim) on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { IpmiClient } from '../../src/net/bmc/ipmi/ipmitool.js';
import { IpmiError } from '../../src/net/bmc/ipmi/ipmi-result.js';
import { bmcPowerOff } from '../../src/master/power/bmc-poweroff.js';
import { IpmiDriver } from '../../src/net/bmc/ipmi/driver.js';
import { needs } from '../helpers/needs.js';
import { freeUdpPort, startIpmiSim } from './ipmi-sim.js';

const skip = needs({ tools: ['ipmi_sim', 'ipmitool'] });
const PASSWORD = 'Sekr1t-Pw-7731';

function client(port: number, password = PASSWORD, timeoutSeconds = 6, retries = 0): IpmiClient {
  return new IpmiClient(
    { host: '127.0.0.1', port, username: 'admin', password, cipherSuite: 3 },
    { timeoutSeconds, retries },
  );
}

async function failure(p: Promise<unknown>): Promise<IpmiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof IpmiError, `expected IpmiError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

test('soft-off ignored by the guest: soft, grace, then hard off, observed by the BMC', { skip }, async () => {
  const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: false });
  try {
    const steps: string[] = [];
    const r = await bmcPowerOff(new IpmiDriver(client(sim.port)), {
      softOffGraceSeconds: 1.5,
      hardOffWaitSeconds: 5,
      pollMs: 300,
      step: (s, ok, d) => steps.push(`${s}:${ok}:${d ?? ''}`),
    });
    assert.deepEqual(r, { ok: true, how: 'hard' });
    assert.equal(await sim.power(), '0');
    const ev = await sim.events();
    const soft = ev.indexOf('SET shutdown 1');
    const off = ev.indexOf('POWER -> 0');
    assert.ok(soft >= 0 && off > soft, `soft-off before off in ${ev.join(' | ')}`);
    assert.ok(steps.some((s) => s.startsWith('ipmi soft-off:false')));
    assert.ok(steps.some((s) => s.startsWith('ipmi power off:true')));
  } finally {
    await sim.stop();
  }
});

test('soft-off honoured by the guest: no hard off needed', { skip }, async () => {
  const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
  try {
    const c = client(sim.port);
    assert.equal(await c.powerStatus(), 'on');
    const r = await bmcPowerOff(new IpmiDriver(c), {
      softOffGraceSeconds: 5,
      hardOffWaitSeconds: 5,
      pollMs: 200,
      step: () => {},
    });
    assert.deepEqual(r, { ok: true, how: 'soft' });
    const ev = await sim.events();
    assert.ok(!ev.includes('SET power 0'), 'no hard off sent');
    assert.equal(await c.powerStatus(), 'off');
  } finally {
    await sim.stop();
  }
});

test('wrong password is reported as an authentication failure, without retries', { skip }, async () => {
  const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
  try {
    const retried: number[] = [];
    const c = new IpmiClient(
      { host: '127.0.0.1', port: sim.port, username: 'admin', password: 'not-the-password', cipherSuite: 3 },
      { timeoutSeconds: 6, retries: 2, onRetry: (_e, n) => retried.push(n) },
    );
    const e = await failure(c.powerStatus());
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /authentication failed.*RAKP 2 HMAC is invalid/);
    assert.deepEqual(retried, []);
    assert.equal(await sim.power(), '1');
  } finally {
    await sim.stop();
  }
});

test('a closed BMC port is reported as unreachable', { skip }, async () => {
  const port = await freeUdpPort();
  const e = await failure(client(port, PASSWORD, 4).powerStatus());
  assert.equal(e.kind, 'unreachable');
  assert.match(e.message, /BMC unreachable.*presence ping: refused/);
});

test(
  'a BMC that never answers is reported as a timeout, and the password is never in ps',
  { skip },
  async () => {
    // a UDP socket that swallows everything: a BMC that is there but silent
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    try {
      const running = failure(client(port, PASSWORD, 4).powerStatus());
      await sleep(700);
      const ps = (await promisify(execFile)('ps', ['-eo', 'args'])).stdout;
      assert.match(ps, new RegExp(`ipmitool .*-p ${port} .*-E`), 'ipmitool was running during the check');
      assert.ok(!ps.includes(PASSWORD), 'password not in the process listing');
      const e = await running;
      assert.equal(e.kind, 'timeout');
    } finally {
      silent.close();
    }
  },
);

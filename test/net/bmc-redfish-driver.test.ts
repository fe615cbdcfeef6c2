// recon's Redfish driver against the Redfish simulator on loopback, once per vendor profile (iDRAC9, iLO 5/6,
// Supermicro X12/X13, plain): one-time PXE boot then power on, graceful and forced off, identity, sessions
// closed; then the hard cases: a stale ETag (412, one retry), a BMC demanding If-Match (428), task monitors
// (followed, and bounded), wrong credentials, basic auth, a replaced TLS certificate (refused before any
// credentials are sent, until accepted), an endless or oversized answer.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BmcError, CertificateChangedError } from '../../src/net/bmc/driver.js';
import { openBmc } from '../../src/net/bmc/open.js';
import { openRedfish, type RedfishOptions } from '../../src/net/bmc/redfish/driver.js';
import { acceptFingerprint, loadPins } from '../../src/net/bmc/tofu.js';
import { PLAIN, SUPERMICRO_X12, VENDORS } from '../fixtures/bmc/redfish-vendors.js';
import { needs } from '../helpers/needs.js';
import {
  makeCertificate,
  MemoryHost,
  startRedfishSim,
  type RedfishSimOptions,
} from '../helpers/redfish-sim.js';

const skip = needs({ tools: ['openssl'] });
const CREDS = { username: 'admin', password: 'sim-Passw0rd' };
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-redfish-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let stores = 0;
const newStore = () => join(dir, `pins-${++stores}.json`);

async function withSim(
  opts: Partial<RedfishSimOptions>,
  body: (sim: Awaited<ReturnType<typeof startRedfishSim>>, o: RedfishOptions) => Promise<void>,
): Promise<void> {
  const sim = await startRedfishSim({ ...CREDS, ...opts });
  try {
    await body(sim, {
      host: sim.address,
      port: sim.port,
      credentials: CREDS,
      tofuStore: newStore(),
      taskPollMs: 50,
    });
  } finally {
    await sim.stop();
  }
}

async function bmcError(p: Promise<unknown>): Promise<BmcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BmcError, `a BmcError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a BmcError');
}

for (const vendor of VENDORS) {
  test(
    `Redfish driver drives a ${vendor.name}-shaped BMC: PXE once, on, graceful off, force off`,
    { skip },
    async () => {
      const host = new MemoryHost('Off');
      await withSim({ vendor, host }, async (sim, o) => {
        const seen: string[] = [];
        const bmc = await openRedfish({
          ...o,
          onCertificate: (fp, verdict) => seen.push(`${verdict} ${fp}`),
        });
        try {
          assert.deepEqual(seen, [`first-use ${sim.fingerprint}`], 'the fingerprint is shown on first use');
          assert.equal(bmc.fingerprint, sim.fingerprint);
          assert.equal(bmc.system.replace(/\/$/, ''), vendor.systemPath.replace(/\/$/, ''));
          const id = await bmc.identify();
          assert.equal(id.systemId, vendor.expect.systemId);
          assert.equal(id.model, vendor.expect.model);
          assert.deepEqual(id.macs, vendor.expect.macs);
          assert.equal(await bmc.powerState(), 'off');

          await bmc.setOneTimeBoot('pxe', 'uefi');
          assert.deepEqual({ ...sim.boot }, { target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
          await bmc.powerOn();
          assert.equal(await bmc.powerState(), 'on');
          assert.deepEqual(
            host.boots,
            [{ target: 'Pxe', enabled: 'Once', mode: 'UEFI' }],
            'booted once from PXE',
          );
          assert.equal(sim.boot.enabled, 'Disabled', 'the override is used up by that boot');
          await bmc.powerOn(); // already on: nothing sent, no error (BMCs answer this with an error)
          assert.equal(host.boots.length, 1);

          await bmc.gracefulOff();
          assert.equal(await bmc.powerState(), 'off');
          await bmc.powerOn();
          host.ignoresGracefulOff = true;
          await bmc.gracefulOff();
          assert.equal(await bmc.powerState(), 'on', 'a host in firmware ignores the power button');
          await bmc.forceOff();
          assert.equal(await bmc.powerState(), 'off');

          const actionInfoReads = sim.requests.filter((r) => r.path.includes('ActionInfo')).length;
          assert.equal(actionInfoReads, vendor.actionInfo ? 1 : 0, 'an ActionInfo is read once per driver');
          const patches = sim.requests.filter((r) => r.method === 'PATCH');
          if (vendor.etagIn !== 'none')
            assert.ok(
              patches.every((r) => r.ifMatch !== undefined),
              'If-Match sent',
            );
          assert.ok(
            sim.requests
              .filter((r) => !r.path.startsWith('/redfish/v1/SessionService/Sessions'))
              .every((r) => r.path === '/redfish/v1/' || r.auth === 'session'),
          );
          assert.equal(sim.sessions(), 1);
        } finally {
          await bmc.close();
        }
        assert.equal(sim.sessions(), 0, 'the session is deleted at close');
      });
    },
  );
}

test(
  'a stale ETag is answered 412: the driver reads again and retries once; a BMC demanding If-Match gets it',
  { skip },
  async () => {
    let touchNextPatch = 0;
    let simRef: Awaited<ReturnType<typeof startRedfishSim>> | undefined;
    await withSim(
      {
        vendor: SUPERMICRO_X12,
        beforeRequest: (method) => {
          if (method === 'PATCH' && touchNextPatch > 0) {
            touchNextPatch--;
            simRef?.touch();
          }
        },
      },
      async (sim, o) => {
        simRef = sim;
        const bmc = await openRedfish(o);
        try {
          touchNextPatch = 1;
          await bmc.setOneTimeBoot('pxe', 'legacy');
          const statuses = sim.requests.filter((r) => r.method === 'PATCH').map((r) => r.status);
          assert.deepEqual(statuses, [412, 200]);
          assert.equal(sim.boot.mode, 'Legacy');
          touchNextPatch = 2; // changed under it twice: the second 412 is the operator's to see
          const e = await bmcError(bmc.setOneTimeBoot('pxe', 'uefi'));
          assert.equal(e.kind, 'other');
          assert.match(e.message, /ETag supplied did not match/);
        } finally {
          await bmc.close();
        }
      },
    );
  },
);

test('task monitors: a reset answered 202 is followed to its end, and bounded', { skip }, async () => {
  const host = new MemoryHost('Off');
  await withSim({ host, asyncResets: 'always', taskPolls: 2 }, async (sim, o) => {
    const bmc = await openRedfish({ ...o, taskPollMs: 20 });
    try {
      await bmc.powerOn();
      assert.equal(host.state, 'On', 'on once the task is done');
      const monitorPolls = sim.requests.filter((r) => r.path.includes('/TaskMonitors/'));
      assert.deepEqual(
        monitorPolls.map((r) => r.status),
        [202, 202, 204],
      );
    } finally {
      await bmc.close();
    }
  });
  await withSim({ host: new MemoryHost('On'), asyncResets: 'always', taskPolls: 10_000 }, async (_sim, o) => {
    // Retry-After: 1 s from the simulator, so a 2.5 s limit allows two polls at most
    const bmc = await openRedfish({ ...o, taskTimeoutMs: 2500 });
    try {
      const e = await bmcError(bmc.forceOff());
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /still running after 2500 ms/);
    } finally {
      await bmc.close();
    }
  });
});

test(
  'credentials: a wrong password is an auth error with the BMC words; basic auth works without a session',
  { skip },
  async () => {
    await withSim({ host: new MemoryHost('On') }, async (sim, o) => {
      const e = await bmcError(openRedfish({ ...o, credentials: { username: 'admin', password: 'wrong' } }));
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /no valid session/);
      assert.ok(!e.message.includes('wrong'), 'the password is never in a message');
      const bmc = await openRedfish({ ...o, auth: 'basic' });
      try {
        await bmc.forceOff();
        assert.ok(sim.requests.some((r) => r.auth === 'basic' && r.method === 'POST'));
        assert.equal(sim.sessions(), 0);
      } finally {
        await bmc.close();
      }
    });
  },
);

test(
  'refusals carry the BMC @Message.ExtendedInfo; a reset type it does not allow is not sent',
  { skip },
  async () => {
    const readOnlyBoot = {
      ...PLAIN,
      system: {
        ...PLAIN.system,
        Actions: {
          '#ComputerSystem.Reset': {
            target: `${PLAIN.systemPath}/Actions/ComputerSystem.Reset`,
            'ResetType@Redfish.AllowableValues': ['On', 'ForceOff'],
          },
        },
        // no AllowableValues for the target: the driver tries Pxe and this BMC refuses it in its own words
        Boot: { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None' },
      },
    };
    await withSim({ vendor: readOnlyBoot, host: new MemoryHost('On') }, async (sim, o) => {
      const bmc = await openRedfish(o);
      try {
        const e = await bmcError(bmc.gracefulOff());
        assert.equal(e.kind, 'unsupported');
        assert.match(e.message, /no reset type for graceful-off among those allowed: On, ForceOff/);
        assert.ok(!sim.requests.some((r) => r.method === 'POST' && r.path.includes('Reset')));
        const refused = await bmcError(bmc.setOneTimeBoot('pxe', 'legacy'));
        assert.equal(refused.kind, 'refused');
        assert.equal(
          refused.message,
          `BMC 127.0.0.1:${sim.port}: PATCH ${PLAIN.systemPath}: The value "Pxe" for the property ` +
            'BootSourceOverrideTarget is not in the list of acceptable values. (Choose a value from the enumeration ' +
            'list that the implementation can support and resubmit the request if the operation failed.)',
        );
      } finally {
        await bmc.close();
      }
    });
  },
);

test(
  'TOFU: a replaced certificate is refused before any request is sent, until the operator accepts it',
  { skip },
  async () => {
    await withSim({}, async (sim, o) => {
      const first = await openRedfish(o);
      assert.equal((await loadPins(o.tofuStore))[`127.0.0.1:${sim.port}`]?.sha256, sim.fingerprint);
      const oldFp = sim.fingerprint;
      const newFp = await sim.replaceCertificate();
      assert.notEqual(newFp, oldFp);
      const before = sim.requests.length;
      try {
        // the open driver: its next connection shows the new certificate
        const during = await bmcError(first.powerState());
        assert.equal(during.kind, 'certificate-changed');
      } finally {
        await first.close();
      }
      const e = await bmcError(openRedfish(o));
      assert.ok(e instanceof CertificateChangedError, 'the error says what to accept');
      assert.deepEqual([e.endpoint, e.recorded, e.seen], [`127.0.0.1:${sim.port}`, oldFp, newFp]);
      assert.ok(e.message.includes(oldFp) && e.message.includes(newFp), e.message);
      const auto = await bmcError(
        openBmc({ address: o.host, credentials: CREDS, tofuStore: o.tofuStore, redfish: { port: sim.port } }),
      );
      assert.equal(
        auto.kind,
        'certificate-changed',
        'auto never falls back to IPMI over a changed certificate',
      );
      assert.equal(sim.requests.length, before, 'no request (and no credentials) reached the BMC');
      assert.equal((await loadPins(o.tofuStore))[`127.0.0.1:${sim.port}`]?.sha256, oldFp, 'the pin is kept');

      await acceptFingerprint(o.tofuStore, e.endpoint, e.seen);
      const again = await openRedfish(o);
      try {
        assert.equal(await again.powerState(), 'off');
      } finally {
        await again.close();
      }
    });
  },
);

test('openBmc auto picks Redfish where a service root answers', { skip }, async () => {
  await withSim({}, async (sim, o) => {
    const bmc = await openBmc({
      address: o.host,
      driver: 'auto',
      credentials: CREDS,
      tofuStore: o.tofuStore,
      redfish: { port: sim.port },
    });
    try {
      assert.equal(bmc.kind, 'redfish');
      assert.equal(await bmc.powerState(), 'off');
    } finally {
      await bmc.close();
    }
  });
});

test('a BMC that never answers times out; an oversized answer is cut off', { skip }, async () => {
  const { cert, key } = await makeCertificate('127.0.0.1');
  const server = createServer({ cert, key }, (req, res) => {
    if (req.url === '/redfish/v1/') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"RedfishVersion":"1.0.0","pad":"');
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 40; i++) res.write(chunk); // 2.5 MB
      res.end('"}');
    }
    // any other path: never answered
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    const o = { host: '127.0.0.1', port, credentials: CREDS, tofuStore: newStore() };
    const big = await bmcError(openRedfish(o));
    assert.equal(big.kind, 'protocol');
    assert.match(big.message, /larger than 1048576 bytes/);
    const { RedfishTransport } = await import('../../src/net/bmc/redfish/http.js');
    const t = new RedfishTransport({
      host: '127.0.0.1',
      port,
      tofuStore: o.tofuStore,
      timeoutMs: 800,
      maxBodyBytes: 1 << 20,
    });
    const started = Date.now();
    const slow = await bmcError(t.request('GET', '/redfish/v1/Systems'));
    assert.equal(slow.kind, 'timeout');
    assert.ok(Date.now() - started < 10_000);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('an IPv6 BMC: the trust store key is [address]:port, the Host header bracketed', { skip }, async () => {
  await withSim({ address: '::1', host: new MemoryHost('Off') }, async (sim, o) => {
    assert.equal(o.host, '::1');
    const bmc = await openRedfish(o);
    try {
      assert.equal(bmc.address, `[::1]:${sim.port}`);
      await bmc.setOneTimeBoot('pxe', 'auto');
      await bmc.powerOn();
      assert.equal(await bmc.powerState(), 'on');
      assert.deepEqual(Object.keys(await loadPins(o.tofuStore)), [`[::1]:${sim.port}`]);
    } finally {
      await bmc.close();
    }
  });
});

test(
  'a session token that is no plain header value (non-ASCII) is refused as a protocol error',
  { skip },
  async () => {
    const { cert, key } = await makeCertificate('127.0.0.1');
    const server = createServer({ cert, key }, (req, res) => {
      if (req.url === '/redfish/v1/') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(PLAIN.root));
      } else if (req.method === 'POST') {
        res.writeHead(201, {
          'X-Auth-Token': 'tok\u00e9n',
          Location: '/redfish/v1/SessionService/Sessions/1',
        });
        res.end('{}');
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const e = await bmcError(
        openRedfish({ host: '127.0.0.1', port, credentials: CREDS, tofuStore: newStore() }),
      );
      assert.equal(e.kind, 'protocol');
      assert.match(e.message, /X-Auth-Token is not a valid header value/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  },
);

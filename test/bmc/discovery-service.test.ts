// The BMC discovery service on a real state store with a fake probe: every lease to a non-node is probed,
// never more at once than the config allows and never faster than its start rate; a renewal within the
// re-probe time is not probed again; boot clients (nodes) are not probed; only answering addresses become
// bmc.discovered events, and only once while nothing changes; credentials are not used for a device that
// merely answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { parseConfig } from '../../src/model/config/load.js';
import { startBmcDiscovery } from '../../src/master/bmc/discovery.js';
import type { ProbeResult } from '../../src/master/bmc/discovery-rule.js';

const log = pino({ level: 'silent' });

void test('discovery: bounded concurrency and rate, re-probe rule, nodes skipped, answers only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-disc-'));
  const store = await StateStore.open(join(dir, 'data'));
  try {
    const config = parseConfig({
      dataDir: join(dir, 'data'),
      power: { bmcDiscovery: { concurrency: 3, perSecond: 20, reprobeMinutes: 10 } },
    });
    let active = 0;
    let most = 0;
    const starts: number[] = [];
    const probed: string[] = [];
    const probe = async (address: string): Promise<ProbeResult> => {
      starts.push(Date.now());
      probed.push(address);
      most = Math.max(most, ++active);
      await new Promise((r) => setTimeout(r, 60));
      active--;
      // odd last octets answer RMCP
      return { rmcp: Number(address.split('.')[3]) % 2 === 1 };
    };
    let opened = 0;
    const svc = await startBmcDiscovery(
      { config, store, log, flags: { proxyDhcp: false, forceDhcp: false }, version: 't' },
      {
        probe,
        open: () => {
          opened++;
          throw new Error('no driver may be opened for an unvouched BMC');
        },
      },
    );
    const lease = (i: number) =>
      store.emit({
        type: 'lease.granted',
        data: {
          mac: `0c:c4:7a:00:00:${i.toString(16).padStart(2, '0')}`,
          family: 4,
          ip: `192.168.219.${100 + i}`,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
        },
      });
    // a boot client is a node: never probed
    await store.emit({
      type: 'dhcp.discover',
      data: { mac: '52:54:00:00:00:01', family: 4, firmware: 'bios', vendorClass: 'PXEClient' },
    });
    await store.emit({
      type: 'lease.granted',
      data: {
        mac: '52:54:00:00:00:01',
        family: 4,
        ip: '192.168.219.99',
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      },
    });
    for (let i = 1; i <= 12; i++) await lease(i);
    await svc.idle();
    // renewals right away: not probed again
    for (let i = 1; i <= 12; i++) await lease(i);
    await svc.idle();
    await svc.stop();

    assert.equal(probed.length, 12, probed.join(','));
    assert.ok(!probed.includes('192.168.219.99'), 'the node was not probed');
    assert.ok(most <= 3, `at most 3 at once, saw ${most}`);
    const span = Math.max(...starts) - Math.min(...starts);
    assert.ok(span >= (11 * 1000) / 20 - 5, `12 starts at 20/s take at least 550 ms, took ${span}`);
    const found = Object.keys(store.state.bmcs ?? {}).sort();
    assert.deepEqual(found, [
      '192.168.219.101',
      '192.168.219.103',
      '192.168.219.105',
      '192.168.219.107',
      '192.168.219.109',
      '192.168.219.111',
    ]);
    assert.equal(store.state.bmcs?.['192.168.219.101']?.vendor, 'Supermicro', 'the OUI names the vendor');
    assert.equal(opened, 0);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

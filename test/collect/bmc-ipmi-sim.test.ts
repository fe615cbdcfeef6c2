// The collector's BMC step against a live BMC: ipmi_sim on 127.0.0.1 with a configured LAN channel and FRU
// data, and the collector's ipmitool argv prefix pointed at it over RMCP+ (lanplus, -C 3, password through
// IPMI_PASSWORD). On a peer the same step talks to the local /dev/ipmi0; only the transport differs, the
// commands (lan print, mc info, fru print 0) and the parsing are the ones a peer runs. A wrong password must
// leave the BMC fields empty and say why in `tools`, never look like data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateInventory, type Inventory } from '../../src/shared/inventory/index.js';
import { needs } from '../helpers/needs.js';
import { fruImage, startIpmiSim } from '../power/ipmi-sim.js';

const execFileP = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const PASSWORD = 'Bmc-Collect-4711';
const skip = needs({ tools: ['ipmi_sim', 'ipmitool'] });

function lanplus(port: number): string[] {
  return ['ipmitool', '-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E'];
}

/** Runs the collector (the same entry post.tgz runs) with its ipmitool step aimed at the simulator. */
async function collect(port: number, password: string): Promise<{ inv: Inventory; stderr: string }> {
  const r = await execFileP(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'src/collect/bundle-entry.ts'),
      '--dry-run',
      '--lldp-wait',
      '0',
      '--ipmitool',
      lanplus(port).join(' '),
    ],
    { cwd: root, env: { ...process.env, IPMI_PASSWORD: password }, timeout: 120_000, maxBuffer: 64 << 20 },
  );
  return { inv: JSON.parse(r.stdout) as Inventory, stderr: r.stderr };
}

test(
  'collector reads the BMC through ipmitool: address, MAC, gateway, firmware, IPMI version',
  { skip },
  async () => {
    const fru = fruImage(
      { vendor: 'Supermicro', product: 'X11DPi-N', serial: 'ZM19AS000123', part: 'X11DPI-N' },
      {
        vendor: 'Supermicro',
        name: 'SYS-6029P-TR',
        part: 'SYS-6029P-TR',
        version: '1.01',
        serial: 'S349721X9A12345',
      },
    );
    const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true, fru });
    try {
      const env = { ...process.env, IPMI_PASSWORD: PASSWORD };
      for (const set of [
        ['ipsrc', 'static'],
        ['ipaddr', '10.99.0.250'],
        ['netmask', '255.255.255.0'],
        ['macaddr', '52:54:00:aa:bb:cc'],
        ['defgw', 'ipaddr', '10.99.0.1'],
      ]) {
        const [cmd, ...args] = lanplus(sim.port);
        await execFileP(cmd!, [...args, 'lan', 'set', '1', ...set], { env, timeout: 20_000 });
      }

      const { inv } = await collect(sim.port, PASSWORD);
      assert.equal(validateInventory(inv).ok, true);
      assert.deepEqual(inv.bmc, {
        present: true,
        ipv4: '10.99.0.250',
        ipv4Source: 'Static Address',
        netmask: '255.255.255.0',
        gateway: '10.99.0.1',
        mac: '52:54:00:aa:bb:cc',
        ipv6: [],
        firmware: '9.08', // mc_add ... 0x23 9 8: firmware 9.08 as the simulator was told
        ipmiVersion: '2.0',
        manufacturer: 'MontaVista Software, Inc.',
        sel: { total: 0, entries: [] }, // the simulator's event log is empty
      });
      assert.equal(inv.tools['ipmitool-lan']?.status, 'ok');
      assert.equal(inv.tools['ipmitool-mc']?.status, 'ok');
      assert.deepEqual(inv.tools['ipmitool-lan']?.argv, [...lanplus(sim.port), 'lan', 'print']);
      // the builtin FRU device only: read without walking the SDR repository (nothing on stderr)
      assert.deepEqual(inv.tools['ipmitool-fru'], {
        status: 'ok',
        argv: [...lanplus(sim.port), 'fru', 'print', '0'],
        exitCode: 0,
        durationMs: inv.tools['ipmitool-fru']?.durationMs,
      });
      // why not plain `fru`: on a BMC with an empty SDR repository ipmitool erases and rebuilds it
      const [cmd, ...args] = lanplus(sim.port);
      const all = await execFileP(cmd!, [...args, 'fru'], { env, timeout: 20_000 });
      assert.match(all.stdout, /Product Serial +: S349721X9A12345[\s\S]*SDRR successfully erased/);
      assert.ok(!JSON.stringify(inv).includes(PASSWORD), 'the password is not in the inventory');
    } finally {
      await sim.stop();
    }
  },
);

test('a BMC that refuses the password: tools say failed, no BMC field is invented', { skip }, async () => {
  const sim = await startIpmiSim({ password: PASSWORD, softOffWorks: true });
  try {
    const { inv } = await collect(sim.port, 'not-the-password');
    assert.equal(validateInventory(inv).ok, true);
    for (const id of ['ipmitool-lan', 'ipmitool-mc', 'ipmitool-fru']) {
      const t = inv.tools[id];
      assert.equal(t?.status, 'failed', id);
      assert.match(t?.stderr ?? '', /Unable to establish IPMI v2 \/ RMCP\+ session/, id);
    }
    assert.deepEqual(inv.bmc, { present: false, ipv6: [] });
  } finally {
    await sim.stop();
  }
});

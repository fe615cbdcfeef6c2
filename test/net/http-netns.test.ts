// The HTTP service in the master namespace of a NetnsRig, peers uploading with curl across the
// bridge: the source-address rule, and the crash rule — SIGKILL the master during 50 concurrent
// inventory uploads, restart it, and every acknowledged (2xx) inventory is on disk intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/model/config/load.js';
import { StateStore } from '../../src/model/store.js';
import { NetnsRig, RIG_V4, RIG_V6 } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const PEERS = 50;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const macOf = (i: number) => `52:54:00:77:00:${i.toString(16).padStart(2, '0')}`;
const ipOf = (i: number) => `10.99.0.${100 + i}`;

/** Starts the HTTP service alone in the master namespace and waits for its "ready" line. */
async function startMaster(rig: NetnsRig, configPath: string): Promise<ChildProcess> {
  const child = rig.spawn(rig.masterNs, [
    process.execPath,
    '--import',
    'tsx',
    'test/helpers/service-runner.ts',
    'src/net/http/service.ts',
    'startHttp',
    configPath,
  ]);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`master not ready: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`master exited ${code}: ${err}`)));
  });
  return child;
}

/** An inventory of ~200 KB, unique per peer (tool stderr is the bulk), so uploads take a while. */
function inventoryFor(i: number): string {
  const inv = sampleInventory();
  inv.system.serial = `SERIAL-${i}`;
  for (let t = 0; t < 50; t++)
    inv.tools[`tool-${t}`] = {
      status: 'ok',
      argv: ['true'],
      exitCode: 0,
      durationMs: t,
      stderr: `${i}:${t}:`.padEnd(4000, 'x'),
    };
  return JSON.stringify(inv);
}

void test(
  'source rule across the bridge, and SIGKILL during 50 concurrent uploads keeps every acknowledged inventory',
  { skip: needs({ root: true, tools: ['curl'] }), timeout: 120_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-http-ns-'));
    const rig = await NetnsRig.create('http');
    try {
      const peer = await rig.addPeer();
      for (let i = 0; i < PEERS; i++)
        assert.equal(
          (await rig.exec(peer.ns, ['ip', 'addr', 'add', `${ipOf(i)}/24`, 'dev', 'eth0'])).code,
          0,
        );
      const cfg = {
        interface: 'br0',
        dataDir: join(dir, 'data'),
        tftpRoot: join(dir, 'tftp'),
        ipv4: { address: RIG_V4.master, prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
        ipv6: { address: RIG_V6.master },
        http: { roots: { '/install': join(dir, 'install') } },
      };
      const config = parseConfig(cfg);
      const configPath = join(dir, 'recon.json');
      await writeFile(configPath, JSON.stringify(cfg));
      // the leases DHCP would have granted: MAC i holds 10.99.0.(100+i)
      const seed = await StateStore.open(config.dataDir);
      for (let i = 0; i < PEERS; i++)
        await seed.emit({
          type: 'lease.granted',
          data: {
            mac: macOf(i),
            family: 4,
            ip: ipOf(i),
            expiresAt: new Date(Date.now() + 3600e3).toISOString(),
          },
        });
      await seed.close();
      const bodies: string[] = [];
      for (let i = 0; i < PEERS; i++) {
        bodies.push(inventoryFor(i));
        await writeFile(join(dir, `inv-${i}.json`), bodies[i]!);
      }
      const upload = (i: number, from: string, extra: string[] = []) =>
        rig.exec(
          peer.ns,
          [
            'curl',
            '-sS',
            '--interface',
            from,
            '-X',
            'PUT',
            '-H',
            'Content-Type: application/json',
            '--data-binary',
            `@${join(dir, `inv-${i}.json`)}`,
            '-w',
            '\\n%{http_code}',
            ...extra,
            `http://${RIG_V4.master}/api/v1/nodes/${macOf(i)}/inventory`,
          ],
          { timeoutMs: 60_000 },
        );

      let master = await startMaster(rig, configPath);
      // wrong source: peer 1's address uploading for peer 0 → 403, nothing stored
      const wrong = await upload(0, ipOf(1));
      assert.match(wrong.stdout, /\n403$/);
      assert.match(wrong.stdout, /not the address leased to/);
      await assert.rejects(readFile(join(config.dataDir, 'nodes', macOf(0), 'inventory.json')));
      // the right source over IPv4 across the bridge → 200
      const right = await upload(0, ipOf(0));
      assert.match(right.stdout, /\n200$/, right.stdout + right.stderr);

      // 50 concurrent, rate-limited uploads (about 2 s each), started over 2 s; the master dies at 2.2 s
      const results = Array.from({ length: PEERS }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 40)).then(() => upload(i, ipOf(i), ['--limit-rate', '100k'])),
      );
      await new Promise((r) => setTimeout(r, 2200));
      master.kill('SIGKILL');
      const outcomes = await Promise.all(results);
      const acked = new Map<number, string>();
      outcomes.forEach((o, i) => {
        const m = /^(.*)\n(\d{3})$/s.exec(o.stdout);
        if (m?.[2] === '200') acked.set(i, (JSON.parse(m[1]!) as { sha256: string }).sha256);
      });
      t.diagnostic(`acknowledged before the kill: ${acked.size}/${PEERS}`);
      assert.ok(
        acked.size >= 1 && acked.size < PEERS,
        `the kill landed mid-flight (acknowledged ${acked.size}/${PEERS})`,
      );

      master = await startMaster(rig, configPath);
      for (let i = 0; i < PEERS; i++) {
        const nodeDir = join(config.dataDir, 'nodes', macOf(i));
        const names = await readdir(nodeDir).catch(() => [] as string[]);
        // unacknowledged temp files are gone after the restart
        assert.deepEqual(
          names.filter((n) => n.startsWith('.') && n.includes('.tmp-')),
          [],
          `${nodeDir}: ${names.join(',')}`,
        );
        const stored = await readFile(join(nodeDir, 'inventory.json')).catch(() => undefined);
        const ack = acked.get(i);
        if (ack) {
          assert.ok(stored, `acknowledged upload ${i} missing after restart`);
          assert.equal(ack, sha(bodies[i]!));
          assert.equal(sha(stored), ack, `acknowledged upload ${i} damaged`);
        } else if (stored) {
          // stored but the reply was lost in the crash: still never partial
          assert.equal(sha(stored), sha(bodies[i]!), `unacknowledged upload ${i} left partial data`);
        }
      }
      master.kill('SIGTERM');
      await new Promise((r) => master.once('exit', r));
      const after = await StateStore.open(config.dataDir);
      try {
        for (const [i, ack] of acked)
          assert.equal(after.state.nodes[macOf(i)]?.inventory?.sha256, ack, `event for ${i}`);
      } finally {
        await after.close();
      }
    } finally {
      await rig.teardown();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

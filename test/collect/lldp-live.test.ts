// The collector's LLDP step live: two network namespaces joined by a veth pair, a "switch" lldpd sending
// every second with a system name and a port description, and the collector's own receive-only lldpd on
// the peer side. The step returns as soon as the NIC heard its neighbour (long before the wait ends), the
// parser reads the switch name and port, and the switch never hears anything back from the peer.
// (The whole collector only listens on NICs of link type ether, i.e. hardware ports; a veth is not one,
// so the step is driven directly here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLldpctl } from '../../src/collect/parsers/lldp.js';
import type { RawRun } from '../../src/collect/run-tools.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';

const root = new URL('../..', import.meta.url).pathname;
const skip = needs({ root: true, tools: ['ip', 'lldpd', 'lldpctl', 'lldpcli'] });

async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test(
  'LLDP: the neighbour is heard within a second or two, receive-only',
  { skip, timeout: 120_000 },
  async () => {
    const tag = `rl${process.pid % 100000}`;
    const sw = `${tag}s`;
    const peer = `${tag}p`;
    const dir = await mkdtemp(join(tmpdir(), 'recon-lldp-test-'));
    await chmod(dir, 0o755); // lldpd drops privileges and must reach its socket
    const sock = join(dir, 'switch.sock');
    let daemon: ChildProcess | undefined;
    try {
      await must(['ip', 'netns', 'add', sw]);
      await must(['ip', 'netns', 'add', peer]);
      await must([
        'ip',
        'link',
        'add',
        'swp7',
        'netns',
        sw,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        peer,
      ]);
      for (const [ns, dev] of [
        [sw, 'swp7'],
        [peer, 'eth0'],
        [sw, 'lo'],
        [peer, 'lo'],
      ] as const)
        await must(['ip', '-n', ns, 'link', 'set', dev, 'up']);

      daemon = spawn('ip', ['netns', 'exec', sw, 'lldpd', '-d', '-u', sock, '-I', 'swp7'], {
        stdio: 'ignore',
      });
      const cli = ['ip', 'netns', 'exec', sw, 'lldpcli', '-u', sock];
      for (let i = 0; ; i++) {
        if ((await run([...cli, 'show', 'configuration'])).code === 0) break;
        assert.ok(i < 50, 'the switch lldpd did not start');
        await sleep(100);
      }
      await must([...cli, 'configure', 'system', 'hostname', 'leaf-r07']);
      await must([...cli, 'configure', 'ports', 'swp7', 'lldp', 'portdescription', 'Ethernet1/7']);
      await must([...cli, 'configure', 'lldp', 'tx-interval', '1']);

      const script =
        `import { liveSources } from ${JSON.stringify(pathToFileURL(join(root, 'src/collect/collect.ts')).href)};` +
        `const t0 = Date.now(); const r = await liveSources.lldp(['eth0'], 30, 5000);` +
        `process.stdout.write(JSON.stringify({ ms: Date.now() - t0, r }));`;
      const out = await run(
        [
          'ip',
          'netns',
          'exec',
          peer,
          process.execPath,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(out.code, 0, out.stderr);
      const { ms, r } = JSON.parse(out.stdout) as { ms: number; r: RawRun };
      assert.equal(r.exitCode, 0, r.stderr);
      assert.ok(ms < 10_000, `stopped once the NIC heard its neighbour (${ms} ms of 30 s)`);
      const parsed = parseLldpctl(r.stdout);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      const n = parsed.ok ? parsed.value.get('eth0') : undefined;
      assert.equal(n?.systemName, 'leaf-r07');
      assert.equal(n?.portDescription, 'Ethernet1/7');
      assert.match(n?.chassisId ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);

      // receive-only: the switch heard nobody
      const heard = await must([...cli, '-f', 'json', 'show', 'neighbors']);
      const sawPeer = parseLldpctl(heard);
      assert.ok(sawPeer.ok, heard);
      assert.equal(sawPeer.ok && sawPeer.value.size, 0, heard);
    } finally {
      daemon?.kill('SIGTERM');
      if (daemon && daemon.exitCode === null) await new Promise((res) => daemon!.once('exit', res));
      for (const ns of [sw, peer]) {
        for (const pid of (await run(['ip', 'netns', 'pids', ns])).stdout.split('\n').filter(Boolean))
          await run(['kill', pid]);
        await run(['ip', 'netns', 'del', ns]);
      }
      await rm(dir, { recursive: true, force: true });
    }
  },
);

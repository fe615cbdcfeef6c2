// The final power-down end to end, as root, on a real filesystem: a loop-device ext4 mounted as the data
// dir, a real master with the HTTP service, inventories uploaded over the peer API, an upload in flight,
// and `recon power off --yes` through the CLI. The injected power-off command records that it ran last, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile, access, mkdir } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const skip = needs({
  root: true,
  tools: ['losetup', 'mkfs.ext4', 'fsck.ext4', 'mount', 'umount', 'unshare', 'nsenter', 'ss'],
});
const REPO = process.cwd();
// node --import tsx (not the tsx wrapper) so signals reach the process itself
const NODE_TSX = [process.execPath, '--import', 'tsx'];

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function waitLine(child: ChildProcess, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${re} within ${ms} ms; got: ${buf.slice(-500)}`)),
      ms,
    );
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return Promise.race([
    new Promise<number | null>((r) => child.once('exit', (code) => r(code))),
    sleep(ms).then(() => {
      throw new Error('master did not exit');
    }),
  ]);
}

async function recon(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run([...NODE_TSX, join(REPO, 'src/cli.ts'), ...args], { timeoutMs: 90_000 });
}

const MACS = ['52:54:00:00:00:11', '52:54:00:00:00:12'];
const SLOW = '52:54:00:00:00:99';

test(
  'recon power off: waits for the upload, stops services, writes the report, unmounts clean, powers off last',
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-pd-'));
    const img = join(dir, 'stick.img');
    const mnt = join(dir, 'mnt');
    const sock = join(dir, 'control.sock');
    let dev = '';
    let master: ChildProcess | undefined;
    let holder: ChildProcess | undefined;
    try {
      assert.equal((await run(['truncate', '-s', '64M', img])).code, 0);
      assert.equal((await run(['mkfs.ext4', '-q', '-F', img])).code, 0);
      const lo = await run(['losetup', '-f', '--show', img]);
      assert.equal(lo.code, 0, lo.stderr);
      dev = lo.stdout.trim();
      await mkdir(mnt);

      const httpPort = await freeTcpPort();
      const ports = {
        http: httpPort,
        dhcp4: await freeTcpPort(),
        dhcp4Client: await freeTcpPort(),
        proxyDhcp: await freeTcpPort(),
        dns: await freeTcpPort(),
        tftp: await freeTcpPort(),
        dhcp6: await freeTcpPort(),
      };
      // sockets (TCP listening or UDP bound) on any of the master's service ports, as `ss` sees them
      const listening = `ss -Hlntu | grep -cE ':(${Object.values(ports).join('|')})\\b'`;
      const poweroffLog = join(dir, 'poweroff.log');
      const poweroff = join(dir, 'poweroff.sh');
      // records each call, whether the data mount was still mounted and whether any service still listened
      await writeFile(
        poweroff,
        `#!/bin/sh\necho "poweroff mounted=$(grep -c ' ${mnt} ' /proc/self/mountinfo) listening=$(${listening})" >> ${poweroffLog}\n`,
      );
      await chmod(poweroff, 0o755);
      const cfgPath = join(dir, 'recon.json');
      await writeFile(
        cfgPath,
        JSON.stringify({
          interface: 'lo',
          ipv4: { address: '127.0.0.1', prefix: 24, range: ['127.0.0.50', '127.0.0.60'] },
          ipv6: { enabled: false },
          dataDir: join(mnt, 'data'),
          controlSocket: sock,
          http: { roots: {}, trustAnySource: true },
          // every other service on free high ports of lo, the rogue-DHCP guard off: nothing leaves this host
          ports,
          guard: { enabled: false },
          power: { poweroffCommand: [poweroff], uploadWaitSeconds: 20 },
        }),
      );

      // the stick is mounted in a private mount namespace of the master's own: a namespace other processes
      // on this host create later cannot keep a copy of the mount alive after recon unmounts it
      const driver = [...NODE_TSX, join(REPO, 'test/power/master-driver.ts'), cfgPath].join(' ');
      master = spawn(
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', `mount ${dev} ${mnt} && exec ${driver}`],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, RECON_TEST_UPLOAD_MAC: SLOW, RECON_TEST_UPLOAD_MS: '10000' },
        },
      );
      await waitLine(master, /ready/, 30_000);
      assert.ok(await portOpen(httpPort), 'HTTP is serving');
      const before = Number((await run(['sh', '-c', listening])).stdout.trim());
      assert.ok(before >= 3, `DHCP, DNS, TFTP and HTTP sockets are open (${before})`);

      for (const mac of MACS) {
        const inv = sampleInventory();
        const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/nodes/${mac}/inventory`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(inv),
        });
        assert.equal(r.status, 200, await r.text());
      }

      // a process holding a file on the mount: the power-down stops before changing anything and names it
      const inMasterNs = ['nsenter', '-t', String(master.pid), '-m'];
      const notes = join(mnt, 'data', 'notes.txt');
      assert.equal((await run([...inMasterNs, 'sh', '-c', `echo hello > ${notes}`])).code, 0);
      holder = spawn(inMasterNs[0]!, [...inMasterNs.slice(1), 'tail', '-f', notes], { stdio: 'ignore' });
      await sleep(300);
      const busy = await recon(['power', 'off', '--yes', '--socket', sock]);
      assert.equal(busy.code, 1, busy.stdout + busy.stderr);
      assert.match(busy.stderr, new RegExp(`pid ${holder.pid} \\(tail -f [^)]*notes.txt\\)`));
      assert.ok(await portOpen(httpPort), 'services still up after the refusal');
      holder.kill();
      await new Promise((r) => holder!.once('exit', r));

      // an upload in flight: the power-down waits for it with a countdown
      const started = waitLine(master, /upload started/, 5000);
      master.kill('SIGUSR2');
      await started;
      const t0 = Date.now();
      const off = await recon(['power', 'off', '--yes', '--socket', sock]);
      const took = Date.now() - t0;
      assert.equal(off.code, 0, off.stdout + off.stderr);
      assert.match(off.stderr, /waiting for 1 upload\(s\) to finish: \d+ s left \(52:54:00:00:00:99\)/);
      assert.match(off.stderr, /network services stopped/);
      assert.match(off.stderr, /unmounted /);
      assert.match(off.stderr, /fsck -n \/dev\/loop\d+: clean/);
      assert.ok(took >= 2000, `waited for the upload (${took} ms)`);
      assert.match(off.stdout, /data safe on \/dev\/loop/);

      assert.equal(await exited(master, 10_000), 0);
      assert.equal(await portOpen(httpPort), false, 'HTTP port closed');
      assert.equal(
        (await readFile(poweroffLog, 'utf8')).trim(),
        'poweroff mounted=0 listening=0',
        'power-off ran once, after the unmount and after every service closed its sockets',
      );
      const fsck = await run(['fsck.ext4', '-n', '-f', dev]);
      assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);

      // everything is there when the stick is mounted again
      const again = await run(['mount', '-o', 'ro', dev, mnt]);
      assert.equal(again.code, 0, again.stderr);
      const data = join(mnt, 'data');
      for (const mac of [...MACS, SLOW]) await access(join(data, 'nodes', mac, 'inventory.json'));
      const events = (await readFile(join(data, 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
      for (const mac of [...MACS, SLOW])
        assert.ok(
          events.some((e) => e.type === 'inventory.stored' && e.data.mac === mac),
          `inventory.stored ${mac}`,
        );
      assert.ok(
        events.some((e) => e.type === 'service' && e.data.service === 'http' && e.data.state === 'down'),
      );
      assert.ok(events.some((e) => e.type === 'power.step' && e.data.step === 'report written'));
      const report = JSON.parse(await readFile(join(data, 'report.json'), 'utf8')) as {
        rows: { mac: string }[];
      };
      assert.deepEqual(report.rows.map((r) => r.mac).sort(), [...MACS, SLOW].sort());
      const html = await readFile(join(data, 'report.html'), 'utf8');
      assert.match(html, /<div id="fleet" role="table">/);
      for (const mac of [...MACS, SLOW]) assert.ok(html.includes(mac), `${mac} in report.html`);
      assert.equal(
        (await readFile(join(data, 'report.csv'), 'utf8')).split('\r\n').filter(Boolean).length,
        4,
      );
      assert.match(await readFile(join(data, 'recon.log'), 'utf8'), /power-down step/);
    } finally {
      holder?.kill();
      if (master && master.exitCode === null) {
        master.kill('SIGKILL');
        await new Promise((r) => master!.once('exit', r));
      }
      await run(['umount', mnt]);
      if (dev) await run(['losetup', '-d', dev]);
      await rm(dir, { recursive: true, force: true });
    }
  },
);

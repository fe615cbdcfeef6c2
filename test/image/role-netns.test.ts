// The role step for real, inside network namespaces: the overlay's recon-role script runs the role decision
// (src/image/role.ts) in a "stick" namespace with two NICs, one without link; the master address must land on
// the NIC with link (or the one named by MAC), be reachable from the segment, and no NIC may be renamed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsRig, run, RIG_V4 } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';

const REPO = new URL('../../', import.meta.url).pathname;
const ROLE_SCRIPT = join(REPO, 'overlay-root/usr/lib/recon/recon-role');
const FIXTURES = join(REPO, 'test/fixtures/image');
const skip = needs({ root: true, tools: ['ip', 'busybox'] });
const MASTER_IP = '10.99.0.2';

let rig: NetnsRig;
let stick = '';
let dir = '';
const macs: Record<string, string> = {};

void before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'recon-role-'));
  rig = await NetnsRig.create('role');
  stick = await rig.addNamespace('s');
  // e0 first (lower ifindex) but its far end stays down: no carrier; e1's far end is on the rig's bridge
  for (const [n, up] of [
    [0, false],
    [1, true],
  ] as const) {
    const r = await run([
      'ip',
      'link',
      'add',
      `e${n}`,
      'netns',
      stick,
      'type',
      'veth',
      'peer',
      'name',
      `xs${n}`,
      'netns',
      rig.masterNs,
    ]);
    assert.equal(r.code, 0, r.stderr);
    if (up) {
      await rig.exec(rig.masterNs, ['ip', 'link', 'set', `xs${n}`, 'master', 'br0']);
      await rig.exec(rig.masterNs, ['ip', 'link', 'set', `xs${n}`, 'up']);
    }
    const show = await rig.exec(stick, ['cat', `/sys/class/net/e${n}/address`]);
    macs[`e${n}`] = show.stdout.trim();
  }
});
void after(async () => {
  if (skip) return;
  await rig.teardown();
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  run: string;
  systemctl: string;
}

/** Runs the overlay's role script in the stick namespace with its own run dir, config and command line. */
async function roleStep(name: string, cmdline: string): Promise<Outcome> {
  const base = join(dir, name);
  const runDir = join(base, 'run');
  await mkdir(base, { recursive: true });
  await writeFile(join(base, 'cmdline'), cmdline);
  await writeFile(
    join(base, 'recon.json'),
    JSON.stringify({
      interface: 'auto',
      ipv4: { address: MASTER_IP, prefix: 24, range: ['10.99.0.50', '10.99.0.60'] },
      ipv6: { address: 'fd99::2', prefix: 64 },
      dataDir: join(base, 'export/nodes'),
      http: { roots: { '/install': join(base, 'export/install') } },
      consoles: { tty1: 'interactive', ttyUSB77: 'read-only' },
    }),
  );
  const recorder = join(base, 'systemctl');
  await writeFile(recorder, `#!/bin/sh\necho "$*" >> ${join(base, 'systemctl.log')}\n`, { mode: 0o755 });
  const env = {
    RECON_RUN_DIR: runDir,
    RECON_CMDLINE: join(base, 'cmdline'),
    RECON_CONFIG: join(base, 'recon.json'),
    RECON_SYSTEMCTL: recorder,
    RECON_SANDBOX: '1',
    RECON_ROLE_CMD: `${process.execPath} --import ${import.meta.resolve('tsx')} ${join(REPO, 'src/image/role.ts')}`,
  };
  const r = await rig.exec(stick, ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ROLE_SCRIPT], {
    timeoutMs: 60_000,
  });
  const systemctl = await readFile(join(base, 'systemctl.log'), 'utf8').catch(() => '');
  return { ...r, run: runDir, systemctl };
}

const addrs = async (ifname: string) =>
  (await rig.exec(stick, ['ip', '-br', 'addr', 'show', 'dev', ifname])).stdout;
const linkUp = async (ifname: string) =>
  /\bUP\b/.test((await rig.exec(stick, ['ip', '-br', 'link', 'show', 'dev', ifname])).stdout);
const reset = async () => {
  for (const n of ['e0', 'e1']) {
    await rig.exec(stick, ['ip', 'addr', 'flush', 'dev', n]);
    await rig.exec(stick, ['ip', 'link', 'set', n, 'down']);
  }
};

void test(
  'master from USB: the address lands on the NIC with link, reachable from the segment',
  { skip },
  async () => {
    await reset();
    const cmdline = await readFile(join(FIXTURES, 'cmdline-master-usb.txt'), 'utf8');
    const r = await roleStep('auto', cmdline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`role=master interface=e1 \\(${macs.e1}, first Ethernet NIC with link\\)`),
    );
    assert.match(await addrs('e1'), new RegExp(`${MASTER_IP}/24 .*fd99::2/64`));
    assert.doesNotMatch(await addrs('e0'), /10\.99/);
    assert.equal(await linkUp('e0'), false, 'the NIC not chosen is down again');
    // both NICs keep their kernel names
    const names = (await rig.exec(stick, ['ls', '/sys/class/net'])).stdout
      .split(/\s+/)
      .filter(Boolean)
      .sort();
    assert.deepEqual(names, ['e0', 'e1', 'lo']);
    const ping = await rig.exec(rig.masterNs, ['busybox', 'ping', '-c', '1', '-W', '2', MASTER_IP]);
    assert.equal(ping.code, 0, `${RIG_V4.master} reaches the master: ${ping.stdout}`);
    const ra = await rig.exec(stick, ['cat', '/proc/sys/net/ipv6/conf/e1/accept_ra']);
    assert.equal(ra.stdout.trim(), '0');

    const runtime = JSON.parse(await readFile(join(r.run, 'recon.json'), 'utf8')) as { interface: string };
    assert.equal(runtime.interface, 'e1');
    await stat(join(r.run, 'role.master'));
    await assert.rejects(stat(join(r.run, 'role.peer')));
    assert.match(await readFile(join(r.run, 'console/tty1.env'), 'utf8'), /^RECON_CONSOLE_ARGS=''$/m);
    assert.match(r.systemctl, /^mask --runtime --quiet getty@tty1\.service$/m);
    assert.match(r.systemctl, /^start --no-block recon-console@tty1\.service$/m);
    assert.doesNotMatch(r.systemctl, /ttyUSB77/);
    assert.match(r.stdout, /console ttyUSB77: no such terminal, skipped/);
    await stat(join(dir, 'auto/export/nodes'));
  },
);

void test('master NIC by MAC (recon.interface=) even without link', { skip }, async () => {
  await reset();
  const r = await roleStep(
    'bymac',
    `root=live:CDLABEL=RECON rd.live.image recon.interface=${macs.e0?.toUpperCase()}`,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`interface=e0 \\(${macs.e0}, by MAC ${macs.e0}\\)`));
  assert.match(await addrs('e0'), new RegExp(`${MASTER_IP}/24`));
  assert.doesNotMatch(await addrs('e1'), /10\.99/);
});

void test('peer (pxeaddr=): no address, no master files, no consoles', { skip }, async () => {
  await reset();
  const r = await roleStep('peer', await readFile(join(FIXTURES, 'cmdline-peer-menu.txt'), 'utf8'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /role=peer pxeaddr=192\.168\.219\.1/);
  const env = await readFile(join(r.run, 'role.env'), 'utf8');
  assert.match(env, /^RECON_PXEADDR='192\.168\.219\.1'$/m);
  assert.match(env, /^RECON_MAC='52:54:00:12:34:62'$/m);
  await stat(join(r.run, 'role.peer'));
  await assert.rejects(stat(join(r.run, 'role.master')));
  await assert.rejects(stat(join(r.run, 'recon.json')));
  assert.equal(r.systemctl, '');
  for (const n of ['e0', 'e1']) assert.doesNotMatch(await addrs(n), /10\.99/);
  assert.match(r.stdout, /boot NIC not found \(BOOTIF 52:54:00:12:34:62\)/);
});

void test('peer: the NIC named by BOOTIF is found by MAC, to be kept leased', { skip }, async () => {
  await reset();
  const bootif = `01-${(macs.e1 ?? '').replace(/:/g, '-')}`;
  const r = await roleStep(
    'peer-bootif',
    `root=live:http://10.99.0.1/install/recon/recon.iso BOOTIF=${bootif} pxeaddr=10.99.0.1`,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(await readFile(join(r.run, 'role.env'), 'utf8'), /^RECON_INTERFACE='e1'$/m);
  assert.match(r.stdout, /peer: boot NIC e1 \(sandbox: no DHCP client\)/);
});

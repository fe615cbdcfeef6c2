// Every shell script of the image (make-recipe-target, its helpers, the descriptions' config.sh, the
// overlay's boot scripts) passes shellcheck, and the overlay is consistent: the default config is valid for
// recon, every unit's program is in the overlay, the enabled-unit list names units that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { parseConfig } from '../../src/model/config/load.js';

const REPO = new URL('../../', import.meta.url).pathname;
const OVERLAY = join(REPO, 'overlay-root');
const UNITS = join(OVERLAY, 'usr/lib/systemd/system');

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'builds') out.push(...(await files(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function shellScripts(): Promise<string[]> {
  const all = [...(await files(join(REPO, 'kiwi-description'))), ...(await files(OVERLAY))];
  const scripts: string[] = [];
  for (const f of all) if (/^#!\/bin\/(ba)?sh\b/.test(await readFile(f, 'utf8'))) scripts.push(f);
  return scripts.sort();
}

void test(
  'shellcheck passes on every script, and every script is executable',
  { skip: needs({ tools: ['shellcheck'] }) },
  async () => {
    const scripts = await shellScripts();
    const names = scripts.map((s) => relative(REPO, s));
    for (const must of [
      'kiwi-description/make-recipe-target',
      'kiwi-description/lib/kiwi-build',
      'kiwi-description/descriptions/debian-12/config.sh',
      'kiwi-description/descriptions/suse-leap-15.6/config.sh',
      'overlay-root/usr/lib/recon/recon-role',
      'overlay-root/usr/lib/recon/recon-peer-run',
      'overlay-root/usr/bin/recon',
    ])
      assert.ok(names.includes(must), `${must} is checked`);
    const r = await run(['shellcheck', '-x', ...scripts], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const s of scripts)
      assert.ok(((await stat(s)).mode & 0o111) !== 0, `${relative(REPO, s)} is executable`);
  },
);

void test('the image default config is a valid recon config that picks the NIC automatically', async () => {
  const raw: unknown = JSON.parse(await readFile(join(OVERLAY, 'etc/recon/recon.json'), 'utf8'));
  const config = parseConfig(raw, 'overlay-root/etc/recon/recon.json');
  assert.equal(config.interface, 'auto');
  assert.deepEqual(config.consoles, { tty1: 'interactive', ttyS0: 'interactive', ttyS1: 'read-only' });
});

void test('units: programs exist in the overlay, enabled units exist, role gates master/peer/console', async () => {
  const units = (await readdir(UNITS)).sort();
  assert.deepEqual(units, [
    'recon-console@.service',
    'recon-master.service',
    'recon-peer.service',
    'recon-role.service',
  ]);
  for (const u of units) {
    const text = await readFile(join(UNITS, u), 'utf8');
    for (const m of text.matchAll(/^ExecStart=-?(\S+)/gm)) {
      const program = m[1] ?? '';
      await stat(join(OVERLAY, program)).catch(() => assert.fail(`${u}: ${program} is not in overlay-root`));
    }
  }
  const enabled = (await readFile(join(OVERLAY, 'usr/lib/recon/services'), 'utf8'))
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(enabled, [
    'recon-role.service',
    'recon-master.service',
    'recon-peer.service',
    'lldpd.service',
  ]);
  for (const u of enabled.filter((e) => e.startsWith('recon-'))) assert.ok(units.includes(u), u);
  const gate = async (u: string) => readFile(join(UNITS, u), 'utf8');
  assert.match(await gate('recon-master.service'), /^ConditionPathExists=\/run\/recon\/role\.master$/m);
  assert.match(await gate('recon-peer.service'), /^ConditionPathExists=\/run\/recon\/role\.peer$/m);
  const consoleUnit = await gate('recon-console@.service');
  assert.match(consoleUnit, /^ConditionPathExists=\/run\/recon\/role\.master$/m);
  assert.match(consoleUnit, /^Conflicts=getty@%i\.service serial-getty@%i\.service$/m);
});

void test('no private keys, no passwordless sudo, no disabled host key checking in the image', async () => {
  const all = [...(await files(OVERLAY)), ...(await files(join(REPO, 'kiwi-description')))];
  for (const f of all) {
    const text = await readFile(f, 'utf8');
    const where = relative(REPO, f);
    assert.doesNotMatch(text, /BEGIN [A-Z ]*PRIVATE KEY/, where);
    assert.doesNotMatch(text, /NOPASSWD/, where);
    assert.doesNotMatch(text, /StrictHostKeyChecking\s*=?\s*no/i, where);
    assert.ok(!/sudoers|\.ssh\//.test(where), `${where}: no sudoers or ssh files`);
  }
});

/**
 * `systemd-analyze verify` over the units in a root made of the host's own units and the overlay, so the
 * programs and dependencies they name are checked as the image will have them. `extra` adds a unit.
 */
async function verifyUnits(extra?: { name: string; text: string }): Promise<{ code: number; out: string }> {
  const root = await mkdtemp(join(tmpdir(), 'recon-units-'));
  try {
    await cp('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    await cp(OVERLAY, root, { recursive: true });
    const names = (await readdir(UNITS)).map((u) => (u.endsWith('@.service') ? u.replace('@', '@ttyS0') : u));
    if (extra) {
      await writeFile(join(root, 'usr/lib/systemd/system', extra.name), extra.text);
      names.push(extra.name);
    }
    const r = await run(['systemd-analyze', 'verify', `--root=${root}`, ...names], { timeoutMs: 60_000 });
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

void test(
  'systemd-analyze verify passes on every unit, and fails on a broken one',
  { skip: needs({ tools: ['systemd-analyze'] }) },
  async () => {
    const ok = await verifyUnits();
    assert.equal(ok.code, 0, ok.out);
    assert.equal(ok.out.trim(), '', `no warnings: ${ok.out}`);
    // the check can fail: a unit with an unknown setting and a program the image does not have
    const broken = await verifyUnits({
      name: 'recon-broken.service',
      text: '[Service]\nType=sometimes\nExecStart=/usr/bin/recon-missing\n',
    });
    assert.match(broken.out, /recon-broken\.service/);
  },
);

void test('units follow the distribution conventions: master is Type=notify, sandboxed where the role allows', async () => {
  const unit = async (u: string) => readFile(join(UNITS, u), 'utf8');
  const master = await unit('recon-master.service');
  assert.match(master, /^Type=notify$/m);
  assert.match(master, /^LimitNOFILE=\d+$/m);
  assert.match(master, /^CapabilityBoundingSet=CAP_/m);
  // its unmount at the final power-down must reach the system: no private mount namespace
  assert.doesNotMatch(master, /^(ProtectSystem|ProtectHome|PrivateTmp)=/m);
  const console = await unit('recon-console@.service');
  assert.match(console, /^CapabilityBoundingSet=$/m);
  for (const u of ['recon-console@.service', 'recon-peer.service']) {
    const text = await unit(u);
    for (const k of ['ProtectSystem=full', 'ProtectHome=yes', 'PrivateTmp=yes'])
      assert.ok(text.includes(`\n${k}\n`), `${u}: ${k}`);
  }
  for (const u of await readdir(UNITS)) {
    const text = await unit(u);
    assert.doesNotMatch(text, /systemd-udev-settle/, `${u} does not wait for all of udev`);
    for (const m of text.matchAll(/^ExecStart=-?(\S+)/gm))
      assert.match(m[1] ?? '', /^\/usr\/(bin|lib\/recon)\//, `${u}: ${m[1]}`);
  }
});

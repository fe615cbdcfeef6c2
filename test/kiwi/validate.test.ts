// Offline validation of every description and profile with Debian's kiwi (XSLT upgrade + RelaxNG +
// Schematron), run inside an empty network namespace to prove nothing is fetched; broken copies fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsRig, run } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';

const KIWI_DIR = new URL('../../kiwi-description/', import.meta.url).pathname;
const DESCRIPTIONS = join(KIWI_DIR, 'descriptions');
const PROFILES = ['DracutLive', 'Virtual', 'Disk'];
const skip = needs({ root: true, tools: ['ip', 'kiwi-ng', 'make'] });

let rig: NetnsRig | undefined;
let offline = '';
void before(async () => {
  if (skip) return;
  rig = await NetnsRig.create('kiwi');
  offline = await rig.addNamespace('off'); // only lo: no route anywhere
});
void after(async () => {
  await rig?.teardown();
});

const kiwiInfo = (dir: string, profile: string) =>
  rig!.exec(offline, ['kiwi-ng', '--profile', profile, 'image', 'info', '--description', dir], {
    timeoutMs: 60_000,
  });

void test('the offline namespace has no route out', { skip }, async () => {
  const r = await rig!.exec(offline, ['ip', 'route', 'get', '1.1.1.1']);
  assert.notEqual(r.code, 0);
});

void test('every description + profile validates offline', { skip }, async () => {
  const recipes = (await readdir(DESCRIPTIONS)).sort();
  assert.deepEqual(recipes, ['debian-12', 'suse-leap-15.6']);
  for (const recipe of recipes) {
    for (const profile of PROFILES) {
      const r = await kiwiInfo(join(DESCRIPTIONS, recipe), profile);
      assert.equal(r.code, 0, `${recipe} ${profile}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Selected profiles: ${profile}`));
      assert.match(r.stdout, /"image": "recon"/);
    }
  }
});

void test('make-recipe-target <recipe> validate checks all profiles offline', { skip }, async () => {
  const r = await rig!.exec(offline, [join(KIWI_DIR, 'make-recipe-target'), 'debian-12', 'validate'], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  for (const p of PROFILES) assert.match(r.stdout, new RegExp(`^valid: debian-12 profile ${p}$`, 'm'));
});

void test('the DracutLive type is the dmsquash ISO with a persistent ext4 overlay, no hybrid=, GRUB and Linux on ttyS0', async () => {
  for (const recipe of ['debian-12', 'suse-leap-15.6']) {
    const xml = await readFile(join(DESCRIPTIONS, recipe, 'config.xml'), 'utf8');
    const block = /<preferences profiles="DracutLive">([\s\S]*?)<\/preferences>/.exec(xml)?.[1] ?? '';
    const type = /<type ([^>]*?)\/?>/.exec(block)?.[1] ?? '';
    for (const attr of [
      'image="iso"',
      'flags="dmsquash"',
      'firmware="uefi"',
      'hybridpersistent="true"',
      'hybridpersistent_filesystem="ext4"',
      'mediacheck="false"',
    ])
      assert.ok(type.includes(attr), `${recipe}: ${attr}`);
    assert.doesNotMatch(xml, /\shybrid="/);
    // GRUB's menu reaches a serial operator too
    assert.match(
      block,
      /<bootloader name="grub2" console="[^"]*\bserial\b[^"]*"/,
      `${recipe}: GRUB on serial`,
    );
    // Linux keeps only the first console= of each driver: a second ttyS would never see the boot
    const serial = /kernelcmdline="([^"]*)"/.exec(type)?.[1]?.match(/console=ttyS\d/g) ?? [];
    assert.deepEqual(serial, ['console=ttyS0'], `${recipe}: one serial console, ttyS0`);
  }
});

void test('every profile boots under UEFI Secure Boot: firmware="uefi" and the signed shim, GRUB and kernel', async () => {
  // KIWI's uefi firmware puts the distribution's shim on the EFI boot path and the signed GRUB behind it
  const signed: Record<string, string[]> = {
    'debian-12': ['shim-signed', 'grub-efi-amd64-signed', 'linux-image-amd64'],
    'suse-leap-15.6': ['shim', 'grub2-x86_64-efi', 'kernel-default'],
  };
  for (const [recipe, packages] of Object.entries(signed)) {
    const xml = await readFile(join(DESCRIPTIONS, recipe, 'config.xml'), 'utf8');
    const firmwares = [...xml.matchAll(/<type [^>]*\bfirmware="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(firmwares, ['uefi', 'uefi', 'uefi'], `${recipe}: every profile's type`);
    const common = /<packages type="image">([\s\S]*?)<\/packages>/.exec(xml)?.[1] ?? '';
    for (const name of packages)
      assert.match(common, new RegExp(`<package name="${name}"[ />]`), `${recipe}: ${name} in every image`);
  }
});

void test('broken copies fail validation with the reason', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-kiwi-'));
  try {
    const breakages: Array<[string, (xml: string) => string, RegExp]> = [
      [
        'hybrid',
        (x) => x.replace('flags="dmsquash"', 'flags="dmsquash" hybrid="true"'),
        /Invalid attribute hybrid/,
      ],
      ['flags', (x) => x.replace('flags="dmsquash"', 'flags="dmsquahs"'), /Invalid attribute flags/],
      [
        'schematron',
        (x) => x.replace('image="iso" primary="true"', 'image="oem" primary="true"'),
        /mediacheck|filesystem/,
      ],
    ];
    for (const [name, mutate, want] of breakages) {
      const copy = join(dir, name);
      await cp(join(DESCRIPTIONS, 'debian-12'), copy, { recursive: true });
      const xml = await readFile(join(copy, 'config.xml'), 'utf8');
      const broken = mutate(xml);
      assert.notEqual(broken, xml, `${name}: the mutation applies`);
      await writeFile(join(copy, 'config.xml'), broken);
      const r = await kiwiInfo(copy, 'DracutLive');
      assert.notEqual(r.code, 0, name);
      assert.match(r.stdout + r.stderr, want, name);
      // the repository's own validator reports it too
      const v = await run([join(KIWI_DIR, 'lib', 'kiwi-validate'), copy, 'DracutLive']);
      assert.equal(v.code, 1, name);
      assert.match(v.stderr, new RegExp(`^invalid: ${name} profile DracutLive`));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

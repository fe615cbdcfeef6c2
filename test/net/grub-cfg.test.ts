// The GRUB config of the Secure Boot chain: the same kernel arguments as menu.ipxe (one source), the
// MAC of the client it is generated for instead of iPXE's expansion, no iPXE-only initrd= argument,
// kernel and initrd from the master's TFTP by an explicit device, and words GRUB cannot misparse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelArgs, type MenuInput } from '../../src/net/http/menu.js';
import { GRUB_CFG_NAME, grubWord, renderGrubConfig, renderGrubWait } from '../../src/net/tftp/grub-cfg.js';

const input: MenuInput = {
  baseUrl: 'http://192.168.219.1',
  imagePath: '/install/recon',
  image: { version: '1.2.3', iso: 'recon.x86_64-1.2.3.iso', kernel: 'linux', initrd: 'initrd-1.2.3' },
  consoles: ['tty0', 'ttyS0,115200n8'],
  peer: { powerOffAfterUpload: 'if-bmc', lldpWaitSeconds: 35 },
  extraArgs: ['rd.debug'],
  masterAddress: '192.168.219.1',
  retrySeconds: 10,
};
const MAC = '52:54:00:AB:cd:01';

void test('kernel arguments: GRUB gets the iPXE list with the MAC filled in and without initrd=', () => {
  const ipxe = kernelArgs(input);
  const grub = kernelArgs(input, { kind: 'grub', mac: MAC });
  assert.deepEqual(
    grub,
    ipxe.filter((a) => !a.startsWith('initrd=')).map((a) => a.replace('${mac:hexhyp}', '52-54-00-ab-cd-01')),
  );
  assert.ok(grub.includes('BOOTIF=01-52-54-00-ab-cd-01'));
  assert.ok(grub.includes('pxeaddr=192.168.219.1'));
});

void test('renderGrubConfig: linux + initrd from (tftp,master) under the HTTP image path, then boot', () => {
  const lines = renderGrubConfig({ ...input, mac: MAC }).split('\n');
  const args = kernelArgs(input, { kind: 'grub', mac: MAC }).join(' ');
  assert.ok(lines.includes(`linux (tftp,192.168.219.1)/install/recon/linux ${args}`), lines.join('\n'));
  assert.ok(lines.includes('initrd (tftp,192.168.219.1)/install/recon/initrd-1.2.3'));
  assert.ok(lines.indexOf('boot') > lines.findIndex((l) => l.startsWith('initrd ')));
  // a failed load starts over from the firmware
  assert.deepEqual(lines.slice(-4, -1), [lines.at(-4), 'sleep 10', 'reboot']);
  assert.equal(GRUB_CFG_NAME, 'grub/grub.cfg');
});

void test('grubWord: plain words stay, anything GRUB would expand or split is single-quoted', () => {
  const table: [string, string][] = [
    ['console=ttyS0,115200n8', 'console=ttyS0,115200n8'],
    ['root=live:http://10.0.0.1/install/recon/x.iso', 'root=live:http://10.0.0.1/install/recon/x.iso'],
    ['a b', "'a b'"],
    ['$prefix', "'$prefix'"],
    ["it's", "'it'\\''s'"],
    ['x;reboot', "'x;reboot'"],
    ['${mac}', "'${mac}'"],
  ];
  for (const [word, want] of table) assert.equal(grubWord(word), want, word);
  const cfg = renderGrubConfig({ ...input, mac: MAC, extraArgs: ['x;reboot', 'quiet'] });
  assert.match(cfg, / 'x;reboot' quiet\n/);
});

void test('renderGrubWait: says why and reads grub.cfg again after the retry time', () => {
  const lines = renderGrubWait({
    reason: "no lease for 10.0.0.9; it's new",
    retrySeconds: 10,
    masterAddress: '10.0.0.1',
  }).split('\n');
  assert.ok(
    lines.includes(`echo 'recon: cannot boot yet: no lease for 10.0.0.9; it'\\''s new'`),
    lines.join('\n'),
  );
  assert.ok(lines.includes('sleep 10'));
  assert.ok(lines.includes('configfile (tftp,10.0.0.1)/grub/grub.cfg'));
});

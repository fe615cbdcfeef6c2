// The boot decision as a table: (arch, iPXE?, family) → what the client loads next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideBoot,
  classifyFirmware,
  uefiChains,
  type BootClient,
  type BootServer,
} from '../../src/net/bootfile.js';

const files = { bios: 'undionly.kpxe', efi64: 'ipxe.efi', efi32: 'ipxe32.efi', arm64: 'arm64-efi/ipxe.efi' };
const ipxe = uefiChains('ipxe', { x64: true, arm64: true });
const v4: BootServer = { files, address: '192.168.219.1', httpPort: 80, uefi: ipxe };
const v6: BootServer = { files, address: 'fd52::1', httpPort: 8080, uefi: ipxe };

void test('boot decision table', () => {
  const table: [BootClient, BootServer, string | undefined, string | undefined, string][] = [
    // client, server, bootFile, vendor class, firmware
    [{ arch: 0, ipxe: false, pxe: true, family: 4 }, v4, 'undionly.kpxe', 'PXEClient', 'bios'],
    [{ ipxe: false, pxe: true, family: 4 }, v4, 'undionly.kpxe', 'PXEClient', 'bios'],
    [{ arch: 6, ipxe: false, family: 4 }, v4, 'ipxe32.efi', 'PXEClient', 'uefi'],
    [{ arch: 7, ipxe: false, family: 4 }, v4, 'ipxe.efi', 'PXEClient', 'uefi'],
    [{ arch: 9, ipxe: false, family: 4 }, v4, 'ipxe.efi', 'PXEClient', 'uefi'],
    [{ arch: 11, ipxe: false, family: 4 }, v4, 'arm64-efi/ipxe.efi', 'PXEClient', 'uefi'],
    [{ arch: 16, ipxe: false, family: 4 }, v4, 'http://192.168.219.1/ipxe.efi', 'HTTPClient', 'uefi-http'],
    [
      { arch: 19, ipxe: false, family: 4 },
      v4,
      'http://192.168.219.1/arm64-efi/ipxe.efi',
      'HTTPClient',
      'uefi-http',
    ],
    [{ arch: 0, ipxe: true, family: 4 }, v4, 'http://192.168.219.1/menu.ipxe', undefined, 'ipxe'],
    [{ arch: 7, ipxe: true, family: 4 }, v4, 'http://192.168.219.1/menu.ipxe', undefined, 'ipxe'],
    [{ arch: 7, ipxe: false, family: 6 }, v6, 'tftp://[fd52::1]/ipxe.efi', 'PXEClient', 'uefi'],
    [{ arch: 16, ipxe: false, family: 6 }, v6, 'http://[fd52::1]:8080/ipxe.efi', 'HTTPClient', 'uefi-http'],
    [{ arch: 7, ipxe: true, family: 6 }, v6, 'http://[fd52::1]:8080/menu.ipxe', undefined, 'ipxe'],
  ];
  for (const [client, server, file, vc, fw] of table) {
    const d = decideBoot(client, server);
    const what = JSON.stringify(client);
    assert.equal(d?.bootFile, file, what);
    assert.equal(d?.vendorClass, vc, what);
    assert.equal(d?.firmware, fw, what);
  }
});

void test('no boot file for clients recon cannot boot', () => {
  assert.equal(decideBoot({ ipxe: false, family: 4 }, v4), undefined); // a plain DHCP client
  assert.equal(decideBoot({ arch: 2, ipxe: false, family: 4 }, v4), undefined); // Itanium
  assert.equal(decideBoot({ arch: 0, ipxe: false, family: 6 }, v6), undefined); // BIOS has no IPv6 PXE
  assert.equal(decideBoot({ ipxe: false, family: 6 }, v6), undefined);
});

void test('firmware classification', () => {
  assert.equal(classifyFirmware({ arch: 0, ipxe: false }), 'bios');
  assert.equal(classifyFirmware({ arch: 9, ipxe: false }), 'uefi');
  assert.equal(classifyFirmware({ arch: 16, ipxe: false }), 'uefi-http');
  assert.equal(classifyFirmware({ arch: 16, ipxe: true }), 'ipxe');
  assert.equal(classifyFirmware({ arch: 99, ipxe: false }), 'unknown');
  assert.equal(classifyFirmware({ ipxe: false }), 'unknown');
});

void test('boot.uefi → chains: auto takes shim-grub where the signed files are, never for HTTP boot', () => {
  const table: [Parameters<typeof uefiChains>[0], { x64: boolean; arm64: boolean }, string][] = [
    ['ipxe', { x64: true, arm64: true }, 'ipxe ipxe ipxe'],
    ['shim-grub', { x64: false, arm64: false }, 'shim-grub shim-grub none'],
    ['shim-grub', { x64: true, arm64: true }, 'shim-grub shim-grub none'],
    ['auto', { x64: true, arm64: false }, 'shim-grub ipxe ipxe'],
    ['auto', { x64: false, arm64: true }, 'ipxe shim-grub ipxe'],
    ['auto', { x64: false, arm64: false }, 'ipxe ipxe ipxe'],
  ];
  for (const [setting, signed, want] of table) {
    const c = uefiChains(setting, signed);
    assert.equal(`${c.x64} ${c.arm64} ${c.http}`, want, `${setting} ${JSON.stringify(signed)}`);
  }
});

void test('signed chain: UEFI PXE clients get shim by TFTP (BOOTP file), the rest keep their chain', () => {
  const sb = uefiChains('shim-grub', { x64: true, arm64: true });
  const s4: BootServer = { ...v4, uefi: sb };
  const s6: BootServer = { ...v6, uefi: sb };
  const table: [BootClient, BootServer, string | undefined, string | undefined][] = [
    // client, server, bootFile, chain
    [{ arch: 7, ipxe: false, family: 4 }, s4, 'shimx64.efi', 'shim-grub'],
    [{ arch: 9, ipxe: false, family: 4 }, s4, 'shimx64.efi', 'shim-grub'],
    [{ arch: 11, ipxe: false, family: 4 }, s4, 'shimaa64.efi', 'shim-grub'],
    [{ arch: 7, ipxe: false, family: 6 }, s6, 'tftp://[fd52::1]/shimx64.efi', 'shim-grub'],
    // no signed shim for ia32; BIOS and a client already in iPXE are unchanged
    [{ arch: 6, ipxe: false, family: 4 }, s4, 'ipxe32.efi', 'ipxe'],
    [{ arch: 0, ipxe: false, pxe: true, family: 4 }, s4, 'undionly.kpxe', 'ipxe'],
    [{ arch: 7, ipxe: true, family: 4 }, s4, 'http://192.168.219.1/menu.ipxe', 'ipxe'],
    // HTTP boot under shim-grub: no answer rather than a file a Secure Boot firmware refuses
    [{ arch: 16, ipxe: false, family: 4 }, s4, undefined, undefined],
    [{ arch: 19, ipxe: false, family: 4 }, s4, undefined, undefined],
    [{ arch: 16, ipxe: false, family: 6 }, s6, undefined, undefined],
    // the same clients under iPXE
    [{ arch: 7, ipxe: false, family: 4 }, v4, 'ipxe.efi', 'ipxe'],
    [{ arch: 16, ipxe: false, family: 4 }, v4, 'http://192.168.219.1/ipxe.efi', 'ipxe'],
  ];
  for (const [client, server, file, chain] of table) {
    const d = decideBoot(client, server);
    const what = `${JSON.stringify(client)} ${server.uefi.x64}`;
    assert.equal(d?.bootFile, file, what);
    assert.equal(d?.chain, chain, what);
    if (d?.chain === 'shim-grub') {
      assert.equal(d.via, 'tftp', what);
      assert.equal(d.vendorClass, 'PXEClient', what);
    }
  }
});

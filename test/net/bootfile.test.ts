// The boot decision as a table: (arch, iPXE?, family) → what the client loads next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideBoot, classifyFirmware, type BootClient, type BootServer } from '../../src/net/bootfile.js';

const files = { bios: 'undionly.kpxe', efi64: 'ipxe.efi', efi32: 'ipxe32.efi', arm64: 'arm64-efi/ipxe.efi' };
const v4: BootServer = { files, address: '192.168.219.1', httpPort: 80 };
const v6: BootServer = { files, address: 'fd52::1', httpPort: 8080 };

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

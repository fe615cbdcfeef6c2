// DHCPv4 replies to iPXE: an offer that brings the address and the boot file says `no-pxedhcp` (option 175,
// sub-option 176), so iPXE does not hold it ~3 s waiting for a ProxyDHCP offer; a proxy reply never says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decode, encode } from '../../src/net/dhcp4/codec.js';
import { describeClient } from '../../src/net/dhcp4/client-info.js';
import { buildReply } from '../../src/net/dhcp4/reply.js';
import { IPXE_NO_PXEDHCP, Opt, readSubOptions } from '../../src/net/dhcp4/options.js';
import type { BootDecision } from '../../src/net/bootfile.js';

interface Fixture {
  name: string;
  hex: string;
}
const fixtures = JSON.parse(readFileSync('test/fixtures/dhcp4/captured.json', 'utf8')) as Fixture[];
const packet = (n: string) => decode(Buffer.from(fixtures.find((f) => f.name === n)!.hex, 'hex'));

const menu = { via: 'url', bootFile: 'http://10.99.0.1/menu.ipxe', firmware: 'ipxe' } as BootDecision;
const efi = { via: 'tftp', bootFile: 'ipxe.efi', vendorClass: 'PXEClient', firmware: 'uefi' } as BootDecision;

void test('no-pxedhcp goes to iPXE in an addressed offer only', () => {
  const table: { name: string; fixture: string; boot: BootDecision; yiaddr?: string; noPxeDhcp: boolean }[] =
    [
      {
        name: 'iPXE, full offer',
        fixture: 'udhcpc-ipxe-userclass-discover',
        boot: menu,
        yiaddr: '10.99.0.100',
        noPxeDhcp: true,
      },
      {
        name: 'iPXE (option 175), ACK',
        fixture: 'udhcpc-ipxe-175-request',
        boot: menu,
        yiaddr: '10.99.0.103',
        noPxeDhcp: true,
      },
      {
        name: 'iPXE, proxy offer (no address)',
        fixture: 'udhcpc-ipxe-userclass-discover',
        boot: menu,
        noPxeDhcp: false,
      },
      {
        name: 'EDK2 PXE, full offer',
        fixture: 'udhcpc-uefi-discover',
        boot: efi,
        yiaddr: '10.99.0.101',
        noPxeDhcp: false,
      },
    ];
  for (const row of table) {
    const req = packet(row.fixture);
    const reply = buildReply(req, describeClient(req)!, {
      type: 'OFFER',
      serverId: '10.99.0.1',
      yiaddr: row.yiaddr,
      boot: row.boot,
      nextServer: '10.99.0.1',
    });
    // through the wire format, as the client reads it
    const seen = decode(encode(reply, 1500)).options.get(Opt.ipxeEncap);
    const flag = readSubOptions(seen)?.get(IPXE_NO_PXEDHCP);
    assert.deepEqual(flag, row.noPxeDhcp ? Buffer.from([1]) : undefined, row.name);
  }
});

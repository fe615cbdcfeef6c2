// DHCPv4 codec: round trips over packets captured from real clients (and recon's replies to them),
// option readers, overload/RFC 3396, and malformed input → typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decode, encode, Dhcp4DecodeError, clientMac, type Dhcp4Packet } from '../../src/net/dhcp4/codec.js';
import { describeClient } from '../../src/net/dhcp4/client-info.js';
import { Opt, readSubOptions, readUserClass, readClientArch } from '../../src/net/dhcp4/options.js';

interface Fixture {
  name: string;
  hex: string;
}
const fixtures = JSON.parse(readFileSync('test/fixtures/dhcp4/captured.json', 'utf8')) as Fixture[];
const byName = (n: string): Buffer => Buffer.from(fixtures.find((f) => f.name === n)!.hex, 'hex');

void test('every captured packet decodes, and encode → decode gives the same packet', () => {
  assert.ok(fixtures.length >= 20);
  for (const f of fixtures) {
    const p = decode(Buffer.from(f.hex, 'hex'));
    const again = decode(encode(p, 1500));
    assert.deepEqual(again, p, f.name);
  }
});

void test('what real clients say, read through describeClient', () => {
  const table: [string, Record<string, unknown>][] = [
    [
      'udhcpc-bios-discover',
      {
        mac: '52:54:00:cc:00:00',
        arch: 0,
        firmware: 'bios',
        ipxe: false,
        pxe: true,
        uuid: '11223344-5566-7788-9900-aabbccddeeff',
      },
    ],
    [
      'udhcpc-uefi-discover',
      {
        mac: '52:54:00:cc:00:01',
        arch: 7,
        firmware: 'uefi',
        ipxe: false,
        vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
      },
    ],
    ['udhcpc-ipxe-userclass-discover', { arch: 0, firmware: 'ipxe', ipxe: true, userClass: 'iPXE' }],
    [
      'udhcpc-ipxe-175-request',
      { arch: 7, firmware: 'ipxe', ipxe: true, requestedIp: '10.99.0.103', serverId: '10.99.0.1' },
    ],
    ['dhclient-bios-discover', { mac: '52:54:00:cc:00:04', arch: 0, firmware: 'bios' }],
  ];
  for (const [name, want] of table) {
    const c = describeClient(decode(byName(name)))!;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(c[k as keyof typeof c], v, `${name}.${k}`);
  }
  const rel = decode(byName('dhclient-bios-release'));
  assert.equal(rel.ciaddr, '10.99.0.104');
  assert.equal(rel.options.get(Opt.messageType)?.[0], 7);
});

void test('recon replies carry the boot file in file and option 67, siaddr and the PXE vendor options', () => {
  const ack = decode(byName('recon-reply-to-udhcpc-bios-ack'));
  assert.equal(ack.file, 'undionly.kpxe');
  assert.equal(ack.options.get(Opt.bootfileName)?.toString(), 'undionly.kpxe');
  assert.equal(ack.siaddr, '10.99.0.1');
  assert.equal(ack.options.get(Opt.vendorClass)?.toString(), 'PXEClient');
  assert.deepEqual(readSubOptions(ack.options.get(Opt.vendorSpecific))?.get(6), Buffer.from([8]));
  assert.equal(ack.options.get(Opt.clientUuid)?.toString('hex'), '0011223344556677889900aabbccddeeff');
  const ipxe = decode(byName('recon-reply-to-udhcpc-ipxe-175-ack'));
  assert.equal(ipxe.file, 'http://10.99.0.1:8080/menu.ipxe');
  assert.equal(ipxe.siaddr, '0.0.0.0');
  assert.equal(ipxe.options.has(Opt.vendorSpecific), false);
});

void test('user class: RFC 3004 framing and the plain string iPXE sends', () => {
  assert.deepEqual(readUserClass(Buffer.from('iPXE')), ['iPXE']);
  assert.deepEqual(readUserClass(Buffer.from([4, ...Buffer.from('iPXE'), 3, ...Buffer.from('abc')])), [
    'iPXE',
    'abc',
  ]);
  // a length byte that does not tile the buffer means it was not RFC 3004
  assert.deepEqual(readUserClass(Buffer.from([9, ...Buffer.from('iPXE')])), ['\tiPXE'.replace('\t', '')]);
  assert.equal(readUserClass(Buffer.alloc(0)), undefined);
  assert.deepEqual(readClientArch(Buffer.from([0, 7, 0, 9])), [7, 9]);
  assert.equal(readClientArch(Buffer.from([0])), undefined);
});

function base(): Dhcp4Packet {
  return decode(byName('udhcpc-bios-discover'));
}

void test('long options are split into several instances (RFC 3396) and joined again', () => {
  const p = base();
  const long = Buffer.alloc(600, 0x41);
  p.options.set(Opt.relayAgentInfo, long);
  const wire = encode(p, 1500);
  let count = 0;
  for (let i = 240; i < wire.length && wire[i] !== 255; i += wire[i] === 0 ? 1 : 2 + wire[i + 1]!)
    if (wire[i] === 82) count++;
  assert.equal(count, 3);
  assert.deepEqual(decode(wire).options.get(Opt.relayAgentInfo), long);
});

void test('options overflow into file and sname with option 52 when the packet is small', () => {
  const p = base();
  p.options.set(Opt.relayAgentInfo, Buffer.alloc(250, 1));
  p.options.set(Opt.hostname, Buffer.alloc(100, 0x62));
  p.options.set(Opt.domainName, Buffer.alloc(50, 0x63));
  const wire = encode(p, 576);
  assert.equal(wire.length, 576);
  assert.equal(wire[240], Opt.overload);
  assert.equal(wire[242], 3);
  const back = decode(wire);
  assert.deepEqual(back.options.get(Opt.relayAgentInfo), Buffer.alloc(250, 1));
  assert.deepEqual(back.options.get(Opt.domainName), Buffer.alloc(50, 0x63));
  assert.equal(back.file, '');
  assert.throws(
    () => encode({ ...p, options: new Map([[Opt.hostname, Buffer.alloc(2000)]]) }, 576),
    RangeError,
  );
});

void test('a hand-made overloaded packet (options in file and sname) decodes', () => {
  const p = Buffer.from(byName('udhcpc-bios-discover'));
  const opts = 240;
  p[opts] = 53;
  p[opts + 1] = 1;
  p[opts + 2] = 1;
  p[opts + 3] = 52;
  p[opts + 4] = 1;
  p[opts + 5] = 3;
  p[opts + 6] = 255;
  Buffer.from([12, 3, 0x61, 0x62, 0x63, 255]).copy(p, 108); // file: hostname "abc"
  Buffer.from([12, 2, 0x64, 0x65, 255]).copy(p, 44); // sname: a second instance, appended (RFC 3396)
  const d = decode(p);
  assert.equal(d.options.get(Opt.hostname)?.toString(), 'abcde');
  assert.equal(d.file, '');
  assert.equal(d.sname, '');
});

void test('malformed packets give typed errors, never anything else', () => {
  const good = byName('udhcpc-bios-discover');
  const cases: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'short'],
    ['header only', good.subarray(0, 239), 'short'],
    ['op 3', Buffer.concat([Buffer.from([3]), good.subarray(1)]), 'bad-op'],
    ['hlen 17', Buffer.from(good).fill(17, 2, 3), 'bad-hlen'],
    ['no cookie', Buffer.from(good).fill(0, 236, 240), 'no-cookie'],
    [
      'option runs past the end',
      Buffer.concat([good.subarray(0, 240), Buffer.from([53, 1, 1, 60, 40, 1, 2])]),
      'truncated-option',
    ],
    [
      'option without length',
      Buffer.concat([good.subarray(0, 240), Buffer.from([53, 1, 1, 60])]),
      'truncated-option',
    ],
    [
      'bad overload',
      Buffer.concat([good.subarray(0, 240), Buffer.from([53, 1, 1, 52, 1, 9, 255])]),
      'bad-overload',
    ],
    ['no message type', Buffer.concat([good.subarray(0, 240), Buffer.from([255])]), 'no-message-type'],
  ];
  for (const [name, buf, code] of cases) {
    assert.throws(
      () => decode(buf),
      (e: unknown) => e instanceof Dhcp4DecodeError && e.code === code,
      name,
    );
  }
  // every truncation of a real packet is either decodable or a typed error
  for (let n = 0; n < good.length; n++) {
    try {
      decode(good.subarray(0, n));
    } catch (e) {
      assert.ok(e instanceof Dhcp4DecodeError, `truncated to ${n}: ${String(e)}`);
    }
  }
});

void test('clientMac: only Ethernet chaddr', () => {
  const p = base();
  assert.equal(clientMac(p), '52:54:00:cc:00:00');
  assert.equal(clientMac({ ...p, htype: 6 }), undefined);
  assert.equal(clientMac({ ...p, hlen: 8 }), undefined);
});

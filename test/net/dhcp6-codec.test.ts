// DHCPv6 codec: round trips over packets captured from dhclient -6 and dnsmasq, field checks,
// malformed variants → typed errors, and a mutation fuzz (decode never throws anything else, and
// whatever decodes re-encodes to the same bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeDhcp6,
  encodeDhcp6,
  messageTypeName,
  MessageType,
  type Dhcp6Message,
} from '../../src/net/dhcp6/codec.js';
import { Dhcp6DecodeError } from '../../src/net/dhcp6/errors.js';
import { findOption, findOptions } from '../../src/net/dhcp6/options.js';
import { macFromDuid, macFromEui64, parseDuid, duidLlFromMac } from '../../src/net/dhcp6/duid.js';
import { unwrapRelays, wrapForRelays } from '../../src/net/dhcp6/client-info.js';

interface Frame {
  frame: number;
  message: string;
  hex: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/dhcp6/dhclient-dnsmasq.json', import.meta.url), 'utf8'),
) as {
  frames: Frame[];
};
const frames = fixture.frames.map((f) => ({ ...f, buf: Buffer.from(f.hex, 'hex') }));
const frame = (n: number) => frames.find((f) => f.frame === n)!.buf;

void test('every captured frame decodes to its message type and re-encodes byte for byte', () => {
  assert.equal(frames.length, 14);
  for (const f of frames) {
    const m = decodeDhcp6(f.buf);
    assert.equal(
      messageTypeName(m.type)?.replace('_', '-').toLowerCase(),
      f.message.toLowerCase(),
      `frame ${f.frame}`,
    );
    assert.deepEqual(encodeDhcp6(m), f.buf, `frame ${f.frame}`);
  }
});

void test('dhclient SOLICIT: DUID-LLT with the MAC, IA_NA, ORO, client arch 7, elapsed time', () => {
  const m = decodeDhcp6(frame(1));
  assert.ok(m.type === MessageType.SOLICIT && 'transactionId' in m);
  assert.equal(m.transactionId, 0x023e3c);
  const cid = findOption(m.options, 'clientId')!;
  assert.deepEqual(parseDuid(cid.duid), {
    type: 'llt',
    hwType: 1,
    time: 0x329978f3,
    linkLayer: Buffer.from('525400123456', 'hex'),
  });
  assert.equal(macFromDuid(cid.duid), '52:54:00:12:34:56');
  assert.deepEqual(findOption(m.options, 'oro')?.codes, [59, 23, 24]);
  assert.deepEqual(findOption(m.options, 'clientArch')?.archs, [7]);
  assert.equal(findOption(m.options, 'elapsedTime')?.centiseconds, 0);
  const ia = findOption(m.options, 'iaNa')!;
  assert.deepEqual([ia.iaid, ia.t1, ia.t2, ia.options.length], [0x00123456, 3600, 5400, 0]);
});

void test('dnsmasq ADVERTISE: address, lifetimes, top-level status, preference, DNS, boot URL', () => {
  const m = decodeDhcp6(frame(2));
  const ia = findOption(m.options, 'iaNa')!;
  const a = findOption(ia.options, 'iaAddr')!;
  assert.deepEqual([a.address, a.preferred, a.valid], ['fd99::1d70', 3600, 3600]);
  assert.deepEqual(findOption(m.options, 'statusCode'), {
    kind: 'statusCode',
    status: 0,
    message: 'success',
  });
  assert.equal(findOption(m.options, 'preference')?.value, 0);
  assert.deepEqual(findOption(m.options, 'dnsServers')?.addresses, ['fd99::1']);
  assert.equal(findOption(m.options, 'bootfileUrl')?.url, 'tftp://[fd99::1]/ipxe.efi');
});

void test('rapid-commit SOLICIT and its REPLY carry option 14; INFORMATION-REQUEST uses DUID-LL', () => {
  assert.ok(findOption(decodeDhcp6(frame(9)).options, 'rapidCommit'));
  assert.ok(findOption(decodeDhcp6(frame(10)).options, 'rapidCommit'));
  const info = decodeDhcp6(frame(13));
  const duid = findOption(info.options, 'clientId')!.duid;
  assert.equal(parseDuid(duid).type, 'll');
  assert.equal(macFromDuid(duid), '52:54:00:12:34:56');
  assert.deepEqual(duidLlFromMac('52:54:00:12:34:56'), duid);
});

void test('EUI-64 link-local addresses give the MAC back; others do not', () => {
  assert.equal(macFromEui64('fe80::5054:ff:fe12:3456'), '52:54:00:12:34:56');
  assert.equal(macFromEui64('fe80::5054:ff:fe12:3456%br0'), '52:54:00:12:34:56');
  assert.equal(macFromEui64('fe80::1'), undefined);
  assert.equal(macFromEui64('not an address'), undefined);
});

void test('DUID types 2 and 4 parse; short DUIDs are typed errors', () => {
  assert.deepEqual(parseDuid(Buffer.from('0002000001370102', 'hex')), {
    type: 'en',
    enterprise: 311,
    id: Buffer.from('0102', 'hex'),
  });
  const uuid = parseDuid(Buffer.from('0004' + '00112233445566778899aabbccddeeff', 'hex'));
  assert.deepEqual(uuid, { type: 'uuid', uuid: '00112233-4455-6677-8899-aabbccddeeff' });
  assert.throws(() => parseDuid(Buffer.from('0004aa', 'hex')), Dhcp6DecodeError);
  assert.throws(() => parseDuid(Buffer.from('0001', 'hex')), Dhcp6DecodeError);
  assert.equal(macFromDuid(Buffer.from('0002000001370102', 'hex')), undefined);
});

void test('RELAY-FORW with interface-id and client link-layer address: round trip, unwrap, RELAY-REPL mirrors it', () => {
  const inner = decodeDhcp6(frame(1));
  const relay: Dhcp6Message = {
    type: MessageType.RELAY_FORW,
    hopCount: 0,
    linkAddress: 'fd99::1',
    peerAddress: 'fe80::5054:ff:fe12:3456',
    options: [
      { kind: 'interfaceId', id: Buffer.from('port-7') },
      { kind: 'clientLinkLayer', hwType: 1, address: Buffer.from('525400123456', 'hex') },
      { kind: 'relayMessage', message: inner },
    ],
  };
  const wire = encodeDhcp6(relay);
  assert.equal(wire[0], 12);
  const back = decodeDhcp6(wire);
  assert.deepEqual(back, relay);
  assert.deepEqual(encodeDhcp6(back), wire);
  const u = unwrapRelays(back)!;
  assert.equal(u.relays.length, 1);
  assert.equal(u.message.type, MessageType.SOLICIT);
  const reply = wrapForRelays({ type: MessageType.ADVERTISE, transactionId: 1, options: [] }, u.relays);
  assert.equal(reply.type, MessageType.RELAY_REPL);
  assert.deepEqual(findOption(reply.options, 'interfaceId')?.id, Buffer.from('port-7'));
  assert.equal(findOptions(reply.options, 'relayMessage').length, 1);
  assert.equal(findOption(reply.options, 'clientLinkLayer'), undefined);
});

function relayNest(depth: number): Buffer {
  let msg: Dhcp6Message = { type: MessageType.SOLICIT, transactionId: 1, options: [] };
  for (let i = 0; i < depth; i++)
    msg = {
      type: MessageType.RELAY_FORW,
      hopCount: i,
      linkAddress: '::',
      peerAddress: '::',
      options: [{ kind: 'relayMessage', message: msg }],
    };
  return encodeDhcp6(msg);
}

const solicit = frame(1).toString('hex');
const malformed: [string, string, string][] = [
  ['empty', '', 'truncated'],
  ['three bytes', '01023e', 'truncated'],
  ['message type 0', '00023e3c', 'bad-type'],
  ['message type 200', 'c8023e3c', 'bad-type'],
  ['option header cut', '01023e3c0001', 'truncated'],
  ['option longer than the message', '01023e3c0001000e0001', 'truncated'],
  ['client id of 2 bytes', '01023e3c000100020001', 'bad-length'],
  ['IA_NA of 8 bytes', '01023e3c000300080000000100000002', 'bad-length'],
  ['IAADDR of 20 bytes', '01023e3c0003002400000001000000000000000000050014' + '00'.repeat(20), 'bad-length'],
  ['elapsed time of 3 bytes', '01023e3c00080003000000', 'bad-length'],
  ['odd ORO', '01023e3c000600030017ff', 'bad-length'],
  ['odd client arch', '01023e3c003d0003000700', 'bad-length'],
  ['rapid commit with data', '01023e3c000e000100', 'bad-length'],
  ['status text not UTF-8', '07023e3c000d00040000c328', 'bad-text'],
  ['domain list with a compression pointer', '07023e3c00180004c00c0000', 'bad-domain'],
  ['domain list without the final zero', '07023e3c0018000403636f6d', 'bad-domain'],
  ['DNS server list of 15 bytes', '07023e3c0017000f' + '00'.repeat(15), 'bad-length'],
  ['user class item overruns', '01023e3c000f00030005aa', 'truncated'],
  ['vendor class of 3 bytes', '01023e3c0010000300000000'.slice(0, 22), 'bad-length'],
  ['relay message of 20 bytes', '0c00' + '00'.repeat(18), 'truncated'],
  ['relay with a broken inner message', '0c00' + '00'.repeat(32) + '000900020102', 'truncated'],
  ['relays nested 40 deep', relayNest(40).toString('hex'), 'too-deep'],
  ['solicit cut mid-option', solicit.slice(0, solicit.length - 6), 'truncated'],
];

for (const [name, hex, reason] of malformed) {
  void test(`malformed: ${name} → ${reason}`, () => {
    assert.throws(
      () => decodeDhcp6(Buffer.from(hex, 'hex')),
      (e: unknown) => e instanceof Dhcp6DecodeError && e.reason === reason,
    );
  });
}

void test('relays nested 32 deep are still accepted (HOP_COUNT_LIMIT)', () => {
  assert.equal(unwrapRelays(decodeDhcp6(relayNest(32)))?.relays.length, 32);
});

/** A small deterministic PRNG so a failure can be reproduced from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

void test('mutation fuzz: 50 000 variants of the captured frames: typed errors only, decodable ones re-encode exactly', () => {
  const rnd = prng(0x5eed6);
  let decoded = 0;
  for (let i = 0; i < 50_000; i++) {
    const base = frames[Math.floor(rnd() * frames.length)]!.buf;
    const b = Buffer.from(base);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const cut = rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
    let m: Dhcp6Message;
    try {
      m = decodeDhcp6(cut);
    } catch (e) {
      assert.ok(e instanceof Dhcp6DecodeError, `iteration ${i}: ${String(e)}`);
      continue;
    }
    decoded++;
    assert.deepEqual(encodeDhcp6(m), cut, `iteration ${i}: ${cut.toString('hex')}`);
  }
  assert.ok(decoded > 1000, `only ${decoded} variants decoded: the fuzz is not exercising the decoders`);
});

// The DHCPv6 server's decisions, table-tested over messages captured from dhclient -6: what each
// message type gets back, which events record it, and how the pool changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeDhcp6, MessageType, type Dhcp6ClientServerMessage } from '../../src/net/dhcp6/codec.js';
import { unwrapRelays } from '../../src/net/dhcp6/client-info.js';
import { duidLlFromMac } from '../../src/net/dhcp6/duid.js';
import { handleDhcp6, type Dhcp6Outcome, type Dhcp6Settings } from '../../src/net/dhcp6/handler.js';
import { findOption, findOptions, StatusCode, type Dhcp6Option } from '../../src/net/dhcp6/options.js';
import { Dhcp6Pool } from '../../src/net/dhcp6/pool.js';
import type { NodeRecord } from '../../src/model/reducer.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/dhcp6/dhclient-dnsmasq.json', import.meta.url), 'utf8'),
) as {
  frames: { frame: number; hex: string }[];
};
const frame = (n: number) =>
  decodeDhcp6(Buffer.from(fixture.frames.find((f) => f.frame === n)!.hex, 'hex')) as Dhcp6ClientServerMessage;
const SOLICIT = 1;
const REQUEST = 3;
const CONFIRM = 5;
const RELEASE = 7;
const RAPID_SOLICIT = 9;
const INFO_REQUEST = 13;
const MAC = '52:54:00:12:34:56';
const SRC = 'fe80::5054:ff:fe12:3456%br0';
const NOW = Date.parse('2026-01-01T00:00:00Z');

function settings(range: [string, string] = ['::1000', '::1fff']): Dhcp6Settings {
  return {
    serverDuid: duidLlFromMac('02:00:00:00:00:01'),
    pool: new Dhcp6Pool('fd99::1', range),
    boot: {
      files: { bios: 'undionly.kpxe', efi64: 'ipxe.efi', efi32: 'ipxe.efi', arm64: 'arm64-efi/ipxe.efi' },
      address: 'fd99::1',
      httpPort: 80,
      uefi: { x64: 'ipxe', arm64: 'ipxe', http: 'ipxe' },
    },
    dnsServers: ['fd99::1'],
    domains: ['recon.internal'],
    leaseSeconds: 300,
    declineQuarantineSeconds: 600,
  };
}

function handle(m: Dhcp6ClientServerMessage, s: Dhcp6Settings, now = NOW, src = SRC): Dhcp6Outcome {
  return handleDhcp6({ message: m, relays: [] }, src, s, now);
}

/** The message with its server id replaced by ours (dhclient talked to dnsmasq when it was captured). */
function toUs(
  m: Dhcp6ClientServerMessage,
  s: Dhcp6Settings,
  patch: Partial<Dhcp6ClientServerMessage> = {},
): Dhcp6ClientServerMessage {
  const options = m.options.map(
    (o): Dhcp6Option => (o.kind === 'serverId' ? { kind: 'serverId', duid: s.serverDuid } : o),
  );
  return { ...m, options, ...patch };
}

function withAddress(m: Dhcp6ClientServerMessage, ip: string, iaid?: number): Dhcp6ClientServerMessage {
  const options = m.options.map(
    (o): Dhcp6Option =>
      o.kind === 'iaNa'
        ? {
            ...o,
            iaid: iaid ?? o.iaid,
            options: [{ kind: 'iaAddr', address: ip, preferred: 0, valid: 0, options: [] }],
          }
        : o,
  );
  return { ...m, options };
}

const addressOf = (o: Dhcp6Outcome) =>
  findOption(findOption(o.reply!.options, 'iaNa')!.options, 'iaAddr')?.address;
const types = (o: Dhcp6Outcome) => o.events.map((e) => e.type);
const inRange = (ip: string | undefined) => /^fd99::1[0-9a-f]{3}$/.test(ip ?? '');

void test('SOLICIT → ADVERTISE: address from the range, preference 255, boot URL for arch 7, DNS + domain; nothing bound', () => {
  const s = settings();
  const out = handle(frame(SOLICIT), s);
  const r = out.reply!;
  assert.equal(r.type, MessageType.ADVERTISE);
  assert.equal(r.transactionId, frame(SOLICIT).transactionId);
  assert.deepEqual(findOption(r.options, 'clientId'), findOption(frame(SOLICIT).options, 'clientId'));
  assert.deepEqual(findOption(r.options, 'serverId')?.duid, s.serverDuid);
  const ia = findOption(r.options, 'iaNa')!;
  assert.deepEqual([ia.iaid, ia.t1, ia.t2], [0x123456, 150, 240]);
  assert.ok(inRange(addressOf(out)));
  assert.equal(findOption(r.options, 'preference')?.value, 255);
  assert.equal(findOption(r.options, 'bootfileUrl')?.url, 'tftp://[fd99::1]/ipxe.efi');
  assert.deepEqual(findOption(r.options, 'vendorClass')?.data, [Buffer.from('PXEClient')]);
  assert.deepEqual(findOption(r.options, 'dnsServers')?.addresses, ['fd99::1']);
  assert.deepEqual(findOption(r.options, 'domainList')?.domains, ['recon.internal']);
  assert.deepEqual(types(out), ['dhcp.discover', 'dhcp.offer']);
  assert.deepEqual(out.events[0]!.data, {
    mac: MAC,
    family: 6,
    firmware: 'uefi',
    arch: 7,
    vendorClass: undefined,
    userClass: undefined,
    relay: undefined,
  });
  assert.equal(s.pool.bindingCount, 0);
});

void test('REQUEST naming another server is ignored; naming us → REPLY with the asked address, lease.granted with DUID/IAID; an address outside the range gets lifetime 0', () => {
  const s = settings();
  const theirs = handle(frame(REQUEST), s);
  assert.equal(theirs.reply, undefined);
  assert.equal(theirs.ignored, 'addressed to another server');
  const out = handle(toUs(frame(REQUEST), s), s);
  assert.equal(out.reply!.type, MessageType.REPLY);
  assert.equal(addressOf(out), 'fd99::1d70', 'the address the client asked for, free and in range');
  const other = settings();
  const outside = handle(withAddress(toUs(frame(REQUEST), other), 'fd99::9999'), other);
  const addrs = findOptions(findOption(outside.reply!.options, 'iaNa')!.options, 'iaAddr');
  assert.ok(inRange(addrs[0]!.address));
  assert.equal(addrs[0]!.valid, 300);
  assert.deepEqual([addrs[1]!.address, addrs[1]!.valid, addrs[1]!.preferred], ['fd99::9999', 0, 0]);
  assert.deepEqual(types(out), ['lease.granted']);
  const g = out.events[0]!;
  assert.ok(g.type === 'lease.granted');
  assert.equal(g.data.duid, '00010001329978f3525400123456');
  assert.equal(g.data.iaid, 0x123456);
  assert.equal(g.data.expiresAt, new Date(NOW + 300_000).toISOString());
  assert.equal(s.pool.bindingCount, 1);
});

void test('rapid-commit SOLICIT → REPLY with option 14 and a lease, no offer step', () => {
  const s = settings();
  const out = handle(frame(RAPID_SOLICIT), s);
  assert.equal(out.reply!.type, MessageType.REPLY);
  assert.ok(findOption(out.reply!.options, 'rapidCommit'));
  assert.deepEqual(types(out), ['dhcp.discover', 'lease.granted']);
});

void test('RENEW keeps the bound address; RENEW of an unknown IA → NoBinding; REBIND after a lost binding re-grants an in-range address', () => {
  const s = settings();
  const ip = addressOf(handle(toUs(frame(REQUEST), s), s))!;
  const renew = handle(
    withAddress(toUs(frame(REQUEST), s, { type: MessageType.RENEW }), ip),
    s,
    NOW + 100_000,
  );
  assert.equal(addressOf(renew), ip);
  assert.deepEqual(types(renew), ['lease.granted']);
  const unknown = handle(withAddress(toUs(frame(REQUEST), s, { type: MessageType.RENEW }), 'fd98::5', 99), s);
  const st = findOption(findOption(unknown.reply!.options, 'iaNa')!.options, 'statusCode');
  assert.equal(st?.status, StatusCode.NoBinding);
  assert.deepEqual(types(unknown), ['dhcp.nak']);
  const fresh = settings(); // the master lost its state
  const rebindMsg = withAddress(frame(REQUEST), ip);
  const rebind = handle(
    {
      ...rebindMsg,
      type: MessageType.REBIND,
      options: rebindMsg.options.filter((o) => o.kind !== 'serverId'),
    },
    fresh,
  );
  assert.equal(addressOf(rebind), ip);
  assert.equal(fresh.pool.ownerOf(ip)?.mac, MAC);
});

void test('RELEASE frees the binding; DECLINE quarantines the address so the next client gets another', () => {
  const s = settings();
  const ip = addressOf(handle(toUs(frame(REQUEST), s), s))!;
  const rel = handle(withAddress(toUs(frame(RELEASE), s), ip), s);
  assert.equal(findOption(rel.reply!.options, 'statusCode')?.status, StatusCode.Success);
  assert.deepEqual(rel.events, [{ type: 'lease.released', data: { mac: MAC, family: 6, ip } }]);
  assert.equal(s.pool.bindingCount, 0);

  const ip2 = addressOf(handle(toUs(frame(REQUEST), s), s))!;
  const dec = handle(withAddress(toUs(frame(REQUEST), s, { type: MessageType.DECLINE }), ip2), s);
  assert.deepEqual(types(dec), ['lease.declined']);
  const again = handle(frame(SOLICIT), s);
  assert.notEqual(addressOf(again), ip2);
  assert.equal(s.pool.available(ip2, 'someone', 1, NOW + 601_000), true, 'quarantine ends');
});

void test('CONFIRM: on-link → Success; another prefix → NotOnLink; no addresses → no answer', () => {
  const s = settings();
  assert.equal(
    findOption(handle(frame(CONFIRM), s).reply!.options, 'statusCode')?.status,
    StatusCode.Success,
  );
  const off = handle(withAddress(frame(CONFIRM), 'fd98::10'), s);
  assert.equal(findOption(off.reply!.options, 'statusCode')?.status, StatusCode.NotOnLink);
  assert.deepEqual(types(off), ['dhcp.nak']);
  const none = { ...frame(CONFIRM), options: frame(CONFIRM).options.filter((o) => o.kind !== 'iaNa') };
  assert.equal(handle(none, s).reply, undefined);
});

void test('INFORMATION-REQUEST → REPLY with the requested options and no address', () => {
  const s = settings();
  const out = handle(frame(INFO_REQUEST), s);
  assert.equal(out.reply!.type, MessageType.REPLY);
  assert.equal(findOption(out.reply!.options, 'iaNa'), undefined);
  assert.deepEqual(findOption(out.reply!.options, 'dnsServers')?.addresses, ['fd99::1']);
  assert.deepEqual(out.events, []);
});

void test('pool exhaustion → NoAddrsAvail in the IA and dhcp.exhausted, never a hang', () => {
  const s = settings(['::1000', '::1001']);
  for (const n of [1, 2]) {
    const m = frame(RAPID_SOLICIT);
    const duid = Buffer.from(`000300015254000000${n.toString(16).padStart(2, '0')}`, 'hex');
    handle(
      { ...m, options: m.options.map((o) => (o.kind === 'clientId' ? { kind: 'clientId', duid } : o)) },
      s,
    );
  }
  const out = handle(frame(SOLICIT), s);
  const ia = findOption(out.reply!.options, 'iaNa')!;
  assert.equal(findOption(ia.options, 'statusCode')?.status, StatusCode.NoAddrsAvail);
  assert.deepEqual(types(out), ['dhcp.discover', 'dhcp.exhausted']);
});

void test('iPXE (user class) gets the HTTP menu URL; the same MAC under a new DUID keeps its address', () => {
  const s = settings();
  const first = addressOf(handle(frame(RAPID_SOLICIT), s));
  const m = frame(SOLICIT);
  const ipxe: Dhcp6ClientServerMessage = {
    ...m,
    options: [
      ...m.options.filter((o) => o.kind !== 'clientArch' && o.kind !== 'clientId'),
      { kind: 'clientId', duid: Buffer.from('0004' + '11'.repeat(16), 'hex') }, // DUID-UUID: MAC from the EUI-64 source
      { kind: 'userClass', classes: [Buffer.from('iPXE')] },
    ],
  };
  const out = handle(ipxe, s);
  assert.equal(findOption(out.reply!.options, 'bootfileUrl')?.url, 'http://[fd99::1]/menu.ipxe');
  assert.equal(findOption(out.reply!.options, 'vendorClass'), undefined);
  assert.equal(out.client?.mac, MAC);
  assert.equal(out.client?.firmware, 'ipxe');
  assert.equal(addressOf(out), first, 'one address per machine across boot stages');
});

void test('validation: SOLICIT with a server id, messages without a client id, server messages → ignored', () => {
  const s = settings();
  const m = frame(SOLICIT);
  assert.ok(handle({ ...m, options: [...m.options, { kind: 'serverId', duid: s.serverDuid }] }, s).ignored);
  assert.equal(
    handle({ ...m, options: m.options.filter((o) => o.kind !== 'clientId') }, s).ignored,
    'no client identifier',
  );
  assert.ok(handle(frame(2), s).ignored, 'an ADVERTISE is not a client message');
  const uuidOnly = {
    ...m,
    options: [
      ...m.options.filter((o) => o.kind !== 'clientId'),
      { kind: 'clientId', duid: Buffer.from('0004' + '22'.repeat(16), 'hex') } as Dhcp6Option,
    ],
  };
  assert.equal(handle(uuidOnly, s, NOW, 'fe80::1%br0').ignored, 'client has no MAC in its DUID or address');
});

void test('relayed SOLICIT: MAC from the RFC 6939 option when the DUID has none; relay link recorded', () => {
  const s = settings();
  const inner = {
    ...frame(SOLICIT),
    options: [
      ...frame(SOLICIT).options.filter((o) => o.kind !== 'clientId'),
      { kind: 'clientId', duid: Buffer.from('0004' + '33'.repeat(16), 'hex') } as Dhcp6Option,
    ],
  };
  const relayed = unwrapRelays({
    type: MessageType.RELAY_FORW,
    hopCount: 0,
    linkAddress: 'fd99::1',
    peerAddress: 'fe80::1',
    options: [
      { kind: 'clientLinkLayer', hwType: 1, address: Buffer.from('525400abcdef', 'hex') },
      { kind: 'relayMessage', message: inner },
    ],
  })!;
  const out = handleDhcp6(relayed, 'fd99::7', s, NOW);
  assert.equal(out.client?.mac, '52:54:00:ab:cd:ef');
  assert.equal(out.client?.relayLink, 'fd99::1');
  assert.ok(inRange(addressOf(out)));
});

void test('restore: bindings come back from lease6 records in the store; other prefixes are skipped', () => {
  const s = settings();
  const node = (mac: string, ip: string): NodeRecord =>
    ({
      mac,
      lease6: {
        ip,
        expiresAt: new Date(NOW + 60_000).toISOString(),
        duid: '00010001329978f3525400123456',
        iaid: 0x123456,
      },
    }) as NodeRecord;
  assert.equal(s.pool.restore([node(MAC, 'fd99::1234'), node('aa:bb:cc:dd:ee:ff', 'fd98::1234')]), 1);
  assert.equal(addressOf(handle(frame(SOLICIT), s)), 'fd99::1234');
});

void test('expiry: bindings past their lease end are removed (and returned for lease.expired); live ones stay', () => {
  const s = settings();
  const ip = addressOf(handle(frame(RAPID_SOLICIT), s))!;
  assert.deepEqual(s.pool.expire(NOW + 299_000), []);
  const gone = s.pool.expire(NOW + 300_000);
  assert.deepEqual(
    gone.map((b) => [b.mac, b.ip]),
    [[MAC, ip]],
  );
  assert.equal(s.pool.bindingCount, 0);
});

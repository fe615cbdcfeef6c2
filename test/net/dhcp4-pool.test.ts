// The DHCPv4 address table: allocation order, holds, reservations, release/decline/expiry, exhaustion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeasePool } from '../../src/net/dhcp4/pool.js';

const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';
const C = '52:54:00:00:00:0c';
const R = '52:54:00:00:00:99';

function pool(range: [string, string] = ['10.0.0.10', '10.0.0.12']): LeasePool {
  return new LeasePool({
    range,
    reservations: [{ mac: R, ip: '10.0.0.50' }, { mac: C }],
    exclude: ['10.0.0.11'],
    offerHoldMs: 1000,
    keepBootOfferMs: 300,
  });
}

void test('fresh addresses in order, skipping the excluded one; an offer holds its address', () => {
  const p = pool();
  assert.equal(p.choose(A, undefined, 0), '10.0.0.10');
  p.offer(A, '10.0.0.10', 0);
  assert.equal(p.choose(B, undefined, 0), '10.0.0.12');
  p.offer(B, '10.0.0.12', 0);
  // the same client is offered the same address again
  assert.equal(p.choose(A, undefined, 10), '10.0.0.10');
});

void test('a requested address is honoured when free and in range', () => {
  const p = pool(['10.0.0.10', '10.0.0.20']);
  assert.equal(p.choose(A, '10.0.0.15', 0), '10.0.0.15');
  assert.equal(p.choose(A, '10.0.0.11', 0), '10.0.0.10'); // excluded
  assert.equal(p.choose(A, '10.0.0.99', 0), '10.0.0.10'); // outside
});

void test('reservations: the reserved MAC gets its address, nobody else may bind it', () => {
  const p = pool();
  assert.equal(p.choose(R, undefined, 0), '10.0.0.50');
  assert.equal(p.checkBind(A, '10.0.0.50', 0), 'reserved');
  assert.equal(p.checkBind(R, '10.0.0.10', 0), 'reserved');
  assert.equal(p.checkBind(R, '10.0.0.50', 0), 'ok');
  assert.equal(p.manages('10.0.0.50'), true);
  // a reservation without an address is dynamic
  assert.equal(p.choose(C, undefined, 0), '10.0.0.10');
});

void test('bound addresses are taken; release and expiry free them but the owner is preferred', () => {
  const p = pool();
  p.bind(A, '10.0.0.10', 5000);
  p.bind(B, '10.0.0.12', 5000);
  assert.equal(p.checkBind(C, '10.0.0.10', 1000), 'taken');
  assert.equal(p.choose(C, undefined, 1000), undefined); // exhausted
  assert.equal(p.release(B, '10.0.0.12'), true);
  assert.equal(p.release(B, '10.0.0.12'), false);
  assert.equal(p.choose(C, undefined, 1000), '10.0.0.12');
  assert.deepEqual(p.expire(4999), []);
  assert.deepEqual(p.expire(5000), [{ mac: A, ip: '10.0.0.10' }]);
  assert.equal(p.choose(A, undefined, 6000), '10.0.0.10'); // previous address back
  assert.equal(p.checkBind(C, '10.0.0.10', 6000), 'ok');
});

void test('DECLINE quarantines an address until the time is up', () => {
  const p = pool();
  p.bind(A, '10.0.0.10', 5000);
  assert.equal(p.decline(B, '10.0.0.10', 9000), false); // not B's
  assert.equal(p.decline(A, '10.0.0.10', 9000), true);
  assert.equal(p.checkBind(A, '10.0.0.10', 100), 'declined');
  assert.equal(p.choose(A, '10.0.0.10', 100), '10.0.0.12');
  p.offer(A, '10.0.0.12', 100);
  assert.equal(p.choose(B, undefined, 200), '10.0.0.12'); // oldest offer is stolen when nothing else is free
  assert.equal(p.choose(C, '10.0.0.10', 8999), '10.0.0.12');
  assert.equal(p.checkBind(C, '10.0.0.10', 9000), 'ok'); // quarantine over
  assert.equal(p.choose(C, '10.0.0.10', 9000), '10.0.0.10');
});

void test('a DISCOVER flood cannot lock the pool: stale and oldest offers are reclaimed', () => {
  const p = pool(['10.0.0.10', '10.0.0.13']);
  for (let i = 0; i < 50; i++) {
    const mac = `52:54:00:00:01:${i.toString(16).padStart(2, '0')}`;
    const ip = p.choose(mac, undefined, i);
    assert.ok(ip, `flood ${i}`);
    p.offer(mac, ip, i);
  }
  assert.ok(p.size <= 3);
  assert.ok(p.choose(A, undefined, 60));
});

void test('a flood of other clients does not take the offer a booting peer is about to request', () => {
  const p = pool(['10.0.0.10', '10.0.0.13']);
  const peer = '52:54:00:00:02:01';
  const kept = p.choose(peer, undefined, 0)!;
  p.offer(peer, kept, 0, true);
  for (let i = 0; i < 50; i++) {
    const mac = `52:54:00:00:01:${i.toString(16).padStart(2, '0')}`;
    const ip = p.choose(mac, undefined, i + 1);
    assert.ok(ip, `flood ${i}`);
    assert.notEqual(ip, kept, `flood ${i} took the booting peer's address`);
    p.offer(mac, ip, i + 1);
  }
  assert.equal(p.checkBind(peer, kept, 60), 'ok');
});

void test('offers to would-be boot clients lock the pool for keepBootOfferMs at most', () => {
  const q = pool();
  q.offer(A, q.choose(A, undefined, 0)!, 0, true);
  q.offer(C, q.choose(C, undefined, 0)!, 0, true);
  assert.equal(q.choose(B, undefined, 10), undefined); // both kept for a REQUEST
  assert.equal(q.choose(B, undefined, 300), '10.0.0.10'); // kept no longer: the oldest offer goes
});

void test('restore() brings leases back from the store', () => {
  const p = pool();
  p.restore(A, '10.0.0.12', 10_000);
  assert.equal(p.choose(A, undefined, 0), '10.0.0.12');
  assert.equal(p.checkBind(B, '10.0.0.12', 0), 'taken');
  assert.equal(p.choose(B, undefined, 0), '10.0.0.10');
});

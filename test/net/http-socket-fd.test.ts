// Finding a TCP connection's descriptor by its addresses (no Node internals): the pure match on
// sockaddr bytes, and real connections over IPv4, IPv6 and IPv4-mapped IPv6, where writing to the
// descriptor found must reach that connection's client and no other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { loadLibc, sockaddr } from '../../src/net/libc.js';
import { endpointMatches, expectedEndpoint, findSocketFd } from '../../src/net/http/socket-fd.js';

const linux = process.platform === 'linux' ? false : 'skipped: needs Linux';

void test('endpointMatches: family, port and address must all agree; flowinfo and scope do not count', () => {
  const v4 = sockaddr(4, '10.99.0.7', 8080);
  assert.ok(endpointMatches(v4, 16, expectedEndpoint('10.99.0.7', 8080)!));
  assert.ok(!endpointMatches(v4, 16, expectedEndpoint('10.99.0.7', 8081)!));
  assert.ok(!endpointMatches(v4, 16, expectedEndpoint('10.99.0.8', 8080)!));
  const v6 = sockaddr(6, 'fd99::7', 80);
  v6.writeUInt32BE(0x12345, 4); // flowinfo
  v6.writeUInt32LE(3, 24); // scope id
  assert.ok(endpointMatches(v6, 28, expectedEndpoint('fd99::7', 80)!));
  assert.ok(!endpointMatches(v6, 28, expectedEndpoint('fd99::8', 80)!));
  // an IPv4 client of a dual-stack socket is an IPv4-mapped IPv6 address there, as Node reports it
  const mapped = sockaddr(6, '::ffff:10.99.0.7', 80);
  assert.ok(endpointMatches(mapped, 28, expectedEndpoint('::ffff:10.99.0.7', 80)!));
  assert.ok(!endpointMatches(mapped, 28, expectedEndpoint('10.99.0.7', 80)!));
  // a unix socket's or a truncated address never matches
  assert.ok(!endpointMatches(Buffer.alloc(28), 110, expectedEndpoint('10.99.0.7', 80)!));
  assert.ok(!endpointMatches(v4, 8, expectedEndpoint('10.99.0.7', 8080)!));
  assert.equal(expectedEndpoint('not an address', 80), undefined);
});

async function pairs(listenOn: string, connectTo: string, n: number) {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, listenOn, r));
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(port, connectTo);
    await new Promise<void>((r) => c.once('connect', r));
    clients.push(c);
  }
  while (accepted.length < n) await new Promise((r) => setTimeout(r, 5));
  return { server, accepted, clients };
}

for (const [listenOn, connectTo] of [
  ['127.0.0.1', '127.0.0.1'],
  ['::1', '::1'],
  ['::', '127.0.0.1'],
] as const) {
  void test(
    `a connection's descriptor, listening on ${listenOn}, client from ${connectTo}`,
    { skip: linux },
    async () => {
      const c = await loadLibc();
      const { server, accepted, clients } = await pairs(listenOn, connectTo, 3);
      try {
        const target = accepted[1]!;
        const { localAddress, localPort, remoteAddress, remotePort } = target;
        const fd = findSocketFd(c, {
          localAddress: localAddress!,
          localPort: localPort!,
          remoteAddress: remoteAddress!,
          remotePort: remotePort!,
        });
        assert.ok(fd !== undefined, 'found');
        // bytes written to it reach the client of that connection, and only that one
        const got = clients.map(() => '');
        clients.forEach((cl, i) => cl.on('data', (d: Buffer) => (got[i] += d.toString())));
        const hello = Buffer.from('hello');
        assert.equal(c.write(fd, hello, hello.length), hello.length);
        const peerOf = clients.findIndex((cl) => cl.localPort === remotePort);
        for (let i = 0; i < 100 && got[peerOf] !== 'hello'; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(
          got,
          clients.map((_, i) => (i === peerOf ? 'hello' : '')),
        );
        // a connection that is not there is not found
        const gone = findSocketFd(c, {
          localAddress: localAddress!,
          localPort: localPort!,
          remoteAddress: remoteAddress!,
          remotePort: 1,
        });
        assert.equal(gone, undefined);
      } finally {
        for (const s of [...clients, ...accepted]) s.destroy();
        await new Promise((r) => server.close(r));
      }
    },
  );
}

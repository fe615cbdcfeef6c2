// Only a recon master counts: the collector's hello check against HTTP servers on loopback that answer
// in every other way (a web page, a JSON without the recon marker, a future API, an error, silence,
// garbage). Each is rejected after one GET; nothing else is ever sent to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hello, hostUrl } from '../../src/collect/find-master.js';

interface Fake {
  base: string;
  requests: string[];
  server: Server;
}

async function fake(answer: (res: ServerResponse) => void): Promise<Fake> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: hostUrl('127.0.0.1', (server.address() as AddressInfo).port), requests, server };
}

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

test(
  'hello: a recon master speaking API 1 is accepted, anything else is not',
  { timeout: 30_000 },
  async () => {
    const table: [string, (res: ServerResponse) => void, boolean][] = [
      ['recon master', json(200, { recon: true, api: 1, version: '1.2.3', names: ['bang'] }), true],
      [
        'web server page',
        (res) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>hi</html>')),
        false,
      ],
      ['JSON without the marker', json(200, { api: 1, version: '1.0' }), false],
      ['marker not true', json(200, { recon: 'yes', api: 1 }), false],
      ['another API version', json(200, { recon: true, api: 2 }), false],
      ['an error status', json(503, { recon: true, api: 1 }), false],
      ['not JSON', json(200, '{"recon": tru'), false],
      ['never answers', () => undefined, false],
    ];
    const fakes: Fake[] = [];
    try {
      for (const [name, answer, accepted] of table) {
        const f = await fake(answer);
        fakes.push(f);
        const started = Date.now();
        const h = await hello(f.base);
        assert.equal(h !== undefined, accepted, name);
        if (h) assert.deepEqual(h, { base: f.base, version: '1.2.3' });
        assert.deepEqual(f.requests, ['GET /api/v1/hello'], name);
        assert.ok(Date.now() - started < 5000, `${name}: gave up within the hello time limit`);
      }
      assert.equal(await hello('http://127.0.0.1:1'), undefined, 'nothing listening');
    } finally {
      for (const f of fakes) {
        f.server.closeAllConnections();
        f.server.close();
      }
    }
  },
);

test('host URLs: IPv6 in brackets, port 80 implied', () => {
  assert.equal(hostUrl('10.0.0.1'), 'http://10.0.0.1');
  assert.equal(hostUrl('10.0.0.1', 8080), 'http://10.0.0.1:8080');
  assert.equal(hostUrl('fd00::1'), 'http://[fd00::1]');
  assert.equal(hostUrl('fd00::1', 8080), 'http://[fd00::1]:8080');
});

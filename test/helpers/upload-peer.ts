// Simulated peers for the full-stick and power-cut tests: run inside a namespace on the rig bridge, they
// post stage events and upload inventories and raw archives through the peer API, and print one JSON line
// per answer the moment it arrives (written synchronously, so an answer received before the master died
// is on stdout even when this process is killed right after). An acknowledgement is a 2xx: `seq` for an
// event, `sha256` for an upload — the test holds the master to every one of them.
//
// usage: upload-peer.ts --base URL --kind event|inventory|raw|mix [--count N (0: until killed)]
//        [--bytes N (raw size)] [--tag 0-255 (MAC namespace)] [--concurrency N] [--stop-on 507]
import { createHash, randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { sampleInventory } from '../collect/sample-inventory.js';

export type PeerKind = 'event' | 'inventory' | 'raw';

/** One answer as printed. */
export interface PeerAnswer {
  kind: PeerKind;
  mac: string;
  /** HTTP status, 0 when the request failed without one */
  status: number;
  /** what was sent: the event's detail, or the sha256 of the body */
  sent: string;
  seq?: number;
  sha256?: string;
  error?: string;
}

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    kind: { type: 'string', default: 'mix' },
    count: { type: 'string', default: '0' },
    bytes: { type: 'string', default: '65536' },
    tag: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '4' },
    'stop-on': { type: 'string' },
  },
});
const base = values.base;
if (!base) throw new Error('--base URL is required');
const count = Number(values.count);
const rawBytes = Number(values.bytes);
const tag = Number(values.tag) & 0xff;
const stopOn = values['stop-on'] === undefined ? undefined : Number(values['stop-on']);
const agent = new Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });

const hex = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
/** a MAC per item: uploads are rate-limited per node, so each upload speaks for a node of its own */
const macOf = (i: number) => `02:${hex(tag)}:00:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`;
/** events go to a few nodes per run */
const eventMac = (i: number) => macOf(0xff0000 + (i % 8));

function kindOf(i: number): PeerKind {
  if (values.kind !== 'mix') return values.kind as PeerKind;
  const r = i % 10;
  return r === 0 ? 'raw' : r <= 3 ? 'inventory' : 'event';
}

function bodyFor(kind: PeerKind, i: number): { mac: string; method: string; path: string; body: Buffer } {
  if (kind === 'event') {
    const mac = eventMac(i);
    const body = Buffer.from(JSON.stringify({ stage: 'collecting', detail: `t${tag} #${i}` }));
    return { mac, method: 'POST', path: `/api/v1/nodes/${mac}/events`, body };
  }
  const mac = macOf(i);
  if (kind === 'raw') {
    // gzip magic first: the master checks it; the rest does not compress, like real tool output archives
    const body = Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(Math.max(0, rawBytes - 2))]);
    return { mac, method: 'PUT', path: `/api/v1/nodes/${mac}/raw`, body };
  }
  const inv = sampleInventory();
  inv.system.serial = `T${tag}-${i}-${randomBytes(4).toString('hex')}`;
  return {
    mac,
    method: 'PUT',
    path: `/api/v1/nodes/${mac}/inventory`,
    body: Buffer.from(JSON.stringify(inv)),
  };
}

function send(kind: PeerKind, i: number): Promise<PeerAnswer> {
  const { mac, method, path, body } = bodyFor(kind, i);
  const sent = kind === 'event' ? `t${tag} #${i}` : createHash('sha256').update(body).digest('hex');
  return new Promise((resolve) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', (e) => resolve({ kind, mac, status: 0, sent, error: e.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(parts).toString('utf8');
          let json: { seq?: number; sha256?: string; error?: string } = {};
          try {
            json = JSON.parse(text) as typeof json;
          } catch {
            json = { error: text.slice(0, 200) };
          }
          const ok = status >= 200 && status < 300;
          resolve({
            kind,
            mac,
            status,
            sent,
            ...(ok && json.seq !== undefined ? { seq: json.seq } : {}),
            ...(ok && json.sha256 !== undefined ? { sha256: json.sha256 } : {}),
            ...(!ok ? { error: json.error ?? text.slice(0, 200) } : {}),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ kind, mac, status: 0, sent, error: e.message }));
    req.end(body);
  });
}

let next = 0;
let stopped = false;
async function worker(): Promise<void> {
  while (!stopped && (count === 0 || next < count)) {
    const i = next++;
    const answer = await send(kindOf(i), i);
    writeSync(1, JSON.stringify(answer) + '\n');
    if (stopOn !== undefined && answer.status === stopOn) stopped = true;
    // a master that is not up (yet, or any more): do not spin
    if (answer.status === 0) await new Promise((r) => setTimeout(r, 200));
  }
}

await Promise.all(Array.from({ length: Number(values.concurrency) }, () => worker()));
agent.destroy();

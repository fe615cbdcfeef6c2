// Fuzz traffic for the DHCPv6 server, run inside a peer namespace by dhcp6-fuzz.test.ts:
//   node --import tsx dhcp6-fuzz-sender.ts FIXTURE.json IFNAME COUNT SEED
// Sends COUNT packets to ff02::1:2 port 547 on IFNAME: a third random bytes, the rest mutations of the
// captured frames (byte flips, truncation, appended junk, rewritten option lengths, nested relays).
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';

const [fixture, ifname, countArg, seedArg] = process.argv.slice(2);
if (!fixture || !ifname) throw new Error('usage: dhcp6-fuzz-sender FIXTURE IFNAME COUNT SEED');
const frames = (JSON.parse(readFileSync(fixture, 'utf8')) as { frames: { hex: string }[] }).frames.map((f) =>
  Buffer.from(f.hex, 'hex'),
);
const count = Number(countArg ?? 100_000);
let s = Number(seedArg ?? 1) >>> 0;
const rnd = () => {
  s = (s * 1664525 + 1013904223) >>> 0;
  return s / 2 ** 32;
};
const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;

function mutate(): Buffer {
  const kind = rnd();
  if (kind < 0.33) {
    const b = Buffer.alloc(Math.floor(rnd() * 600));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    if (b.length && rnd() < 0.5) b[0] = 1 + Math.floor(rnd() * 13); // a known message type, random body
    return b;
  }
  let b = Buffer.from(pick(frames));
  if (kind < 0.45) {
    // a relay around it, sometimes nested
    const depth = 1 + Math.floor(rnd() * 3);
    for (let d = 0; d < depth; d++) {
      const head = Buffer.alloc(34);
      head[0] = 12;
      head[1] = d;
      const opt = Buffer.alloc(4);
      opt.writeUInt16BE(9, 0);
      opt.writeUInt16BE(b.length, 2);
      b = Buffer.concat([head, opt, b]);
    }
  }
  const flips = Math.floor(rnd() * 5);
  for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
  if (rnd() < 0.15 && b.length > 8)
    b.writeUInt16BE(Math.floor(rnd() * 0x10000), 4 + 2 * Math.floor(rnd() * 2)); // option length
  if (rnd() < 0.2) b = b.subarray(0, Math.floor(rnd() * b.length));
  if (rnd() < 0.1)
    b = Buffer.concat([b, Buffer.from([0, Math.floor(rnd() * 100), 0, Math.floor(rnd() * 8)])]);
  return b;
}

const sock = dgram.createSocket({ type: 'udp6' });
await new Promise<void>((r) => sock.bind(0, r));
let sent = 0;
let failed = 0;
const target = `ff02::1:2%${ifname}`;
for (let i = 0; i < count; ) {
  const batch: Promise<void>[] = [];
  for (let k = 0; k < 100 && i < count; k++, i++) {
    const b = mutate();
    batch.push(
      new Promise((resolve) =>
        sock.send(b, 547, target, (err) => {
          if (err) failed++;
          else sent++;
          resolve();
        }),
      ),
    );
  }
  await Promise.all(batch);
  // pace a little so most packets reach the server instead of the floor of a full socket buffer
  await new Promise((r) => setTimeout(r, 2));
}
sock.close();
process.stdout.write(`${JSON.stringify({ sent, failed })}\n`);

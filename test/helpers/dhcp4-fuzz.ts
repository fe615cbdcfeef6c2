// Fuzz sender, run inside a peer namespace: sends COUNT DHCPv4 packets to TARGET:67 — half random
// bytes, half captured real packets with random byte flips, truncations and option-length lies.
// Deterministic for a given SEED. Prints "sent N" when done.
// usage: node --import tsx test/helpers/dhcp4-fuzz.ts TARGET COUNT SEED FIXTURES.json
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';

const [
  target = '10.99.0.1',
  countArg = '100000',
  seedArg = '1',
  fixturesPath = 'test/fixtures/dhcp4/captured.json',
] = process.argv.slice(2);
const count = Number(countArg);
let seed = Number(seedArg) >>> 0 || 1;
/** xorshift32: reproducible without a dependency */
function rnd(n: number): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
}

const samples = (JSON.parse(readFileSync(fixturesPath, 'utf8')) as { hex: string }[]).map((f) =>
  Buffer.from(f.hex, 'hex'),
);

function mutate(src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (rnd(4)) {
    case 0: // flip bytes anywhere
      for (let i = rnd(8) + 1; i > 0; i--) b[rnd(b.length)] = rnd(256);
      return b;
    case 1: // cut short
      return b.subarray(0, rnd(b.length));
    case 2: // lie about an option length inside the options area
      b[240 + rnd(Math.max(1, b.length - 240))] = rnd(256);
      return b;
    default: // random option bytes after the cookie
      for (let i = 240; i < b.length; i++) if (rnd(4) === 0) b[i] = rnd(256);
      return b;
  }
}

function randomPacket(): Buffer {
  const b = Buffer.alloc(rnd(700));
  for (let i = 0; i < b.length; i++) b[i] = rnd(256);
  if (b.length > 240 && rnd(2) === 0) b.writeUInt32BE(0x63825363, 236); // get past the cookie check
  return b;
}

const sock = dgram.createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, () => r()));
sock.setBroadcast(true);
let sent = 0;
// in bursts, so the receiver's buffer is exercised without the kernel dropping most of it
while (sent < count) {
  const burst = Math.min(200, count - sent);
  await Promise.all(
    Array.from({ length: burst }, () => {
      const pkt = rnd(2) === 0 ? randomPacket() : mutate(samples[rnd(samples.length)]!);
      return new Promise<void>((r) =>
        sock.send(pkt, 67, rnd(8) === 0 ? '255.255.255.255' : target, () => r()),
      );
    }),
  );
  sent += burst;
  await new Promise((r) => setTimeout(r, 2));
}
sock.close();
process.stdout.write(`sent ${sent}\n`);

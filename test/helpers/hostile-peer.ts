// A hostile peer, run inside a namespace by the attack tests and the "honest peers under attack" bench.
// Each mode holds its attack until killed, printing one JSON status line a second.
//   idle HOST PORT COUNT [LOCAL...]        TCP connections that never send a byte; lost ones are reopened
//   bodies HOST PORT COUNT BYTES [LOCAL...]
//                                          PUT inventory for a MAC of its own, Content-Length BYTES, all but the last byte
//                                          (connections are not reopened)
//   trickle HOST PORT MAC BYTES_PER_TICK TICK_MS
//                                          PUT raw, Content-Length 1 MiB, a few bytes per tick
//   rrq HOST PORT COUNT FILE               COUNT read requests from COUNT ports, never acknowledged; each
//                                          second the ended or refused ones are asked again
// usage: node --import tsx test/helpers/hostile-peer.ts MODE ARGS...
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

const [mode = '', host = '10.99.0.1', portArg = '80', ...rest] = process.argv.slice(2);
const port = Number(portArg);
const status: Record<string, number | string> = { mode };
const count = (k: string, by = 1) => (status[k] = Number(status[k] ?? 0) + by);
setInterval(() => process.stdout.write(`${JSON.stringify(status)}\n`), 1000);

/** Opens one connection (from `local` when given); `onOpen` writes what the mode sends. */
function open(local: string | undefined, onOpen: (s: Socket) => void, onGone: () => void): void {
  const s = connect({ host, port, ...(local ? { localAddress: local } : {}) });
  s.setNoDelay(true);
  let up = false;
  s.on('connect', () => {
    up = true;
    count('open');
    onOpen(s);
  });
  s.on('data', (d: Buffer) => {
    const code = /^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'))?.[1];
    if (code) count(`http${code}`);
  });
  s.on('error', () => undefined);
  s.on('close', () => {
    if (up) count('open', -1);
    count('closed');
    onGone();
  });
}

/** Opens `n` connections spread over the local addresses; with `reopen`, a lost one is opened again. */
function hold(n: number, locals: string[], reopen: boolean, onOpen: (s: Socket) => void): void {
  const one = (i: number): void =>
    open(locals.length ? locals[i % locals.length] : undefined, onOpen, () => {
      if (reopen) setTimeout(() => one(i), 200);
    });
  for (let i = 0; i < n; i++) setTimeout(() => one(i), Math.floor(i / 100) * 20);
}

function putHead(path: string, length: number): string {
  return `PUT ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
}

switch (mode) {
  case 'idle': {
    const [n = '1100', ...locals] = rest;
    hold(Number(n), locals, true, () => undefined);
    break;
  }
  case 'bodies': {
    const [n = '800', bytes = String(1 << 20), ...locals] = rest;
    const body = Buffer.alloc(Number(bytes) - 1, 0x20);
    // a refused body is not sent again: the point is what the accepted ones cost
    let next = 0;
    hold(Number(n), locals, false, (s) => {
      const i = next++;
      const mac = `52:54:00:66:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      s.write(putHead(`/api/v1/nodes/${mac}/inventory`, Number(bytes)));
      s.write(body);
    });
    break;
  }
  case 'trickle': {
    const [mac = '52:54:00:66:00:02', perTick = '1', tickMs = '10000'] = rest;
    open(
      undefined,
      (s) => {
        s.write(putHead(`/api/v1/nodes/${mac}/raw`, 1 << 20));
        s.write(Buffer.from([0x1f, 0x8b]));
        const t = setInterval(() => {
          if (s.destroyed) return clearInterval(t);
          s.write(Buffer.alloc(Number(perTick), 0x41));
          count('sent', Number(perTick));
        }, Number(tickMs));
      },
      () => (status.cutAfterMs = Math.round(performance.now())),
    );
    break;
  }
  case 'rrq': {
    const [n = '300', file = 'boot.bin'] = rest;
    const rrq = Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${file}\0octet\0`)]);
    const sockets: UdpSocket[] = [];
    for (let i = 0; i < Number(n); i++) {
      const s = createSocket('udp4');
      s.on('message', (m) => count(m.readUInt16BE(0) === 5 ? 'errors' : 'data'));
      s.on('error', () => undefined);
      s.bind(0, () => s.send(rrq, port, host));
      sockets.push(s);
    }
    // asked again each second: a refused or ended request is renewed, an active one is a retransmission
    setInterval(() => {
      for (const s of sockets) s.send(rrq, port, host, () => count('sent'));
    }, 1000);
    break;
  }
  default:
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(2);
}

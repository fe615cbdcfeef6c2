// DNS over UDP and TCP (RFC 1035 §4.2, RFC 7766) on one address: datagrams in, datagrams out; TCP
// messages framed by a 2-byte length, several per connection. The handler is synchronous and pure
// (bytes in → reply bytes or nothing), so a bad packet can only ever cost one dropped reply.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';

export type DnsHandler = (msg: Buffer, transport: 'udp' | 'tcp', from: string) => Buffer | undefined;

export interface DnsListener {
  address: string;
  udpPort: number;
  tcpPort: number;
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
const TCP_MAX_CONNECTIONS = 128;

function safely(handler: DnsHandler, log: Logger, msg: Buffer, transport: 'udp' | 'tcp', from: string) {
  try {
    return handler(msg, transport, from);
  } catch (err) {
    // the handler is meant never to throw; if it does, lose the reply, keep the server
    log.error({ err, from, transport }, 'dns handler failed');
    return undefined;
  }
}

function serveConnection(sock: TcpSocket, handler: DnsHandler, log: Logger): void {
  const from = sock.remoteAddress ?? '?';
  let pending: Buffer = Buffer.alloc(0);
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('error', (err) => log.debug({ err, from }, 'dns tcp connection error'));
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) return;
      const msg = pending.subarray(2, 2 + len);
      pending = pending.subarray(2 + len);
      const reply = safely(handler, log, msg, 'tcp', from);
      if (!reply) {
        // a message not worth a reply on a stream means the stream is not DNS: stop reading it
        sock.destroy();
        return;
      }
      const head = Buffer.alloc(2);
      head.writeUInt16BE(reply.length);
      sock.write(Buffer.concat([head, reply]));
    }
  });
}

function bindUdp(address: string, port: number, handler: DnsHandler, log: Logger): Promise<Socket> {
  const sock = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
  sock.on('message', (msg, rinfo) => {
    const reply = safely(handler, log, msg, 'udp', rinfo.address);
    if (reply)
      sock.send(reply, rinfo.port, rinfo.address, (err) => err && log.debug({ err }, 'dns send failed'));
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address, port, exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', (err) => log.warn({ err, address }, 'dns udp socket error'));
      resolve(sock);
    });
  });
}

function bindTcp(address: string, port: number, handler: DnsHandler, log: Logger) {
  const open = new Set<TcpSocket>();
  const server = createServer((sock) => {
    open.add(sock);
    sock.once('close', () => open.delete(sock));
    serveConnection(sock, handler, log);
  });
  server.maxConnections = TCP_MAX_CONNECTIONS;
  return new Promise<{ server: Server; open: Set<TcpSocket> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.warn({ err, address }, 'dns tcp server error'));
      resolve({ server, open });
    });
  });
}

/** Listens on UDP and TCP at `address:port` (port 0: UDP picks a port, TCP takes the same one). */
export async function listenDns(
  address: string,
  port: number,
  handler: DnsHandler,
  log: Logger,
): Promise<DnsListener> {
  const udp = await bindUdp(address, port, handler, log);
  const udpPort = udp.address().port;
  let tcp: Awaited<ReturnType<typeof bindTcp>>;
  try {
    tcp = await bindTcp(address, udpPort, handler, log);
  } catch (e) {
    udp.close();
    throw e;
  }
  const tcpAddr = tcp.server.address();
  return {
    address,
    udpPort,
    tcpPort: typeof tcpAddr === 'object' && tcpAddr ? tcpAddr.port : udpPort,
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        tcp.server.close(() => resolve());
        // open client connections would keep close() waiting for their idle timeout
        for (const s of tcp.open) s.destroy();
      }),
  };
}

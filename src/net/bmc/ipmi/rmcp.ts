// RMCP presence ping (ASF, DMTF DSP0136): a one-datagram question "is a BMC listening on this UDP port?".
// ipmitool prints the same words whether a BMC's port is closed or silent; the ping tells them apart:
// a pong → something answers, ICMP refused/no route → unreachable, nothing → timeout.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

const ASF_IANA = 4542;
const ASF_PRESENCE_PING = 0x80;
const ASF_PRESENCE_PONG = 0x40;
const RMCP_CLASS_ASF = 0x06;

export type PingOutcome = 'pong' | 'refused' | 'no-route' | 'silent';

/** Encodes a presence ping with the given message tag. Pure. */
export function encodePresencePing(tag: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(0x06, 0); // RMCP version 1.0
  b.writeUInt8(0x00, 1); // reserved
  b.writeUInt8(0xff, 2); // sequence: no RMCP ACK wanted
  b.writeUInt8(RMCP_CLASS_ASF, 3);
  b.writeUInt32BE(ASF_IANA, 4);
  b.writeUInt8(ASF_PRESENCE_PING, 8);
  b.writeUInt8(tag & 0xff, 9);
  b.writeUInt8(0, 10); // reserved
  b.writeUInt8(0, 11); // data length
  return b;
}

/** True when `msg` is a presence pong answering `tag`. Pure; any other datagram is not a pong. */
export function isPresencePong(msg: Buffer, tag: number): boolean {
  return (
    msg.length >= 12 &&
    msg[0] === 0x06 &&
    msg[3] === RMCP_CLASS_ASF &&
    msg.readUInt32BE(4) === ASF_IANA &&
    msg[8] === ASF_PRESENCE_PONG &&
    msg[9] === (tag & 0xff)
  );
}

/** Sends one presence ping to host:port and reports what came back within `timeoutMs`. */
export function presencePing(host: string, port: number, timeoutMs: number): Promise<PingOutcome> {
  const sock = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  const tag = Math.floor(Math.random() * 256);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: PingOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.close();
      resolve(o);
    };
    const timer = setTimeout(() => finish('silent'), timeoutMs);
    sock.on('message', (m) => {
      if (isPresencePong(m, tag)) finish('pong');
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(e.code === 'ECONNREFUSED' ? 'refused' : 'no-route'),
    );
    // a connected UDP socket receives the ICMP "port unreachable" as ECONNREFUSED
    sock.connect(port, host, () => sock.send(encodePresencePing(tag)));
  });
}

// An AF_PACKET socket on one interface that hands back UDP datagrams to a given port together with
// the sender's MAC address (from sockaddr_ll), which a UDP socket cannot tell. The guard uses it to
// name the MAC of a rogue DHCP server. Best effort: a small receive buffer and non-blocking drains, so
// a busy segment costs little and a dropped frame only loses the MAC, never the OFFER itself.
import {
  errnoName,
  int32,
  loadLibc,
  MSG_DONTWAIT,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  type Libc,
} from '../libc.js';

const AF_PACKET = 17;
const ETH_P_IP = 0x0800;
const SO_RCVBUF = 8;
const PACKET_OUTGOING = 4;
const IPPROTO_UDP = 17;

export interface UdpFrame {
  srcMac: string;
  srcIp: string;
  payload: Buffer;
}

/** IPv4 + UDP headers → the datagram for `port`, or undefined. Pure. */
export function udpDatagram(ip: Buffer, port: number): { srcIp: string; payload: Buffer } | undefined {
  if (ip.length < 28 || ip[0]! >> 4 !== 4 || ip[9] !== IPPROTO_UDP) return undefined;
  if ((ip.readUInt16BE(6) & 0x1fff) !== 0 || (ip[6]! & 0x20) !== 0) return undefined; // fragments
  const ihl = (ip[0]! & 0x0f) * 4;
  const total = Math.min(ip.readUInt16BE(2), ip.length);
  if (ihl < 20 || ihl + 8 > total) return undefined;
  if (ip.readUInt16BE(ihl + 2) !== port) return undefined;
  const udpLen = ip.readUInt16BE(ihl + 4);
  if (udpLen < 8 || ihl + udpLen > total) return undefined;
  return {
    srcIp: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`,
    payload: Buffer.from(ip.subarray(ihl + 8, ihl + udpLen)),
  };
}

export class PacketSocket {
  private closed = false;
  private constructor(
    private readonly c: Libc,
    private readonly fd: number,
    private readonly port: number,
  ) {}

  static async open(ifname: string, udpPort: number): Promise<PacketSocket> {
    const c = await loadLibc();
    const ifindex = c.if_nametoindex(ifname);
    if (ifindex === 0) throw new Error(`no interface ${ifname}`);
    const proto = ((ETH_P_IP & 0xff) << 8) | (ETH_P_IP >> 8); // htons
    const fd = c.socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) throw new Error(`AF_PACKET socket on ${ifname}: ${errnoName(c.errno())}`);
    const sock = new PacketSocket(c, fd, udpPort);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, int32(256 * 1024), 4);
    const sll = Buffer.alloc(20);
    sll.writeUInt16LE(AF_PACKET, 0);
    sll.writeUInt16LE(proto, 2);
    sll.writeInt32LE(ifindex, 4);
    if (c.bind(fd, sll, sll.length) !== 0) {
      const e = errnoName(c.errno());
      sock.close();
      throw new Error(`AF_PACKET bind to ${ifname}: ${e}`);
    }
    return sock;
  }

  /** Every queued incoming datagram to our UDP port, with its sender's MAC. */
  drain(max = 4096): UdpFrame[] {
    const out: UdpFrame[] = [];
    const buf = Buffer.alloc(2048);
    const sll = Buffer.alloc(20);
    const len = Buffer.alloc(4);
    for (let i = 0; i < max && !this.closed; i++) {
      len.writeUInt32LE(sll.length, 0);
      const n = this.c.recvfrom(this.fd, buf, buf.length, MSG_DONTWAIT, sll, len);
      if (n < 0) break; // EAGAIN: drained; anything else: this best-effort socket just yields nothing more
      if (sll[10] === PACKET_OUTGOING || sll[11] !== 6) continue;
      const d = udpDatagram(buf.subarray(0, n), this.port);
      if (!d) continue;
      const srcMac = [...sll.subarray(12, 18)].map((b) => b.toString(16).padStart(2, '0')).join(':');
      out.push({ srcMac, ...d });
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.c.close(this.fd);
  }
}

// What a PXE ROM and then iPXE do on the wire before a kernel runs: DHCP DORA (with the firmware's
// architecture, vendor class and, for iPXE, user class + option 175), then a TFTP read of the boot file.
// Built on recon's own DHCPv4 and TFTP codecs; one socket per exchange, bound to the peer's NIC.
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { bootRequest, FLAG_BROADCAST, decode, encode, type Dhcp4Packet } from '../net/dhcp4/codec.js';
import { MessageType, Opt, ipv4Bytes, readIpv4, readText, readU8 } from '../net/dhcp4/options.js';
import { OP, decode as decodeTftp, encodeAck, encodeRequest } from '../net/tftp/codec.js';
import { openDeviceSocket } from '../net/bind-device.js';
import {
  MessageType as Dhcp6Type,
  decodeDhcp6,
  encodeDhcp6,
  isRelay,
  type Dhcp6ClientServerMessage,
} from '../net/dhcp6/codec.js';
import { findOption, type Dhcp6Option } from '../net/dhcp6/options.js';

/** The firmware a simulated peer pretends to be on its first DHCP round. */
export type PxeFirmware = 'bios' | 'uefi';

export interface DhcpLease {
  ip: string;
  prefix: number;
  serverId: string;
  nextServer: string;
  bootFile: string;
}

export interface DhcpRound {
  ifname: string;
  mac: string;
  firmware: PxeFirmware;
  /** true on the second round: the client is iPXE now (user class "iPXE", option 175) */
  ipxe: boolean;
  ports: { server: number; client: number };
  timeoutMs?: number;
  tries?: number;
}

const ARCH: Record<PxeFirmware, number> = { bios: 0, uefi: 7 };

function prefixOf(mask: string | undefined): number {
  if (!mask) return 24;
  return mask.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
}

/** The client's request, as the firmware would send it. Pure. */
export function dhcpRequest(
  r: Pick<DhcpRound, 'mac' | 'firmware' | 'ipxe'>,
  xid: number,
  type: 'DISCOVER' | 'REQUEST',
  offer?: { ip: string; serverId: string },
): Dhcp4Packet {
  const arch = ARCH[r.firmware];
  const o = new Map<number, Buffer>();
  o.set(Opt.messageType, Buffer.from([MessageType[type]]));
  o.set(Opt.clientArch, Buffer.from([0, arch]));
  o.set(Opt.clientNdi, Buffer.from([1, 2, 1]));
  o.set(Opt.vendorClass, Buffer.from(`PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:002001`));
  o.set(Opt.paramRequestList, Buffer.from([1, 3, 6, 12, 15, 28, 43, 60, 66, 67, 119, 175]));
  if (r.ipxe) {
    o.set(Opt.userClass, Buffer.from('iPXE'));
    // iPXE's feature list: a non-empty 175 marks the client as iPXE to servers that look for it
    o.set(Opt.ipxeEncap, Buffer.from([0x13, 1, 1, 0x11, 1, 1]));
  }
  if (type === 'REQUEST' && offer) {
    o.set(Opt.requestedIp, ipv4Bytes(offer.ip));
    o.set(Opt.serverId, ipv4Bytes(offer.serverId));
  }
  return bootRequest({ mac: r.mac, xid, flags: FLAG_BROADCAST, options: o });
}

function awaitReply(
  sock: dgram.Socket,
  xid: number,
  want: number[],
  timeoutMs: number,
): Promise<Dhcp4Packet | undefined> {
  return new Promise((resolve) => {
    const done = (p: Dhcp4Packet | undefined) => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(p);
    };
    const onMessage = (buf: Buffer) => {
      try {
        const p = decode(buf);
        const t = readU8(p.options.get(Opt.messageType));
        if (p.xid === xid && t !== undefined && want.includes(t)) done(p);
      } catch {
        /* not a DHCP reply for us */
      }
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('message', onMessage);
  });
}

/** One DORA; throws when no server answers within the tries, or on a NAK. */
export async function dhcpDora(r: DhcpRound): Promise<DhcpLease> {
  const sock = await openDeviceSocket({ family: 4, ifname: r.ifname, port: r.ports.client, broadcast: true });
  const send = (p: Dhcp4Packet) =>
    new Promise<void>((res, rej) =>
      sock.send(encode(p), r.ports.server, '255.255.255.255', (e) => (e ? rej(e) : res())),
    );
  const timeout = r.timeoutMs ?? 4000;
  try {
    for (let attempt = 0; attempt < (r.tries ?? 5); attempt++) {
      const xid = randomInt(1, 0x7fffffff);
      await send(dhcpRequest(r, xid, 'DISCOVER'));
      const offer = await awaitReply(sock, xid, [MessageType.OFFER], timeout);
      if (!offer) continue;
      const serverId = readIpv4(offer.options.get(Opt.serverId)) ?? offer.siaddr;
      await send(dhcpRequest(r, xid, 'REQUEST', { ip: offer.yiaddr, serverId }));
      const ack = await awaitReply(sock, xid, [MessageType.ACK, MessageType.NAK], timeout);
      if (!ack) continue;
      if (readU8(ack.options.get(Opt.messageType)) === MessageType.NAK)
        throw new Error(`DHCP NAK: ${readText(ack.options.get(Opt.message)) ?? ''}`);
      return {
        ip: ack.yiaddr,
        prefix: prefixOf(readIpv4(ack.options.get(Opt.subnetMask))),
        serverId,
        nextServer: ack.siaddr !== '0.0.0.0' ? ack.siaddr : serverId,
        bootFile: readText(ack.options.get(Opt.bootfileName)) ?? ack.file,
      };
    }
    throw new Error(`no DHCP answer after ${r.tries ?? 5} tries`);
  } finally {
    sock.close();
  }
}

/** DUID-LL (RFC 8415 §11.4) of an Ethernet MAC: what iPXE sends as its client identifier. Pure. */
export function duidLl(mac: string): Buffer {
  return Buffer.concat([Buffer.from([0, 3, 0, 1]), Buffer.from(mac.split(':').map((h) => parseInt(h, 16)))]);
}

/** The client's DHCPv6 message: SOLICIT for any address, REQUEST for the one advertised. Pure. */
export function dhcp6Request(
  mac: string,
  transactionId: number,
  advertised?: { serverId: Buffer; iaid: number; address: string },
): Dhcp6ClientServerMessage {
  const iaOptions: Dhcp6Option[] = advertised
    ? [{ kind: 'iaAddr', address: advertised.address, preferred: 0, valid: 0, options: [] }]
    : [];
  return {
    type: advertised ? Dhcp6Type.REQUEST : Dhcp6Type.SOLICIT,
    transactionId,
    options: [
      { kind: 'clientId', duid: duidLl(mac) },
      ...(advertised ? [{ kind: 'serverId' as const, duid: advertised.serverId }] : []),
      { kind: 'elapsedTime', centiseconds: 0 },
      { kind: 'oro', codes: [23, 24, 59] },
      { kind: 'iaNa', iaid: advertised?.iaid ?? 1, t1: 0, t2: 0, options: iaOptions },
    ],
  };
}

/** The address and server of an ADVERTISE or REPLY for this transaction, if it carries one. Pure. */
export function dhcp6Answer(
  buf: Buffer,
  transactionId: number,
  type: number,
): { serverId: Buffer; iaid: number; address: string } | undefined {
  let m;
  try {
    m = decodeDhcp6(buf);
  } catch {
    return undefined;
  }
  if (isRelay(m) || m.type !== type || m.transactionId !== transactionId) return undefined;
  const server = findOption(m.options, 'serverId');
  const ia = findOption(m.options, 'iaNa');
  const addr = ia && findOption(ia.options, 'iaAddr');
  return server && ia && addr ? { serverId: server.duid, iaid: ia.iaid, address: addr.address } : undefined;
}

/**
 * iPXE's DHCPv6 when the router advertisement sets the M flag: SOLICIT → ADVERTISE → REQUEST → REPLY to
 * All_DHCP_Relay_Agents_and_Servers on the NIC; returns the address bound. Throws when no server answers.
 */
export async function dhcp6Lease(r: {
  ifname: string;
  mac: string;
  timeoutMs?: number;
  tries?: number;
}): Promise<string> {
  const sock = await openDeviceSocket({ family: 6, ifname: r.ifname, port: 546 });
  const exchange = (msg: Dhcp6ClientServerMessage, want: number, timeoutMs: number) =>
    new Promise<ReturnType<typeof dhcp6Answer>>((resolve) => {
      const onMessage = (buf: Buffer) => {
        const a = dhcp6Answer(buf, msg.transactionId, want);
        if (a) done(a);
      };
      const done = (a: ReturnType<typeof dhcp6Answer>) => {
        clearTimeout(timer);
        sock.off('message', onMessage);
        resolve(a);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      sock.on('message', onMessage);
      // a link-local address still in duplicate address detection cannot send yet: the next try will
      sock.send(encodeDhcp6(msg), 547, `ff02::1:2%${r.ifname}`, () => undefined);
    });
  try {
    for (let attempt = 0; attempt < (r.tries ?? 6); attempt++) {
      const xid = randomInt(1, 0xffffff);
      const advertised = await exchange(dhcp6Request(r.mac, xid), Dhcp6Type.ADVERTISE, r.timeoutMs ?? 1500);
      if (!advertised) continue;
      const bound = await exchange(
        dhcp6Request(r.mac, xid, advertised),
        Dhcp6Type.REPLY,
        r.timeoutMs ?? 1500,
      );
      if (bound) return bound.address;
    }
    throw new Error(`no DHCPv6 answer after ${r.tries ?? 6} tries`);
  } finally {
    sock.close();
  }
}

/** Reads `file` from a TFTP server (blksize + tsize, lock-step ACKs, retransmit on timeout); returns its size. */
export async function tftpFetch(
  server: string,
  port: number,
  file: string,
  opts: { blksize?: number; timeoutMs?: number; retries?: number } = {},
): Promise<number> {
  const dgramMod = await import('node:dgram');
  const sock = dgramMod.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, r));
  const blksize = opts.blksize ?? 1468;
  // forgiving like a ROM's backoff: a busy host (hundreds of peers, other load) must not fail the boot
  const timeoutMs = opts.timeoutMs ?? 2000;
  const retries = opts.retries ?? 8;
  let size = 0;
  let expect = 1;
  let block = 512; // until the OACK says otherwise
  let tid: number | undefined;
  let last: { buf: Buffer; port: number } = {
    buf: encodeRequest(OP.RRQ, file, 'octet', { blksize: String(blksize), tsize: '0' }),
    port,
  };
  try {
    return await new Promise<number>((resolve, reject) => {
      let tries = 0;
      let timer: NodeJS.Timeout;
      const sendLast = () => {
        sock.send(last.buf, last.port, server);
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (++tries > retries) return reject(new Error(`TFTP ${file}: timed out at block ${expect}`));
          sendLast();
        }, timeoutMs);
      };
      sock.on('message', (buf, rinfo) => {
        if (tid !== undefined && rinfo.port !== tid) return;
        let p;
        try {
          p = decodeTftp(buf);
        } catch {
          return;
        }
        tid = rinfo.port;
        tries = 0;
        if (p.op === OP.ERROR) {
          clearTimeout(timer);
          return reject(new Error(`TFTP ${file}: error ${p.code} ${p.message}`));
        }
        if (p.op === OP.OACK) {
          block = Number(p.options.get('blksize') ?? 512);
          last = { buf: encodeAck(0), port: tid };
          return sendLast();
        }
        if (p.op !== OP.DATA) return;
        if (p.block === (expect & 0xffff)) {
          size += p.data.length;
          expect++;
        }
        last = { buf: encodeAck(p.block), port: tid };
        if (p.block === ((expect - 1) & 0xffff) && p.data.length < block) {
          sock.send(last.buf, last.port, server);
          clearTimeout(timer);
          return resolve(size);
        }
        sendLast();
      });
      sendLast();
    });
  } finally {
    sock.close();
  }
}

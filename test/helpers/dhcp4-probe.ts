// A scripted PXE client, run inside a peer namespace, for what busybox/dhclient cannot do: collect
// every OFFER to one DISCOVER (proxyDHCP sits beside another server), and ask a boot server on port
// 4011. Prints one JSON line per reply: {from, type, yiaddr, siaddr, file, options{code: hex}}.
// usage: node --import tsx test/helpers/dhcp4-probe.ts discover MAC WAIT_MS
//        node --import tsx test/helpers/dhcp4-probe.ts pxe-request MAC WAIT_MS CIADDR SERVER
import dgram from 'node:dgram';
import { bootRequest, FLAG_BROADCAST, decode, encode } from '../../src/net/dhcp4/codec.js';
import { MessageType, Opt, messageTypeName } from '../../src/net/dhcp4/options.js';

const [mode, mac = '52:54:00:dd:00:01', waitArg = '2000', ciaddr = '0.0.0.0', server = ''] =
  process.argv.slice(2);
const pxe = mode === 'pxe-request';
const req = bootRequest({
  mac,
  xid: (Math.random() * 0xffffffff) >>> 0,
  secs: 4,
  flags: pxe ? 0 : FLAG_BROADCAST,
  ciaddr,
  options: new Map([
    [Opt.messageType, Buffer.from([pxe ? MessageType.REQUEST : MessageType.DISCOVER])],
    [Opt.paramRequestList, Buffer.from([1, 3, 6, 43, 60, 66, 67])],
    [Opt.vendorClass, Buffer.from('PXEClient:Arch:00000:UNDI:002001')],
    [Opt.clientArch, Buffer.from([0, 0])],
    [Opt.clientNdi, Buffer.from([1, 2, 1])],
    [Opt.clientUuid, Buffer.concat([Buffer.from([0]), Buffer.alloc(16, 0x5a)])],
  ]),
});
const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
await new Promise<void>((r) => sock.bind(pxe ? 4011 : 68, pxe ? ciaddr : '0.0.0.0', () => r()));
sock.setBroadcast(true);
sock.on('message', (buf, rinfo) => {
  try {
    const p = decode(buf);
    if (p.xid !== req.xid) return;
    const options = Object.fromEntries([...p.options].map(([k, v]) => [k, v.toString('hex')]));
    const type = messageTypeName(p.options.get(Opt.messageType)?.[0]);
    process.stdout.write(
      `${JSON.stringify({ from: rinfo.address, port: rinfo.port, type, yiaddr: p.yiaddr, siaddr: p.siaddr, file: p.file, options })}\n`,
    );
  } catch {
    /* not a DHCP reply */
  }
});
sock.send(encode(req), pxe ? 4011 : 67, pxe ? server : '255.255.255.255');
await new Promise((r) => setTimeout(r, Number(waitArg)));
sock.close();

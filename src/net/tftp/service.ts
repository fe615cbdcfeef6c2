// The TFTP service: read-only, confined to config.tftpRoot (plus the iPXE binaries from the
// distribution's iPXE directory), RFC 2347/2348/2349/7440 options, bounded concurrency, one event
// trail per transfer for the console.
//
// Why not the `tftp` npm package (0.1.2): it never acknowledges the client's `timeout` option and uses
// one global timer, caps nothing by the interface MTU, has no bound on concurrent transfers, and
// builds the path as `root + "/" + file` with no realpath check, so a symlink in the root leads out
// of it. The protocol is small enough that recon owns it: codec.ts (pure), options.ts (pure),
// files.ts (containment), transfer.ts (one transfer), this file (requests, slots, events).
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { ServiceStarter } from '../../master/service.js';
import type { StateStore } from '../../master/state/store.js';
import type { NewEvent } from '../../master/state/events.js';
import { decode, encodeError, ERR, OP } from './codec.js';
import { openForRead, TftpFileError, type FileRoots } from './files.js';
import { negotiate, type TftpLimits } from './options.js';
import { TftpTransfer } from './transfer.js';

/** At most this many progress events per transfer per second (they drive a progress bar, nothing more). */
const PROGRESS_PER_SECOND = 4;

function interfaceMtu(ifname: string): number {
  try {
    const mtu = Number(readFileSync(`/sys/class/net/${ifname}/mtu`, 'utf8').trim());
    return Number.isInteger(mtu) && mtu >= 576 ? mtu : 1500;
  } catch {
    return 1500;
  }
}

function macForIp(store: StateStore, ip: string): string | undefined {
  for (const n of Object.values(store.state.nodes)) if (n.lease4?.ip === ip || n.ip4 === ip) return n.mac;
  return undefined;
}

let transferCounter = 0;

export const startTftp: ServiceStarter = async (ctx) => {
  const { config, store } = ctx;
  const log = ctx.log.child({ service: 'tftp' });
  const local = config.ipv4.address;
  const bootNames = new Set(Object.values(config.boot.files));
  const roots: FileRoots = {
    root: config.tftpRoot,
    fallbackDirs: config.boot.ipxeDir,
    fallbackNames: bootNames,
  };
  const mtu = interfaceMtu(config.interface);
  const limits: TftpLimits = {
    maxBlksize: config.tftp.maxBlksize,
    mtu,
    maxWindowsize: config.tftp.maxWindowsize,
    defaultTimeoutSeconds: config.tftp.timeoutSeconds,
  };
  /** client "ip:port" → its transfer (a retransmitted RRQ must not start a second one) */
  const active = new Map<string, TftpTransfer | 'opening'>();
  const emit = (ev: NewEvent) => {
    store.emit(ev).catch((err: unknown) => log.error({ err, type: ev.type }, 'tftp event not stored'));
  };

  const sock = createSocket({ type: 'udp4' });
  const refuse = (address: string, port: number, code: number, message: string) =>
    sock.send(encodeError(code, message), port, address, () => undefined);

  async function handleRead(address: string, port: number, file: string, options: Map<string, string>) {
    const key = `${address}:${port}`;
    active.set(key, 'opening');
    let opened;
    try {
      opened = await openForRead(file, roots);
    } catch (e) {
      active.delete(key);
      const code = e instanceof TftpFileError ? e.code : ERR.ACCESS;
      const message =
        e instanceof TftpFileError && code === ERR.NOT_FOUND ? 'File not found' : 'Access violation';
      log.info({ client: address, file, reason: (e as Error).message }, 'tftp request refused');
      refuse(address, port, code, message);
      return;
    }
    const negotiated = negotiate(options, limits, opened.source.size);
    const id = `tftp-${Date.now().toString(36)}-${++transferCounter}`;
    const mac = macForIp(store, address);
    const kind = bootNames.has(opened.name) ? 'bootloader' : 'other';
    let lastProgress = 0;
    let announced = false;
    const transfer = new TftpTransfer({
      local,
      client: { address, port },
      source: opened.source,
      negotiated,
      retries: config.tftp.retries,
      hooks: {
        // announced with the first DATA block: an EDK2 size probe (OACK, then abort) is not a transfer
        onData: () => {
          announced = true;
          emit({
            type: 'transfer.start',
            data: { id, proto: 'tftp', ip: address, mac, file: opened.name, kind, size: opened.source.size },
          });
        },
        onProgress: (bytes) => {
          const now = Date.now();
          if (now - lastProgress < 1000 / PROGRESS_PER_SECOND) return;
          lastProgress = now;
          emit({ type: 'transfer.progress', data: { id, bytes } });
        },
        onEnd: (end) => {
          active.delete(key);
          if (!announced) {
            // no data went out: an EDK2 size probe (OACK, then "user aborted") or a client gone before ACK 0
            const level = end.probeOnly ? 'debug' : 'info';
            log[level](
              { client: address, file: opened.name, reason: end.reason },
              'tftp request ended before data',
            );
          } else if (end.ok) {
            log.info(
              { client: address, mac, file: opened.name, bytes: end.bytes, ms: end.ms },
              'tftp transfer done',
            );
            emit({ type: 'transfer.done', data: { id, bytes: end.bytes, ms: end.ms } });
          } else {
            log.warn({ client: address, mac, file: opened.name, reason: end.reason }, 'tftp transfer failed');
            emit({ type: 'transfer.failed', data: { id, bytes: end.bytes, reason: end.reason ?? 'failed' } });
          }
        },
      },
    });
    active.set(key, transfer);
    log.debug({ client: address, file: opened.name, ...negotiated }, 'tftp read request');
    await transfer.start();
  }

  sock.on('message', (msg, rinfo) => {
    let pkt;
    try {
      pkt = decode(msg);
    } catch (e) {
      log.debug({ client: rinfo.address, reason: (e as Error).message }, 'tftp packet dropped');
      return;
    }
    const { address, port } = rinfo;
    if (pkt.op === OP.WRQ) {
      log.info({ client: address, file: pkt.file }, 'tftp write refused');
      refuse(address, port, ERR.ACCESS, 'Read-only server');
      return;
    }
    if (pkt.op !== OP.RRQ) return;
    if (active.has(`${address}:${port}`)) return;
    if (pkt.mode !== 'octet' && pkt.mode !== 'netascii') {
      refuse(address, port, ERR.ILLEGAL_OP, `Mode ${pkt.mode} not supported`);
      return;
    }
    if (active.size >= config.tftp.maxTransfers) {
      log.warn({ client: address, file: pkt.file, max: config.tftp.maxTransfers }, 'tftp busy');
      refuse(address, port, ERR.UNDEFINED, 'Server busy, try again');
      return;
    }
    // netascii is served byte for byte: boot files are binary, and no PXE client asks for netascii
    handleRead(address, port, pkt.file, pkt.options).catch((err: unknown) => {
      active.delete(`${address}:${port}`);
      log.error({ err, client: address }, 'tftp request failed');
    });
  });

  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: local, port: config.ports.tftp, exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', (err) => log.warn({ err }, 'tftp socket error'));
      resolve();
    });
  });
  const where = `${local}:${sock.address().port}`;
  log.info({ address: where, root: config.tftpRoot, mtu, limits }, 'tftp listening');
  await store.emit({ type: 'service', data: { service: 'tftp', state: 'up', detail: where } });
  return {
    name: 'tftp',
    stop: async () => {
      sock.close();
      for (const t of active.values()) if (t !== 'opening') t.abort('server stopping');
      await Promise.resolve();
    },
  };
};

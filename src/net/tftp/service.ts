// The TFTP service: read-only, confined to config.tftpRoot (plus the iPXE binaries from the
// distribution's iPXE directory and its signed shim and GRUB), RFC 2347/2348/2349/7440 options, bounded concurrency per client and in
// all (slots.ts: a stalled transfer makes room first), one event trail per transfer for the console.
//
// Why not the `tftp` npm package (0.1.2): it never acknowledges the client's `timeout` option and uses
// one global timer, caps nothing by the interface MTU, has no bound on concurrent transfers, and
// builds the path as `root + "/" + file` with no realpath check, so a symlink in the root leads out
// of it. The protocol is small enough that recon owns it: codec.ts (pure), options.ts (pure),
// files.ts (containment), transfer.ts (one transfer's protocol), transfer-socket.ts (a transfer's own
// socket and timer), slots.ts (who gets a slot), this file (port 69: requests, refusals, events).
// For the Secure Boot chain it also answers what the signed network GRUB asks for: `grub/grub.cfg`,
// generated for the requester's MAC (grub-cfg.ts), and the live image's kernel and initrd under the
// same path as over HTTP (install/<imageDir>/...), since GRUB under Secure Boot has no http.
// Everything runs on the event loop: the boot files are small (74 KB and 830 KB), and transfer threads
// earned nothing in a 200-peer boot storm but 50 MiB of memory (docs/BENCHMARKS.md).
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { RunningService, ServiceContext } from '../../model/service.js';
import type { StateStore } from '../../model/store.js';
import type { NewEvent } from '../../model/events.js';
import { decode, encodeError, ERR, OP } from './codec.js';
import type { TransferKind } from '../http/transfers.js';
import {
  bootKind,
  bootMenuInput,
  currentImage,
  imageDirPath,
  imageUrlPath,
  MENU_RETRY_SECONDS,
} from '../http/boot-routes.js';
import type { LiveMedium } from '../http/live-medium.js';
import { SIGNED_SOURCES, signedCandidates } from '../signed-files.js';
import {
  normalizeRequestName,
  resolveRequest,
  TftpFileError,
  type FileRoots,
  type ResolvedFile,
} from './files.js';
import { GRUB_CFG_NAME, renderGrubConfig, renderGrubWait } from './grub-cfg.js';
import { negotiate, type TftpLimits } from './options.js';
import type { TransferEnd } from './transfer.js';
import { startTransfer, type AbortTransfer } from './transfer-socket.js';
import { decideSlot, type SlotHolder, type SlotLimits } from './slots.js';

/** How long a stopping service waits for its aborted transfers to report their end. */
const STOP_WAIT_MS = 2000;

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

/** A transfer holding a slot. */
interface ActiveTransfer extends SlotHolder {
  abort: AbortTransfer;
  ended: Promise<void>;
}

/** `live`: the medium the HTTP service serves the image from (the master booted from its stick). */
export async function startTftp(ctx: ServiceContext, live?: LiveMedium): Promise<RunningService> {
  const { config, store } = ctx;
  const log = ctx.log.child({ service: 'tftp' });
  const local = config.ipv4.address;
  const bootNames = new Set([...Object.values(config.boot.files), ...Object.keys(SIGNED_SOURCES)]);
  const roots: FileRoots = {
    root: config.tftpRoot,
    fallbackDirs: config.boot.ipxeDir,
    fallbackNames: new Set(Object.values(config.boot.files)),
    elsewhere: new Map(
      Object.keys(SIGNED_SOURCES).map((n) => [
        n,
        signedCandidates(n, config.tftpRoot, config.boot.signedDirs),
      ]),
    ),
  };
  const imagePrefix = `${imageUrlPath(config).replace(/^\/+/, '')}/`;

  /** grub.cfg for this client, or the live image's kernel/initrd; undefined for any other name. */
  function bootConfigFile(name: string, address: string): ResolvedFile | undefined {
    if (name === GRUB_CFG_NAME) {
      const mac = macForIp(store, address);
      const choice = currentImage(config, live);
      const wait = (reason: string) =>
        renderGrubWait({ reason, retrySeconds: MENU_RETRY_SECONDS, masterAddress: local });
      const text = !mac
        ? wait(`no lease for ${address}`)
        : choice.ok
          ? renderGrubConfig({ ...bootMenuInput(config, choice), mac })
          : wait(choice.missing);
      // a stranger asking is its own business (and could fill the log); a node that cannot boot is the operator's
      if (!mac) log.debug({ client: address }, 'grub.cfg: no lease for the requester');
      else if (!choice.ok)
        log.warn({ client: address, mac, reason: choice.missing }, 'grub.cfg: live image not available');
      const data = Buffer.from(text);
      return { path: name, size: data.length, mtimeMs: Date.now(), data };
    }
    if (!name.startsWith(imagePrefix)) return undefined;
    const file = name.slice(imagePrefix.length);
    const choice = currentImage(config, live);
    if (!choice.ok || (file !== choice.image.kernel && file !== choice.image.initrd)) return undefined;
    if (live) {
      const extent = live.extents[file];
      return extent && { path: live.device, size: extent.size, mtimeMs: 0, offset: extent.offset };
    }
    const dir = imageDirPath(config);
    return dir ? resolveRequest(file, { root: dir, fallbackDirs: [], fallbackNames: new Set() }) : undefined;
  }

  function kindOf(name: string): TransferKind {
    if (bootNames.has(name)) return 'bootloader';
    if (name === GRUB_CFG_NAME) return 'menu';
    return name.startsWith(imagePrefix) ? bootKind(name.slice(imagePrefix.length)) : 'other';
  }
  const mtu = interfaceMtu(config.interface);
  const limits: TftpLimits = {
    maxBlksize: config.tftp.maxBlksize,
    mtu,
    maxWindowsize: config.tftp.maxWindowsize,
    defaultTimeoutSeconds: config.tftp.timeoutSeconds,
  };
  /** client "ip:port" → its transfer (a retransmitted RRQ must not start a second one) */
  const active = new Map<string, ActiveTransfer>();
  const slotLimits: SlotLimits = {
    total: config.tftp.maxTransfers,
    perClient: config.tftp.maxTransfersPerClient,
    // a whole retransmission timeout without an ACK: an honest client answers in milliseconds
    stalledMs: config.tftp.timeoutSeconds * 1000,
  };
  const emit = (ev: NewEvent) => {
    store.emit(ev).catch((err: unknown) => log.error({ err, type: ev.type }, 'tftp event not stored'));
  };

  const sock = createSocket({ type: 'udp4' });
  const refuse = (address: string, port: number, code: number, message: string) =>
    sock.send(encodeError(code, message), port, address, () => undefined);

  function handleRead(address: string, port: number, file: string, options: Map<string, string>): void {
    const key = `${address}:${port}`;
    let found: { name: string } & ResolvedFile;
    try {
      const name = normalizeRequestName(file);
      const generated = bootConfigFile(name, address);
      found = generated ? { ...generated, name } : resolveRequest(file, roots);
    } catch (e) {
      const code = e instanceof TftpFileError ? e.code : ERR.ACCESS;
      const message =
        e instanceof TftpFileError && code === ERR.NOT_FOUND ? 'File not found' : 'Access violation';
      log.info({ client: address, file, reason: (e as Error).message }, 'tftp request refused');
      refuse(address, port, code, message);
      return;
    }
    const { name, ...resolved } = found;
    const negotiated = negotiate(options, limits, resolved.size);
    const id = `tftp-${Date.now().toString(36)}-${++transferCounter}`;
    const mac = macForIp(store, address);
    const kind = kindOf(name);
    let announced = false;
    const announce = () => {
      announced = true;
      emit({
        type: 'transfer.start',
        data: { id, proto: 'tftp', ip: address, mac, file: name, kind, size: resolved.size },
      });
    };
    let settle!: () => void;
    const entry: ActiveTransfer = {
      key,
      address,
      lastProgressAt: performance.now(),
      abort: () => undefined,
      ended: new Promise<void>((resolve) => (settle = resolve)),
    };
    const onEnd = (end: TransferEnd) => {
      // an evicted transfer has left the map already, and its key may be taken again
      if (active.get(key) === entry) active.delete(key);
      settle();
      // a one-block file is acknowledged only by the ACK that ends it
      if (!announced && end.ok) announce();
      if (!announced) {
        // nothing acknowledged: an EDK2 size probe (OACK, then "user aborted"), a client gone before
        // ACK 0, or one that never acknowledges (a flood of them must not fill the log or the events)
        const level = end.probeOnly || end.bytes === 0 ? 'debug' : 'info';
        log[level]({ client: address, file: name, reason: end.reason }, 'tftp request ended unacknowledged');
      } else if (end.ok) {
        log.info({ client: address, mac, file: name, bytes: end.bytes, ms: end.ms }, 'tftp transfer done');
        emit({ type: 'transfer.done', data: { id, bytes: end.bytes, ms: end.ms } });
      } else {
        log.warn({ client: address, mac, file: name, reason: end.reason }, 'tftp transfer failed');
        emit({ type: 'transfer.failed', data: { id, bytes: end.bytes, reason: end.reason ?? 'failed' } });
      }
    };
    entry.abort = startTransfer(
      { local, client: { address, port }, file: resolved, negotiated, retries: config.tftp.retries },
      {
        // announced with the first acknowledged block: an EDK2 size probe (OACK, then abort) is not a
        // transfer, nor is a request whose client never acknowledges anything
        onData: () => undefined,
        onProgress: (bytes) => {
          entry.lastProgressAt = performance.now();
          if (!announced) announce();
          emit({ type: 'transfer.progress', data: { id, bytes } });
        },
        onEnd,
      },
    );
    active.set(key, entry);
    log.debug({ client: address, file: name, ...negotiated }, 'tftp read request');
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
    const slot = decideSlot([...active.values()], address, performance.now(), slotLimits);
    if (slot.kind === 'refuse') {
      // a client over its own cap is its own business; a full server is the operator's
      const level = slot.full === 'client' ? 'debug' : 'warn';
      log[level]({ client: address, file: pkt.file, full: slot.full, ...slotLimits }, 'tftp busy');
      refuse(address, port, ERR.UNDEFINED, 'Server busy, try again');
      return;
    }
    if (slot.kind === 'evict') {
      const victim = active.get(slot.key);
      active.delete(slot.key);
      victim?.abort('no acknowledgement while the server was full');
      // the client that stalls decides how often this happens: not worth a line of the log each time
      log.debug({ client: victim?.address, for: address }, 'tftp stalled transfer evicted');
    }
    // netascii is served byte for byte: boot files are binary, and no PXE client asks for netascii
    try {
      handleRead(address, port, pkt.file, pkt.options);
    } catch (err) {
      log.error({ err, client: address }, 'tftp request failed');
    }
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
      const ending = [...active.values()].map((t) => {
        t.abort('server stopping');
        return t.ended;
      });
      // their end events go into the store, which closes after the services
      await Promise.race([Promise.all(ending), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
  };
}

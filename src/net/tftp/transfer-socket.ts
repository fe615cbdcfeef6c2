// One transfer's socket on the main thread's event loop: a UDP socket of its own (the server's transfer
// ID) bound to the server's address and connected to the client's, so the kernel drops strangers'
// packets and an ICMP "port unreachable" from a client that went away ends the transfer. The protocol
// is transfer.ts; this file feeds it datagrams and timeouts and sends what it hands over.
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { encodeError, ERR } from './codec.js';
import { openSource, type ResolvedFile } from './files.js';
import type { Negotiated } from './options.js';
import { TftpTransfer, type TransferEnd } from './transfer.js';

export interface TransferRequest {
  /** the server's address: the transfer's socket is bound to it */
  local: string;
  client: { address: string; port: number };
  file: ResolvedFile;
  negotiated: Negotiated;
  retries: number;
}

export interface TransferCallbacks {
  /** the first DATA block went out (an EDK2 size probe never gets here) */
  onData(): void;
  onProgress(bytes: number): void;
  onEnd(end: TransferEnd): void;
}

/** Ends the transfer: the client gets an ERROR with the reason; onEnd follows. */
export type AbortTransfer = (reason: string) => void;

/** At most this many progress reports per transfer per second (they drive a progress bar, nothing more). */
const PROGRESS_PER_SECOND = 4;
/** room for a whole window in the socket */
const SEND_BUFFER = 1 << 20;

/** Starts a transfer; its end (whatever it is) comes through callbacks.onEnd, never as a throw. */
export function startTransfer(req: TransferRequest, callbacks: TransferCallbacks): AbortTransfer {
  const sock = createSocket({ type: 'udp4', sendBufferSize: SEND_BUFFER });
  let transfer: TftpTransfer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastProgress = 0;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    sock.close();
  };
  const fail = (reason: string) => {
    close();
    callbacks.onEnd({ ok: false, bytes: 0, ms: 0, reason });
  };
  /**
   * One timer per transfer, set for the deadline the transfer had when it was set: every ACK moves the
   * deadline, and a timer that fires early is set again for the rest instead of being reset per block.
   */
  const schedule = () => {
    if (closed || !transfer || transfer.done || timer) return;
    const wait = Math.max(0, Math.ceil(transfer.deadline - performance.now()));
    timer = setTimeout(() => {
      timer = undefined;
      if (!transfer || transfer.done) return;
      if (performance.now() >= transfer.deadline) transfer.onTimeout();
      schedule();
    }, wait);
  };
  /**
   * The kernel reports a pending "port unreachable" before the datagrams queued behind it, and a client
   * that acknowledged the last block and closed its port makes one out of any duplicate still in
   * flight: the refusal ends the transfer only if it still wants an answer once the next poll has read
   * what was queued (an immediate set from an immediate runs after that poll).
   */
  const refused = () =>
    setImmediate(() =>
      setImmediate(() => {
        if (transfer && !transfer.done) transfer.fail('client went away (port unreachable)');
      }),
    );
  sock.on('error', (err: NodeJS.ErrnoException) => {
    if (!transfer) fail(`socket: ${err.message}`);
    else if (err.code === 'ECONNREFUSED') refused();
    else transfer.fail(`socket error ${err.code ?? err.message}`);
  });
  sock.on('message', (msg) => {
    transfer?.onPacket(msg);
    schedule();
  });
  // bind and connect failures come as 'error' events before a transfer exists
  sock.once('connect', () => {
    if (closed) return;
    let source;
    try {
      source = openSource(req.file);
    } catch (e) {
      sock.send(encodeError(ERR.UNDEFINED, 'read error'), () => close());
      callbacks.onEnd({ ok: false, bytes: 0, ms: 0, reason: `read error: ${(e as Error).message}` });
      return;
    }
    transfer = new TftpTransfer({
      source,
      negotiated: req.negotiated,
      retries: req.retries,
      link: {
        // a datagram is copied whole: the transfer reuses its header buffer for the next block, and
        // Node keeps what it could not send at once until it can
        send: (parts) => sock.send(parts.length === 1 ? parts[0]! : Buffer.concat(parts)),
        now: () => performance.now(),
      },
      hooks: {
        onData: () => callbacks.onData(),
        onProgress: (bytes) => {
          const now = performance.now();
          if (now - lastProgress < 1000 / PROGRESS_PER_SECOND) return;
          lastProgress = now;
          callbacks.onProgress(bytes);
        },
        onEnd: (end) => {
          // let the last datagram (an ERROR to the client, say) leave before the socket closes
          setImmediate(close);
          callbacks.onEnd(end);
        },
      },
    });
    transfer.begin();
    schedule();
  });
  sock.bind({ address: req.local, port: 0 }, () => {
    if (!closed) sock.connect(req.client.port, req.client.address);
  });
  return (reason) => {
    if (transfer) transfer.abort(reason);
    else if (!closed) fail(reason);
  };
}

// One read transfer: its own UDP socket (the server's transfer ID), connected to the client's, so the
// kernel drops strangers' packets and an ICMP "port unreachable" from a client that went away ends
// the transfer at once. Sends a window of blocks (RFC 7440), moves on at each ACK, resends the
// window from the last acknowledged block on timeout, and gives up after `retries` timeouts.
import { createSocket, type Socket } from 'node:dgram';
import { dataHeader, decode, encodeError, encodeOack, ERR, OP } from './codec.js';
import type { BlockSource } from './files.js';
import type { Negotiated } from './options.js';

export interface TransferEnd {
  ok: boolean;
  bytes: number;
  ms: number;
  reason?: string;
  /** the client aborted right after the OACK before any data (EDK2 does this to learn tsize) */
  probeOnly?: boolean;
}

export interface TransferHooks {
  /** the first DATA block is going out (after the OACK was acknowledged, if there was one) */
  onData(): void;
  onProgress(bytes: number): void;
  onEnd(end: TransferEnd): void;
}

export interface TransferParams {
  local: string;
  client: { address: string; port: number };
  source: BlockSource;
  negotiated: Negotiated;
  retries: number;
  hooks: TransferHooks;
}

export class TftpTransfer {
  private sock: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** highest block the client acknowledged (absolute numbering: blocks past 65535 roll over on the wire) */
  private acked = 0;
  /** highest block sent so far */
  private sent = 0;
  /** the last block of the file, known once it has been read (a block shorter than blksize) */
  private finalBlock: number | undefined;
  private misses = 0;
  private started = false;
  private ended = false;
  private sending = false;
  private readonly t0 = Date.now();

  constructor(private readonly p: TransferParams) {}

  async start(): Promise<void> {
    const sock = createSocket('udp4');
    this.sock = sock;
    sock.on('error', (err: NodeJS.ErrnoException) =>
      this.finish(false, err.code === 'ECONNREFUSED' ? 'client went away (port unreachable)' : err.message),
    );
    sock.on('message', (msg) => this.onMessage(msg));
    await new Promise<void>((resolve) => sock.bind(0, this.p.local, resolve));
    await new Promise<void>((resolve) => sock.connect(this.p.client.port, this.p.client.address, resolve));
    if (this.p.negotiated.oack) this.sendOack();
    else this.beginData();
  }

  /** Ends the transfer from outside (server stopping). */
  abort(reason: string): void {
    if (this.ended) return;
    this.send(encodeError(ERR.UNDEFINED, reason));
    this.finish(false, reason);
  }

  private get bytesDone(): number {
    const { blksize } = this.p.negotiated;
    if (this.finalBlock !== undefined && this.acked >= this.finalBlock) return this.p.source.size;
    return Math.min(this.acked * blksize, this.p.source.size);
  }

  private send(buf: Buffer | Buffer[]): void {
    if (this.sock && !this.ended) this.sock.send(buf);
  }

  private arm(): void {
    // refresh() re-arms the same timer: cheaper than a new one per block
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onTimeout(), this.p.negotiated.timeoutMs);
  }

  private sendOack(): void {
    this.send(encodeOack(this.p.negotiated.oack!));
    this.arm();
  }

  private beginData(): void {
    this.started = true;
    this.p.hooks.onData();
    this.sendWindow();
  }

  private onTimeout(): void {
    if (this.ended) return;
    if (++this.misses > this.p.retries) {
      this.finish(false, `no answer after ${this.misses - 1} retransmissions`);
      return;
    }
    if (!this.started) this.sendOack();
    else {
      // go back to the first unacknowledged block
      this.sent = this.acked;
      this.sendWindow();
    }
  }

  /** Sends blocks acked+1 .. acked+windowsize (those not sent yet). */
  private sendWindow(): void {
    if (this.sending || this.ended) return;
    const { blksize, windowsize } = this.p.negotiated;
    const from = Math.max(this.sent, this.acked) + 1;
    let to = this.acked + windowsize;
    if (this.finalBlock !== undefined) to = Math.min(to, this.finalBlock);
    if (from > to) return;
    const got = this.p.source.read((from - 1) * blksize, (to - from + 1) * blksize);
    // cached files answer synchronously: no promise round trip per block on the hot path
    if (Buffer.isBuffer(got)) {
      this.sendBlocks(from, to, got);
      return;
    }
    this.sending = true;
    got.then(
      (data) => {
        this.sending = false;
        if (!this.ended) this.sendBlocks(from, to, data);
      },
      (err: Error) => {
        this.sending = false;
        this.send(encodeError(ERR.UNDEFINED, 'read error'));
        this.finish(false, `read error: ${err.message}`);
      },
    );
  }

  private sendBlocks(from: number, to: number, data: Buffer): void {
    const { blksize, windowsize } = this.p.negotiated;
    for (let b = from; b <= to; b++) {
      const chunk = data.subarray((b - from) * blksize, (b - from + 1) * blksize);
      // header and payload go out as one datagram without copying the payload
      this.send([dataHeader(b), chunk]);
      this.sent = b;
      if (chunk.length < blksize) {
        this.finalBlock = b;
        break;
      }
    }
    this.arm();
    // an ACK may have arrived while reading
    if (this.sent < this.acked + windowsize && (this.finalBlock === undefined || this.sent < this.finalBlock))
      this.sendWindow();
  }

  private onMessage(msg: Buffer): void {
    if (this.ended) return;
    let pkt;
    try {
      pkt = decode(msg);
    } catch {
      // not TFTP: ignore it, as a lost packet
      return;
    }
    if (pkt.op === OP.ERROR) {
      this.finish(false, `client error ${pkt.code}: ${pkt.message}`, !this.started);
      return;
    }
    if (pkt.op !== OP.ACK) return;
    if (!this.started) {
      if (pkt.block === 0) {
        this.misses = 0;
        this.beginData();
      }
      return;
    }
    // map the 16-bit wire number to the window it can belong to (block numbers roll over past 65535)
    const abs = this.acked + ((pkt.block - this.acked) & 0xffff);
    // duplicates and stale ACKs are ignored: resending on them would start the Sorcerer's Apprentice
    if (abs <= this.acked || abs > this.sent) return;
    this.acked = abs;
    this.misses = 0;
    if (this.finalBlock !== undefined && abs >= this.finalBlock) {
      this.finish(true);
      return;
    }
    this.p.hooks.onProgress(this.bytesDone);
    // a partial ACK inside the window means the client missed the block after it
    if (abs < this.sent) this.sent = abs;
    this.sendWindow();
  }

  private finish(ok: boolean, reason?: string, probeOnly = false): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.sock?.close();
    this.p.source.close().catch(() => undefined);
    this.p.hooks.onEnd({ ok, bytes: this.bytesDone, ms: Date.now() - this.t0, reason, probeOnly });
  }
}

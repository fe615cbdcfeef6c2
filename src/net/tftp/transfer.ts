// One read transfer's protocol, apart from its socket and its clock: sends a window of blocks (RFC
// 7440), moves on at each ACK, resends the window from the last acknowledged block on timeout, and
// gives up after `retries` timeouts. The socket is transfer-socket.ts's: it feeds received datagrams
// to onPacket, calls onTimeout once `deadline` has passed, and sends what the transfer hands to its link.
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

/** The transfer's connected socket, as the transfer sees it. */
export interface TransferLink {
  /**
   * sends the parts as one datagram, done with them when it returns; a lost or refused send shows
   * later as a timeout or a socket error
   */
  send(parts: Buffer[]): void;
  /** monotonic milliseconds */
  now(): number;
}

export interface TransferParams {
  source: BlockSource;
  negotiated: Negotiated;
  retries: number;
  link: TransferLink;
  hooks: TransferHooks;
}

export class TftpTransfer {
  /** when onTimeout is due (monotonic ms); Infinity once ended */
  deadline = Infinity;
  /** highest block the client acknowledged (absolute numbering: blocks past 65535 roll over on the wire) */
  private acked = 0;
  /** highest block sent so far */
  private sent = 0;
  /** the last block of the file, known once it has been read (a block shorter than blksize) */
  private finalBlock: number | undefined;
  private misses = 0;
  private started = false;
  private ended = false;
  private readonly t0: number;
  /** reused for every DATA block: the link sends (or copies) a datagram before send() returns */
  private readonly header = Buffer.allocUnsafe(4);

  constructor(private readonly p: TransferParams) {
    this.t0 = p.link.now();
  }

  get done(): boolean {
    return this.ended;
  }

  begin(): void {
    if (this.p.negotiated.oack) this.sendOack();
    else this.beginData();
  }

  /** Ends the transfer from outside (server stopping), telling the client why. */
  abort(reason: string): void {
    if (this.ended) return;
    this.send(encodeError(ERR.UNDEFINED, reason));
    this.finish(false, reason);
  }

  /** Ends the transfer on a socket error (no packet to the client: its socket is the problem). */
  fail(reason: string): void {
    this.finish(false, reason);
  }

  private get bytesDone(): number {
    const { blksize } = this.p.negotiated;
    if (this.finalBlock !== undefined && this.acked >= this.finalBlock) return this.p.source.size;
    return Math.min(this.acked * blksize, this.p.source.size);
  }

  private send(...parts: Buffer[]): void {
    if (!this.ended) this.p.link.send(parts);
  }

  private arm(): void {
    // a send may have failed the transfer meanwhile
    if (!this.ended) this.deadline = this.p.link.now() + this.p.negotiated.timeoutMs;
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

  onTimeout(): void {
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
    const { blksize, windowsize } = this.p.negotiated;
    const from = Math.max(this.sent, this.acked) + 1;
    let to = this.acked + windowsize;
    if (this.finalBlock !== undefined) to = Math.min(to, this.finalBlock);
    if (from > to) return;
    let data: Buffer;
    try {
      data = this.p.source.read((from - 1) * blksize, (to - from + 1) * blksize);
    } catch (e) {
      this.send(encodeError(ERR.UNDEFINED, 'read error'));
      this.finish(false, `read error: ${(e as Error).message}`);
      return;
    }
    for (let b = from; b <= to; b++) {
      const chunk = data.subarray((b - from) * blksize, (b - from + 1) * blksize);
      this.send(dataHeader(b, this.header), chunk);
      this.sent = b;
      if (chunk.length < blksize) {
        this.finalBlock = b;
        break;
      }
    }
    this.arm();
  }

  onPacket(msg: Buffer): void {
    if (this.ended) return;
    // an ACK is all a client sends while the data flows: read it in place
    if (msg.length === 4 && msg.readUInt16BE(0) === OP.ACK) {
      this.onAck(msg.readUInt16BE(2));
      return;
    }
    let pkt;
    try {
      pkt = decode(msg);
    } catch {
      // not TFTP: ignore it, as a lost packet
      return;
    }
    if (pkt.op === OP.ERROR) this.finish(false, `client error ${pkt.code}: ${pkt.message}`, !this.started);
  }

  private onAck(block: number): void {
    if (!this.started) {
      if (block === 0) {
        this.misses = 0;
        this.beginData();
      }
      return;
    }
    // map the 16-bit wire number to the window it can belong to (block numbers roll over past 65535)
    const abs = this.acked + ((block - this.acked) & 0xffff);
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
    this.deadline = Infinity;
    try {
      this.p.source.close();
    } catch {
      /* the bytes were already sent or the transfer failed anyway */
    }
    const ms = Math.round(this.p.link.now() - this.t0);
    this.p.hooks.onEnd({ ok, bytes: this.bytesDone, ms, reason, probeOnly });
  }
}

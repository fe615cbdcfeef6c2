// TFTP option negotiation (RFC 2347 framework; blksize RFC 2348, timeout + tsize RFC 2349, windowsize
// RFC 7440). Pure: what the client asked, the server's limits and the file size in, the transfer
// parameters and the OACK contents out. Options the server cannot honour are left out of the OACK,
// which the RFCs define as "declined"; the transfer then uses the RFC 1350 default.

export interface TftpLimits {
  /** config.tftp.maxBlksize */
  maxBlksize: number;
  /** the interface MTU: a block must fit one IPv4 datagram (MTU − 20 IP − 8 UDP − 4 TFTP) */
  mtu: number;
  maxWindowsize: number;
  /** retransmit timeout when the client does not ask for one */
  defaultTimeoutSeconds: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** options to acknowledge; undefined → no OACK, data starts at once */
  oack?: Record<string, string>;
}

const DEFAULT_BLKSIZE = 512;

function intOption(v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined || !/^\d{1,6}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

export function negotiate(asked: Map<string, string>, limits: TftpLimits, fileSize: number): Negotiated {
  const oack: Record<string, string> = {};
  const out: Negotiated = {
    blksize: DEFAULT_BLKSIZE,
    windowsize: 1,
    timeoutMs: limits.defaultTimeoutSeconds * 1000,
  };
  const blk = intOption(asked.get('blksize'), 8, 65464);
  if (blk !== undefined) {
    out.blksize = Math.max(8, Math.min(blk, limits.maxBlksize, limits.mtu - 32));
    oack.blksize = String(out.blksize);
  }
  // tsize in a read request is "0, please tell me the size"
  if (intOption(asked.get('tsize'), 0, Number.MAX_SAFE_INTEGER) !== undefined) oack.tsize = String(fileSize);
  const timeout = intOption(asked.get('timeout'), 1, 255);
  if (timeout !== undefined) {
    // RFC 2349: the server must use the client's value or decline it; it may not change it
    out.timeoutMs = timeout * 1000;
    oack.timeout = String(timeout);
  }
  const win = intOption(asked.get('windowsize'), 1, 65535);
  if (win !== undefined) {
    out.windowsize = Math.min(win, limits.maxWindowsize);
    oack.windowsize = String(out.windowsize);
  }
  if (Object.keys(oack).length > 0) out.oack = oack;
  return out;
}

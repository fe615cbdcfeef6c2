// HTTPS to one BMC, pinned: every connection is opened by hand and its certificate's SHA-256 fingerprint
// checked against the trust-on-first-use store *before* the request (and its credentials) is handed to
// the socket. Chain verification is off because BMC certificates are self-signed; the pin replaces it.
// Every request has a deadline and every answer a size limit (a BMC is semi-trusted).
import { request, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { BmcError, CertificateChangedError } from '../driver.js';
import { endpointKey, pinOnFirstUse, type Fingerprint, type PinVerdict } from '../tofu.js';

export interface TransportOptions {
  host: string;
  port: number;
  tofuStore: string;
  /** the longest one request may take, connection included */
  timeoutMs: number;
  /** the largest answer body accepted */
  maxBodyBytes: number;
  /** told about the certificate of the first connection (its fingerprint and what the store said) */
  onCertificate?: (fingerprint: Fingerprint, verdict: PinVerdict['kind']) => void;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** the parsed JSON body; undefined when there is none or it is not JSON */
  json: unknown;
}

const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/;
const NET_UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

export class RedfishTransport {
  /** the fingerprint this transport trusts once the first connection was checked against the store */
  private pinned: Fingerprint | undefined;
  readonly endpoint: string;

  constructor(private readonly o: TransportOptions) {
    this.endpoint = endpointKey(o.host, o.port);
  }

  /** The fingerprint of the BMC's certificate, once a connection was made. */
  get fingerprint(): Fingerprint | undefined {
    return this.pinned;
  }

  private fail(kind: BmcError['kind'], detail: string): BmcError {
    return new BmcError(kind, this.endpoint, detail);
  }

  private async checkPin(fp: Fingerprint): Promise<void> {
    if (this.pinned !== undefined) {
      if (fp !== this.pinned)
        throw new CertificateChangedError(
          this.endpoint,
          this.pinned,
          fp,
          `the TLS certificate changed during the session (was ${this.pinned}, now ${fp})`,
        );
      return;
    }
    const verdict = await pinOnFirstUse(this.o.tofuStore, this.endpoint, fp);
    if (verdict.kind === 'changed')
      throw new CertificateChangedError(
        this.endpoint,
        verdict.recorded,
        verdict.seen,
        `its TLS certificate is not the one recorded (recorded ${verdict.recorded}, now ${verdict.seen}); ` +
          'refused until the new fingerprint is accepted',
      );
    this.pinned = fp;
    this.o.onCertificate?.(fp, verdict.kind);
  }

  /** A TLS connection whose certificate passed the pin check; hands it over only then. */
  private pinnedConnection(cb: (err: Error | null, socket?: Socket) => void): void {
    const sock: TLSSocket = connect({
      host: this.o.host,
      port: this.o.port,
      servername: isIP(this.o.host) ? undefined : this.o.host,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['http/1.1'],
    });
    const onError = (e: Error) => cb(e);
    sock.once('error', onError);
    sock.once('secureConnect', () => {
      const fp = sock.getPeerCertificate().fingerprint256;
      this.checkPin(fp).then(
        () => {
          sock.off('error', onError);
          cb(null, sock);
        },
        (e: unknown) => {
          sock.destroy();
          cb(e as Error);
        },
      );
    });
  }

  async request(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'OData-Version': '4.0',
      ...opts.headers,
    };
    // a token or ETag the BMC sent goes back in a header: one Node would refuse to send is the BMC's fault
    for (const [name, value] of Object.entries(headers))
      if (!HEADER_VALUE.test(value))
        throw this.fail('protocol', `${method} ${path}: the BMC's ${name} is not a valid header value`);
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const reqOpts: RequestOptions = {
      host: this.o.host,
      port: this.o.port,
      method,
      path,
      headers,
      // no agent: with one, Node opens the connection itself and this pinned one is never used
      agent: undefined,
      createConnection: (_o: unknown, cb: (err: Error | null, socket?: Socket) => void) => {
        this.pinnedConnection(cb);
        return undefined;
      },
    } as RequestOptions;
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const req = request(reqOpts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.o.maxBodyBytes) {
            req.destroy();
            finish(
              this.fail('protocol', `${method} ${path}: answer larger than ${this.o.maxBodyBytes} bytes`),
            );
          } else chunks.push(c);
        });
        res.on('error', (e) => finish(this.fail('unreachable', `${method} ${path}: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, json });
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(this.fail('timeout', `${method} ${path}: no answer within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof BmcError) return finish(e);
        const kind = NET_UNREACHABLE.has(e.code ?? '')
          ? 'unreachable'
          : e.code === 'ETIMEDOUT'
            ? 'timeout'
            : 'other';
        finish(this.fail(kind, `${method} ${path}: ${e.code ?? e.message}`));
      });
      req.end(payload);
    });
  }
}

// The two discovery probes of one address, bounded in time and bytes, without credentials: an HTTPS GET
// of the Redfish service root (DSP0266: readable without authentication) and an RMCP presence ping.
// Nothing secret is sent, so the BMC's self-signed certificate is not checked here; the drivers that do
// send credentials pin it (trust on first use).
import { request } from 'node:https';
import { isIP } from 'node:net';
import { presencePing } from '../../net/bmc/ipmi/rmcp.js';
import { serviceRootFacts, type ProbeResult, type ServiceRootFacts } from './discovery-rule.js';

/** A service root is a few KiB; anything larger is no BMC worth reading. */
const MAX_ROOT_BYTES = 256 * 1024;

export interface ProbePorts {
  redfish: number;
  ipmi: number;
}

export const STANDARD_PORTS: ProbePorts = { redfish: 443, ipmi: 623 };

/** GET https://ADDR/redfish/v1/: the root's facts, or undefined for no answer / no service root. */
export function probeServiceRoot(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<ServiceRootFacts | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: ServiceRootFacts | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = request(
      {
        host: address,
        family: isIP(address) === 6 ? 6 : 4,
        port,
        path: '/redfish/v1/',
        method: 'GET',
        headers: { Accept: 'application/json', 'OData-Version': '4.0' },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) return finish(undefined);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ROOT_BYTES) return finish(undefined);
          chunks.push(c);
        });
        res.on('end', () => {
          try {
            finish(serviceRootFacts(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          } catch {
            finish(undefined);
          }
        });
        res.on('error', () => finish(undefined));
      },
    );
    // one deadline for connect, TLS and body: a BMC that trickles is no answer
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    req.on('error', () => finish(undefined));
    req.end();
  });
}

/** Both probes at once, each within `timeoutMs`. */
export async function probeAddress(
  address: string,
  ports: ProbePorts,
  timeoutMs: number,
): Promise<ProbeResult> {
  const [redfish, ping] = await Promise.all([
    probeServiceRoot(address, ports.redfish, timeoutMs),
    presencePing(address, ports.ipmi, timeoutMs),
  ]);
  return { ...(redfish && { redfish }), rmcp: ping === 'pong' };
}

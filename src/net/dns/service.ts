// The DNS service: authoritative for config.domain and the master's reverse zones, no recursion.
// Listens on the interface addresses and on loopback (so the master resolves its own names); the zone
// is rebuilt from the state store whenever a lease changes.
import type { ServiceStarter } from '../../model/service.js';
import type { EventType } from '../../model/events.js';
import { DnsDecodeError, RCODE, decodeQuery } from './query.js';
import { encodeAnswer, encodeBareError } from './response.js';
import { answer, buildZone, type Zone } from './zone.js';
import { listenDns, type DnsHandler, type DnsListener } from './transport.js';

const ZONE_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'lease.granted',
  'lease.released',
  'lease.expired',
  'lease.declined',
]);

export const startDns: ServiceStarter = async (ctx) => {
  const { config, store } = ctx;
  const log = ctx.log.child({ service: 'dns' });
  let zone: Zone | undefined;
  // rebuilt lazily on the next query: a burst of lease events costs one rebuild
  // nodes and hosts alike (a BMC's lease has a name too); a node wins over a stale host entry
  const holders = () => ({ ...store.state.hosts, ...store.state.nodes });
  const current = () => (zone ??= buildZone(config, holders(), store.state.seq));
  const unsubscribe = store.subscribe((ev) => {
    if (ZONE_EVENTS.has(ev.type)) zone = undefined;
  });

  const handler: DnsHandler = (msg, transport, from) => {
    let q;
    try {
      q = decodeQuery(msg);
    } catch (e) {
      if (!(e instanceof DnsDecodeError)) throw e;
      log.debug({ from, transport, reason: e.message }, 'dns packet rejected');
      if (e.reply === 'drop' || e.id === undefined) return undefined;
      return encodeBareError(e.id, e.reply === 'notimp' ? RCODE.NOTIMP : RCODE.FORMERR);
    }
    const a = answer(current(), q.name, q.type, q.class);
    log.debug(
      { from, transport, name: q.name, type: q.type, rcode: a.rcode, answers: a.answers.length },
      'dns query',
    );
    return encodeAnswer(q, a, transport);
  };

  const port = config.ports.dns;
  const required = [config.ipv4.address, ...(config.ipv6.enabled ? [config.ipv6.address] : [])];
  const listeners: DnsListener[] = [];
  const stop = async () => {
    unsubscribe();
    await Promise.all(listeners.map((l) => l.close()));
  };
  try {
    for (const address of required) listeners.push(await listenDns(address, port, handler, log));
  } catch (e) {
    await stop();
    throw e;
  }
  for (const address of ['127.0.0.1', '::1'].filter((a) => !required.includes(a))) {
    try {
      listeners.push(await listenDns(address, port, handler, log));
    } catch (err) {
      // loopback is a convenience for the master itself; serving the peers must not depend on it
      log.warn({ err, address, port }, 'dns: cannot listen on loopback');
    }
  }
  log.info(
    { addresses: listeners.map((l) => `${l.address}:${l.udpPort}`), domain: config.domain },
    'dns listening',
  );
  return { name: 'dns', stop };
};

// Who is asking: the client's address as the peer API and the transfer events see it, and which
// node (MAC) holds that address. Pure over the state snapshot.
import type { Mac } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';

/** "::ffff:10.99.0.5" → "10.99.0.5"; IPv6 lower-cased, zone id dropped. */
export function normalizeAddress(addr: string | undefined): string {
  if (!addr) return '';
  const plain = addr.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  return mapped?.[1] ?? plain;
}

/**
 * The addresses the master handed to this MAC: a node's current leases and last known addresses, or
 * the leases of a host (a client that is no node yet, e.g. one dropped from a full registry while it
 * booted): its first word through the peer API makes it a node again.
 */
export function addressesOf(state: ReconState, mac: Mac): string[] {
  const node = state.nodes[mac];
  const n = node ?? state.hosts?.[mac];
  if (!n) return [];
  return [n.lease4?.ip, n.lease6?.ip, node?.ip4, node?.ip6]
    .filter((a): a is string => !!a)
    .map(normalizeAddress);
}

/** The node whose lease (or last known address) is `ip`; current leases win over stale addresses. */
export function macForAddress(state: ReconState, ip: string): Mac | undefined {
  const want = normalizeAddress(ip);
  if (!want) return undefined;
  const nodes = Object.values(state.nodes);
  const leased = nodes.find(
    (n) => normalizeAddress(n.lease4?.ip) === want || normalizeAddress(n.lease6?.ip) === want,
  );
  if (leased) return leased.mac;
  return nodes.find((n) => normalizeAddress(n.ip4) === want || normalizeAddress(n.ip6) === want)?.mac;
}

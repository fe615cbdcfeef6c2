// proxyDHCP (PXE 2.1 §2.2.5): on a segment where another DHCP server hands out addresses, recon
// answers PXE and iPXE clients with boot options only — no address, no lease — on port 67, and
// answers the PXE boot-server REQUEST/INFORM that clients then send to port 4011.
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import type { StateStore } from '../../model/store.js';
import { decideBoot } from '../bootfile.js';
import { BOOTREQUEST, encode, type Dhcp4Packet } from './codec.js';
import { describeClient, discoverEvent, type Dhcp4Client } from './client-info.js';
import { messageTypeName, Opt } from './options.js';
import { buildReply, maxReplySize, replyDestination, type Destination } from './reply.js';
import { decodeAndDispatch, type SendFn } from './server.js';
import { dhcp4Settings, type Dhcp4Settings } from './settings.js';

export type ProxyChannel = 'dhcp' | 'pxe';

export interface ProxyDhcpDeps {
  config: ReconConfig;
  store: Pick<StateStore, 'emit'>;
  log: Logger;
  /** replies from port 67 */
  send: SendFn;
  /** replies from port 4011 */
  sendPxe: SendFn;
}

export class ProxyDhcp {
  private readonly s: Dhcp4Settings;

  constructor(private readonly deps: ProxyDhcpDeps) {
    this.s = dhcp4Settings(deps.config);
  }

  handle(buf: Buffer, from: Destination, channel: ProxyChannel): Promise<void> {
    return decodeAndDispatch(buf, from, this.deps.log, 'proxydhcp', (req) =>
      this.dispatch(req, from, channel),
    );
  }

  private async dispatch(req: Dhcp4Packet, from: Destination, channel: ProxyChannel): Promise<void> {
    const client = req.op === BOOTREQUEST ? describeClient(req) : undefined;
    // only boot clients: everything else belongs to the segment's own DHCP server
    if (!client || !(client.pxe || client.ipxe)) return;
    const type = messageTypeName(req.options.get(Opt.messageType)?.[0]);
    if (channel === 'pxe') {
      if (type === 'REQUEST' || type === 'INFORM') this.answer(req, client, 'ACK', from, this.deps.sendPxe);
      return;
    }
    if (type === 'DISCOVER') {
      await this.deps.store
        .emit({ type: 'dhcp.discover', data: discoverEvent(req, client) })
        .catch((e: unknown) => this.deps.log.error({ err: e }, 'event not recorded'));
      this.answer(req, client, 'OFFER', undefined, this.deps.send);
    } else if (type === 'REQUEST' && client.serverId === this.s.serverId) {
      this.answer(req, client, 'ACK', undefined, this.deps.send);
    }
  }

  private answer(
    req: Dhcp4Packet,
    client: Dhcp4Client,
    type: 'OFFER' | 'ACK',
    to: Destination | undefined,
    send: SendFn,
  ): void {
    const decision = decideBoot(client.boot, this.s.boot);
    if (!decision) return;
    // clients (iPXE included) recognise a proxy offer by vendor class PXEClient and no address
    const boot = { ...decision, vendorClass: decision.vendorClass ?? ('PXEClient' as const) };
    const reply = buildReply(req, client, {
      type,
      serverId: this.s.serverId,
      boot,
      nextServer: this.s.serverId,
    });
    this.deps.log.debug({ mac: client.mac, type, bootFile: boot.bootFile }, 'proxydhcp answer');
    send(encode(reply, maxReplySize(client)), to ?? replyDestination(req, reply, this.s.ports));
  }
}

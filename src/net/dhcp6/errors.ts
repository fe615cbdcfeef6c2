// The one error type the DHCPv6 codec throws: a malformed packet is a value to log and drop, never a crash.

export type Dhcp6DecodeReason =
  | 'truncated'
  | 'bad-length'
  | 'bad-type'
  | 'bad-text'
  | 'bad-domain'
  | 'bad-duid'
  | 'too-deep';

export class Dhcp6DecodeError extends Error {
  constructor(
    readonly reason: Dhcp6DecodeReason,
    detail: string,
  ) {
    super(`DHCPv6 ${reason}: ${detail}`);
    this.name = 'Dhcp6DecodeError';
  }
}

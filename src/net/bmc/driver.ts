// The one face every BMC shows the master, whatever it speaks (Redfish or IPMI): power state, power on,
// graceful and forced off, a one-time network boot. Callers never see a protocol: a failure is a BmcError
// whose message an operator can act on (the BMC's own words where it gave any).

export type BmcDriverKind = 'redfish' | 'ipmi';

/** What the operator or config asks for: one driver, or Redfish when the BMC answers it, IPMI otherwise. */
export type BmcDriverChoice = BmcDriverKind | 'auto';

export type BmcPowerState = 'on' | 'off' | 'unknown';

/** The firmware mode of the one-time boot; 'auto' leaves a Redfish BMC's current mode alone (IPMI: legacy). */
export type BootMode = 'uefi' | 'legacy' | 'auto';

export type BootDevice = 'pxe';

export interface BmcCredentials {
  username: string;
  password: string;
}

/** What a BMC says about the machine it manages; every field may be missing (BMCs differ). */
export interface BmcIdentity {
  vendor?: string;
  model?: string;
  serial?: string;
  /** the BMC's (or the system's BIOS) firmware version, as the BMC names it */
  firmware?: string;
  /** the id of the system the driver acts on (Redfish: the Systems member; IPMI: none) */
  systemId?: string;
  uuid?: string;
  /** MAC addresses of the host's network interfaces, lower case, colon separated */
  macs: string[];
}

export interface BmcDriver {
  readonly kind: BmcDriverKind;
  /** the address the driver talks to (host, or host:port when not the standard port) */
  readonly address: string;
  powerState(): Promise<BmcPowerState>;
  /** the power actions return at once when the machine is already in that state (Redfish; IPMI asks the BMC) */
  powerOn(): Promise<void>;
  /** asks the operating system to shut down (ACPI power button); a machine in firmware may ignore it */
  gracefulOff(): Promise<void>;
  forceOff(): Promise<void>;
  /** the next boot (only the next one) from `dev`; the BMC's default boot order stays as it was */
  setOneTimeBoot(dev: BootDevice, mode: BootMode): Promise<void>;
  identify?(): Promise<BmcIdentity>;
  /** ends whatever the driver holds open (a Redfish session); safe to call twice */
  close(): Promise<void>;
}

export type BmcErrorKind =
  /** wrong user or password (never retried: a BMC may lock the account) */
  | 'auth'
  | 'unreachable'
  | 'timeout'
  /** the BMC's TLS certificate is not the one recorded for it: refused until the operator accepts it */
  | 'certificate-changed'
  /** the BMC refused the request and said why */
  | 'refused'
  /** the BMC does not offer what was asked (no such reset type, no PXE boot target) */
  | 'unsupported'
  /** the answer was not what the protocol promises (too large, not JSON, no system) */
  | 'protocol'
  | 'other';

export class BmcError extends Error {
  constructor(
    readonly kind: BmcErrorKind,
    /** the BMC address this is about */
    readonly address: string,
    /** what happened, in words an operator can act on (no secrets) */
    readonly detail: string,
  ) {
    super(`BMC ${address}: ${detail}`);
    this.name = 'BmcError';
  }
}

/** A BMC showing another TLS certificate than the recorded one: what the operator needs to accept it. */
export class CertificateChangedError extends BmcError {
  constructor(
    /** the trust store key ("host:port") to pass to acceptFingerprint */
    readonly endpoint: string,
    readonly recorded: string,
    readonly seen: string,
    detail: string,
  ) {
    super('certificate-changed', endpoint, detail);
    this.name = 'CertificateChangedError';
  }
}

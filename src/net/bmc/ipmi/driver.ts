// The BMC driver over IPMI (ipmitool lanplus): `chassis power on|soft|off|status` and `chassis bootdev pxe`
// (with options=efiboot for UEFI). Every IpmiError becomes a BmcError of the same meaning.
import { BmcError, type BmcDriver, type BmcPowerState, type BootDevice, type BootMode } from '../driver.js';
import type { BmcErrorKind } from '../driver.js';
import { IpmiError, type IpmiFailureKind } from './ipmi-result.js';
import type { IpmiClient } from './ipmitool.js';

const KIND: Record<IpmiFailureKind, BmcErrorKind> = {
  auth: 'auth',
  unreachable: 'unreachable',
  timeout: 'timeout',
  other: 'other',
};

/** ipmitool exits 0 even when the BMC refuses the boot parameter; only this line means it was set. */
export function bootdevAccepted(stdout: string): boolean {
  return /Set Boot Device to pxe/i.test(stdout);
}

export class IpmiDriver implements BmcDriver {
  readonly kind = 'ipmi';
  readonly address: string;

  constructor(private readonly client: IpmiClient) {
    const t = client.target;
    this.address = t.port === 623 ? t.host : `${t.host}:${t.port}`;
  }

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what();
    } catch (e) {
      if (e instanceof IpmiError) throw new BmcError(KIND[e.kind], this.address, e.message);
      throw e;
    }
  }

  powerState(): Promise<BmcPowerState> {
    return this.call(() => this.client.powerStatus());
  }

  powerOn(): Promise<void> {
    return this.call(() => this.client.powerOn());
  }

  gracefulOff(): Promise<void> {
    return this.call(() => this.client.softOff());
  }

  forceOff(): Promise<void> {
    return this.call(() => this.client.hardOff());
  }

  /** IPMI boot flags always carry a BIOS type: 'auto' and 'legacy' send ipmitool's default (legacy). */
  async setOneTimeBoot(_dev: BootDevice, mode: BootMode): Promise<void> {
    const out = await this.call(() =>
      this.client.run(['chassis', 'bootdev', 'pxe', ...(mode === 'uefi' ? ['options=efiboot'] : [])]),
    );
    if (!bootdevAccepted(out))
      throw new BmcError(
        'refused',
        this.address,
        `the BMC did not accept 'chassis bootdev pxe' (answer: ${out.trim().slice(0, 120) || 'none'})`,
      );
  }

  async close(): Promise<void> {}
}

// Powering one machine off through its BMC: ACPI soft-off first (the OS shuts down cleanly), a grace
// period watching `power status`, then a hard off if it is still on, then `power status` until off.
// Each step is reported through `step` so the caller can make it an event.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IpmiClient } from '../../net/bmc/ipmi/ipmitool.js';
import { IpmiError } from '../../net/bmc/ipmi/ipmi-result.js';

export interface IpmiPowerOffOptions {
  /** how long the OS has to power itself off after soft-off */
  softOffGraceSeconds: number;
  /** how long a hard off may take to show as off */
  hardOffWaitSeconds: number;
  pollMs: number;
  step: (step: string, ok: boolean, detail?: string) => void;
}

export type IpmiPowerOffResult =
  | { ok: true; how: 'already-off' | 'soft' | 'hard' }
  | { ok: false; error: IpmiError; during: string };

/** Polls power status until off or the deadline; returns true when off was seen. */
async function waitOff(client: IpmiClient, seconds: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if ((await client.powerStatus()) === 'off') return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

export async function ipmiPowerOff(client: IpmiClient, o: IpmiPowerOffOptions): Promise<IpmiPowerOffResult> {
  let during = 'power status';
  try {
    if ((await client.powerStatus()) === 'off') {
      o.step('ipmi power status', true, 'already off');
      return { ok: true, how: 'already-off' };
    }
    during = 'soft-off';
    await client.softOff();
    o.step('ipmi soft-off', true, `waiting up to ${o.softOffGraceSeconds} s`);
    during = 'power status after soft-off';
    if (await waitOff(client, o.softOffGraceSeconds, o.pollMs)) {
      o.step('ipmi power status', true, 'off after soft-off');
      return { ok: true, how: 'soft' };
    }
    o.step('ipmi soft-off', false, `still on after ${o.softOffGraceSeconds} s`);
    during = 'power off';
    await client.hardOff();
    o.step('ipmi power off', true);
    during = 'power status after power off';
    if (await waitOff(client, o.hardOffWaitSeconds, o.pollMs)) {
      o.step('ipmi power status', true, 'off');
      return { ok: true, how: 'hard' };
    }
    const error = new IpmiError('other', `still on ${o.hardOffWaitSeconds} s after power off`);
    o.step('ipmi power status', false, error.message);
    return { ok: false, error, during };
  } catch (e) {
    if (!(e instanceof IpmiError)) throw e;
    o.step(`ipmi ${during}`, false, e.message);
    return { ok: false, error: e, during };
  }
}

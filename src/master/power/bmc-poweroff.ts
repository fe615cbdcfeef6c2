// Powering one machine off through its BMC, whatever the BMC speaks: a graceful off first (the OS shuts
// down cleanly), a grace period watching the power state, then a forced off if it is still on — a machine
// sitting in firmware ignores the graceful request — then the power state until off. Each step is
// reported through `step` (named after the driver: "redfish soft-off", "ipmi power off") for the events.
import { setTimeout as sleep } from 'node:timers/promises';
import { BmcError, type BmcDriver } from '../../net/bmc/driver.js';

export interface BmcPowerOffOptions {
  /** how long the OS has to power itself off after the graceful request */
  softOffGraceSeconds: number;
  /** how long a forced off may take to show as off */
  hardOffWaitSeconds: number;
  pollMs: number;
  step: (step: string, ok: boolean, detail?: string) => void;
}

export type BmcPowerOffResult =
  | { ok: true; how: 'already-off' | 'soft' | 'hard' }
  | { ok: false; error: BmcError; during: string };

/** Polls the power state until off or the deadline; true when off was seen. */
async function waitOff(bmc: BmcDriver, seconds: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if ((await bmc.powerState()) === 'off') return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

export async function bmcPowerOff(bmc: BmcDriver, o: BmcPowerOffOptions): Promise<BmcPowerOffResult> {
  const k = bmc.kind;
  let during = 'power status';
  try {
    if ((await bmc.powerState()) === 'off') {
      o.step(`${k} power status`, true, 'already off');
      return { ok: true, how: 'already-off' };
    }
    during = 'soft-off';
    await bmc.gracefulOff();
    o.step(`${k} soft-off`, true, `waiting up to ${o.softOffGraceSeconds} s`);
    during = 'power status after soft-off';
    if (await waitOff(bmc, o.softOffGraceSeconds, o.pollMs)) {
      o.step(`${k} power status`, true, 'off after soft-off');
      return { ok: true, how: 'soft' };
    }
    o.step(`${k} soft-off`, false, `still on after ${o.softOffGraceSeconds} s`);
    during = 'power off';
    await bmc.forceOff();
    o.step(`${k} power off`, true);
    during = 'power status after power off';
    if (await waitOff(bmc, o.hardOffWaitSeconds, o.pollMs)) {
      o.step(`${k} power status`, true, 'off');
      return { ok: true, how: 'hard' };
    }
    const error = new BmcError('other', bmc.address, `still on ${o.hardOffWaitSeconds} s after power off`);
    o.step(`${k} power status`, false, error.detail);
    return { ok: false, error, during };
  } catch (e) {
    if (!(e instanceof BmcError)) throw e;
    o.step(`${k} ${during}`, false, e.detail);
    return { ok: false, error: e, during };
  }
}

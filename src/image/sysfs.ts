// Reads the NICs of the current network namespace from sysfs (/sys/class/net) for the master-interface
// selection. Only reads: the role script brings links up before calling it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Nic } from './nic.js';

const ARPHRD_ETHER = 1;

async function read(dir: string, file: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, file), 'utf8')).trim();
  } catch {
    return undefined; // e.g. carrier of a link that is down reads EINVAL
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readNics(sysNet = '/sys/class/net'): Promise<Nic[]> {
  const nics: Nic[] = [];
  for (const name of (await readdir(sysNet)).sort()) {
    const dir = join(sysNet, name);
    const type = Number(await read(dir, 'type'));
    const virtualKind =
      (await exists(join(dir, 'bridge'))) ||
      (await exists(join(dir, 'bonding'))) ||
      (await exists(join(dir, 'tun_flags'))) ||
      (await exists(join(dir, 'wireless'))) ||
      (await exists(join(dir, 'phy80211')));
    nics.push({
      name,
      mac: (await read(dir, 'address')) ?? '',
      ifindex: Number(await read(dir, 'ifindex')) || 0,
      carrier: (await read(dir, 'carrier')) === '1',
      ethernet: name !== 'lo' && type === ARPHRD_ETHER && !virtualKind,
    });
  }
  return nics;
}

/**
 * The Ethernet NICs udev has not finished with: no entry `n<ifindex>` in its database yet. A link raised
 * before then could no longer be renamed to its predictable name. Pure.
 */
export function nicsAwaitingUdev(nics: readonly Nic[], udevEntries: ReadonlySet<string>): Nic[] {
  return nics.filter((n) => n.ethernet && !udevEntries.has(`n${n.ifindex}`));
}

/**
 * Waits (bounded) until udev has processed every Ethernet NIC, instead of waiting for all of udev
 * (systemd-udev-settle, deprecated). Without a udev database (a container, a test namespace) there is
 * nothing to wait for. Returns the NICs as they are named afterwards, and those still pending at the deadline.
 */
export async function waitForUdevNics(
  sysNet: string,
  udevData: string,
  waitSeconds: number,
): Promise<{ nics: Nic[]; pending: Nic[] }> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const nics = await readNics(sysNet);
    const entries = await readdir(udevData).then(
      (names) => new Set(names),
      () => undefined,
    );
    const pending = entries ? nicsAwaitingUdev(nics, entries) : [];
    if (pending.length === 0 || Date.now() >= deadline) return { nics, pending };
    await sleep(100);
  }
}

// Link state changes for the master-interface selection: every Ethernet NIC goes up so its carrier can be
// seen, and the ones not chosen go down again. The master is the router of its segment, so it takes no
// router advertisements on any of them. Names are kept: nothing here renames a NIC.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Nic } from './nic.js';

const execFileP = promisify(execFile);

async function setLink(name: string, state: 'up' | 'down'): Promise<void> {
  await execFileP('ip', ['link', 'set', 'dev', name, state], { timeout: 10_000 });
}

async function refuseRouterAdverts(name: string): Promise<void> {
  for (const key of ['accept_ra', 'autoconf']) {
    // absent when IPv6 is disabled: nothing to refuse then
    await writeFile(`/proc/sys/net/ipv6/conf/${name}/${key}`, '0').catch(() => undefined);
  }
}

export async function raiseEthernetLinks(nics: readonly Nic[]): Promise<void> {
  for (const nic of nics.filter((n) => n.ethernet)) {
    await refuseRouterAdverts(nic.name);
    await setLink(nic.name, 'up');
  }
}

export async function lowerOtherLinks(nics: readonly Nic[], keep: string): Promise<void> {
  for (const nic of nics.filter((n) => n.ethernet && n.name !== keep)) await setLink(nic.name, 'down');
}

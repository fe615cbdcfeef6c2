// Another DHCP server on a rig's segment: dnsmasq in its own peer namespace (10.99.0.2, MAC
// ROGUE_MAC), handing out 10.99.0.150-160. Made stopped; start() waits until its DHCP socket is open.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetnsRig } from './netns.js';

export const ROGUE_MAC = '52:54:00:aa:bb:cc';
export const ROGUE_IP = '10.99.0.2';

export interface RogueDhcp {
  ns: string;
  start(): Promise<ChildProcess>;
}

export async function rogueDhcp(rig: NetnsRig, dir: string): Promise<RogueDhcp> {
  const peer = await rig.addPeer(ROGUE_MAC);
  const r = await rig.exec(peer.ns, ['ip', 'addr', 'add', `${ROGUE_IP}/24`, 'dev', 'eth0']);
  assert.equal(r.code, 0, r.stderr);
  const leases = join(dir, 'rogue.leases');
  return {
    ns: peer.ns,
    async start() {
      await writeFile(leases, '');
      const p = rig.spawn(peer.ns, [
        'dnsmasq',
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--user=root',
        '--interface=eth0',
        '--bind-interfaces',
        '--except-interface=lo',
        '--dhcp-range=10.99.0.150,10.99.0.160,255.255.255.0,1h',
        `--dhcp-leasefile=${leases}`,
        '--no-ping',
        '--log-dhcp',
        '--log-facility=-',
      ]);
      // dnsmasq prints its start-up lines once the DHCP socket is open
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`dnsmasq did not start: ${out}`)), 10_000);
        const on = (c: Buffer) => {
          out += c.toString();
          if (/DHCP, IP range/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        p.stdout!.on('data', on);
        p.stderr!.on('data', on);
        p.once('exit', (code) => reject(new Error(`dnsmasq exited ${code}: ${out}`)));
      });
      return p;
    },
  };
}

// Real firmware over IPv6: QEMU (TCG) with SeaBIOS and the iPXE NIC ROM on the rig bridge, recon's
// router advertisements and DHCPv6 in the master namespace, no DHCPv4 at all. iPXE only starts DHCPv6
// when an RA with the M flag tells it to; it must end up with an address from the range and ask for
// the menu URL that DHCPv6 option 59 gave it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { needs } from '../helpers/needs.js';
import { withRig } from '../helpers/netns.js';
import { startServiceIn, type ServiceProc } from '../helpers/service-proc.js';
import { rigConfig } from './dhcp6-rig.js';

const VM_MAC = '52:54:00:12:34:99';
/** ANSI escape sequences in the serial log (SeaBIOS/iPXE draw with them) */
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*[A-Za-z]', 'g');
const skip = needs({ root: true, tools: ['qemu-system-x86_64', 'ip'] });

void test(
  'iPXE (SeaBIOS NIC ROM) configures IPv6 from the RA + DHCPv6 and fetches the menu URL',
  { skip, timeout: 180_000 },
  async () => {
    await withRig('ix', async ({ rig, dir, defer }) => {
      const services: ServiceProc[] = [];
      defer(async () => {
        for (const s of services) await s.stop();
      });
      await rig.addPeer();
      const tap = await rig.addTap();
      // two services, two processes: each gets its own data dir (one state store per directory)
      for (const [module, exportName, sub] of [
        ['src/net/dhcp6/service.ts', 'startDhcp6', 'dhcp6'],
        ['src/net/ra/service.ts', 'startRouterAdvertisements', 'ra'],
      ] as const) {
        const d = join(dir, sub);
        await mkdir(d);
        services.push(
          await startServiceIn(rig, rig.masterNs, { module, exportName, config: rigConfig(d), dir: d }),
        );
      }
      const dhcp6 = services[0]!;
      const log = join(dir, 'serial.log');
      const t0 = Date.now();
      rig.spawn(rig.masterNs, [
        'qemu-system-x86_64',
        '-accel',
        'tcg',
        '-m',
        '256',
        '-nodefaults',
        '-nographic',
        '-serial',
        `file:${log}`,
        '-monitor',
        'none',
        '-netdev',
        `tap,id=n0,ifname=${tap},script=no,downscript=no`,
        '-device',
        `virtio-net-pci,netdev=n0,mac=${VM_MAC},bootindex=1`,
        '-boot',
        'n',
        '-no-reboot',
      ]);
      let text = '';
      while (Date.now() - t0 < 150_000 && !/http:\/\/\[fd99::1\]\/menu\.ipxe\.\.\./.test(text)) {
        await new Promise((r) => setTimeout(r, 500));
        text = (await readFile(log, 'utf8').catch(() => '')).replace(ANSI, '').replace(/\r/g, '');
      }
      console.log(`# iPXE asked for the menu over IPv6 after ${Date.now() - t0} ms`);
      assert.match(text, /Filename: http:\/\/\[fd99::1\]\/menu\.ipxe/, text.slice(-2000));
      const addr = /net0: (fd99::[0-9a-f]+)\/64/.exec(text)?.[1];
      assert.ok(addr && /^fd99::1[0-9a-f]{3}$/.test(addr), `iPXE address ${addr}`);
      const lease = await dhcp6.waitFor(
        (e) => e.type === 'lease.granted' && e.data.ip === addr,
        'lease.granted',
      );
      assert.ok(
        lease.type === 'lease.granted' && lease.data.mac === VM_MAC,
        'MAC from the EUI-64 source (iPXE sends DUID-UUID)',
      );
      assert.ok(
        dhcp6.events.some(
          (e) => e.type === 'dhcp.discover' && e.data.firmware === 'ipxe' && e.data.userClass === 'iPXE',
        ),
      );
    });
  },
);

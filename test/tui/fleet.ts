// Scripted, realistic event streams for console tests and the benchmark: a fleet of N peers going
// through DISCOVER → lease → TFTP → menu → kernel/initrd → collect → upload → power-off, each peer
// stopping at a different point so every stage is on screen. Deterministic for a given N.
import type { InventorySummary, NewEvent } from '../../src/model/events.js';

const MODELS: InventorySummary[] = [
  {
    vendor: 'Dell Inc.',
    product: 'PowerEdge R440',
    cpus: 'Intel(R) Xeon(R) Gold 6138 CPU @ 2.00GHz',
    cpuCount: 1,
    cores: 20,
  },
  {
    vendor: 'HPE',
    product: 'ProLiant DL360 Gen10',
    cpus: 'Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz',
    cpuCount: 2,
    cores: 24,
  },
  {
    vendor: 'Supermicro',
    product: 'SYS-1029P-WTR',
    cpus: 'Intel(R) Xeon(R) Gold 5118 CPU @ 2.30GHz',
    cpuCount: 2,
    cores: 24,
  },
  {
    vendor: 'QEMU',
    product: 'Standard PC (Q35 + ICH9, 2009)',
    cpus: 'QEMU Virtual CPU version 2.5+',
    cpuCount: 1,
    cores: 2,
  },
];

export function macOf(i: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:00:${h((i >> 16) & 0xff)}:${h((i >> 8) & 0xff)}:${h(i & 0xff)}`;
}

export function ipOf(i: number): string {
  return `10.99.${Math.floor((i + 50) / 250)}.${((i + 50) % 250) + 1}`;
}

function summaryOf(i: number): InventorySummary {
  const m = MODELS[i % MODELS.length]!;
  const mac = macOf(i);
  return {
    ...m,
    serial: `SN${String(100000 + i)}`,
    uuid: `4c4c4544-0000-1000-8000-${mac.replace(/:/g, '')}`,
    memoryBytes: (16 + (i % 4) * 16) * 2 ** 30,
    dimms: 2 + (i % 4),
    disks: [
      {
        name: 'sda',
        model: 'ST4000NM0035',
        sizeBytes: 4000787030016,
        health: i % 13 === 5 ? 'failed' : 'passed',
      },
    ],
    nics: [
      {
        name: 'eno1',
        mac,
        speedMbps: 10000,
        link: true,
        switchName: 'sw-a1',
        switchPort: `Ethernet${(i % 48) + 1}`,
      },
    ],
    bmc:
      i % 3 === 0
        ? undefined
        : {
            ipv4: `10.98.${Math.floor(i / 250)}.${(i % 250) + 1}`,
            mac: `52:55:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
            firmware: '4.40',
          },
    bootMode: i % 2 === 0 ? 'uefi' : 'bios',
    // the master's verdict; one in fifty drifts from its model's BIOS (the console computes that)
    health:
      i % 13 === 5
        ? { verdict: 'fail', reasons: ['disk sda: SMART overall health: FAILED'] }
        : { verdict: 'ok', reasons: [] },
    drift: {
      model: `${m.vendor ?? ''} ${m.product ?? ''}`,
      values: { dimms: 2 + (i % 4), bios: i % 50 === 7 ? '2.19.0' : '2.18.1', disks: 1 },
    },
  };
}

/** How far peer i gets (0..9): the fleet shows a mix of every stage. */
export function depthOf(i: number): number {
  return [9, 8, 7, 7, 6, 5, 4, 3, 2, 1, 7, 8][i % 12]!;
}

/** The events of peer i, with timestamps from `start` (ms). */
export function peerEvents(i: number, start: number, opts: { kernelSize?: number } = {}): NewEvent[] {
  const mac = macOf(i);
  const ip = ipOf(i);
  const uefi = i % 2 === 0;
  const depth = depthOf(i);
  let t = start;
  const at = (ms = 50) => new Date((t += ms)).toISOString();
  const out: NewEvent[] = [];
  const transfer = (
    kind: 'bootloader' | 'menu' | 'kernel' | 'initrd',
    file: string,
    size: number,
    finish: boolean,
  ) => {
    const id = `${kind}-${i}`;
    const proto = kind === 'bootloader' ? 'tftp' : 'http';
    out.push({ type: 'transfer.start', at: at(), data: { id, proto, ip, mac, file, kind, size } });
    out.push({ type: 'transfer.progress', at: at(200), data: { id, bytes: Math.floor(size / 2) } });
    if (finish) out.push({ type: 'transfer.done', at: at(200), data: { id, bytes: size, ms: 400 } });
  };
  out.push({
    type: 'dhcp.discover',
    at: at(),
    data: { mac, family: 4, firmware: uefi ? 'uefi' : 'bios', arch: uefi ? 7 : 0 },
  });
  out.push({
    type: 'dhcp.offer',
    at: at(),
    data: { mac, family: 4, ip, bootFile: uefi ? 'ipxe.efi' : 'undionly.kpxe' },
  });
  out.push({
    type: 'lease.granted',
    at: at(),
    data: {
      mac,
      family: 4,
      ip,
      expiresAt: new Date(t + 300_000).toISOString(),
      hostname: `node-${String(i).padStart(4, '0')}`,
    },
  });
  if (depth < 2) return out;
  transfer('bootloader', uefi ? 'ipxe.efi' : 'undionly.kpxe', uefi ? 1_040_384 : 70_656, depth > 2);
  if (depth < 3) return out;
  out.push({
    type: 'dhcp.discover',
    at: at(),
    data: { mac, family: 4, firmware: 'ipxe', userClass: 'iPXE' },
  });
  transfer('menu', 'menu.ipxe', 2_048, true);
  if (depth < 4) return out;
  transfer('kernel', '/install/recon/vmlinuz', opts.kernelSize ?? 12_345_678, depth > 4);
  if (depth < 5) return out;
  transfer('initrd', '/install/recon/initrd', 98_765_432, depth > 5);
  if (depth < 6) return out;
  out.push({ type: 'node.stage', at: at(5000), data: { mac, stage: 'booted', ip } });
  out.push({ type: 'node.stage', at: at(2000), data: { mac, stage: 'collecting', ip } });
  if (depth < 7) return out;
  out.push({
    type: 'inventory.stored',
    at: at(30_000),
    data: { mac, sha256: 'ab'.repeat(32), bytes: 48_213 + i, summary: summaryOf(i) },
  });
  out.push({ type: 'raw.stored', at: at(), data: { mac, sha256: 'cd'.repeat(32), bytes: 812_000 + i } });
  if (depth < 8) return out;
  out.push({ type: 'command.queued', at: at(), data: { mac, command: 'shutdown', by: 'console:tty1' } });
  out.push({ type: 'command.delivered', at: at(), data: { mac, command: 'shutdown' } });
  out.push({ type: 'power.state', at: at(), data: { mac, state: 'powering-off', via: 'agent' } });
  if (depth < 9) return out;
  out.push({ type: 'power.state', at: at(8000), data: { mac, state: 'off', via: 'agent' } });
  return out;
}

/** Master-wide events: services up, and optionally a rogue DHCP server. */
export function masterEvents(start: number, opts: { rogue?: boolean } = {}): NewEvent[] {
  const at = (ms: number) => new Date(start + ms).toISOString();
  const out: NewEvent[] = [];
  const services = ['dhcp4', 'dhcp6', 'ra', 'dns', 'tftp', 'http'] as const;
  services.forEach((service, k) => out.push({ type: 'service', at: at(k), data: { service, state: 'up' } }));
  if (opts.rogue)
    out.push({
      type: 'rogue.detected',
      at: at(10),
      data: {
        serverId: '10.99.0.254',
        serverMac: '02:00:00:00:00:fe',
        offeredIp: '10.99.0.77',
        seenAt: at(10),
      },
    });
  return out;
}

/** A whole fleet: master events, then peers interleaved in time. */
export function fleetEvents(
  n: number,
  start = Date.parse('2026-03-01T09:00:00.000Z'),
  opts: { rogue?: boolean } = {},
): NewEvent[] {
  const all: NewEvent[] = [...masterEvents(start, opts)];
  for (let i = 0; i < n; i++) all.push(...peerEvents(i, start + 100 + i * 137));
  return all.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
}

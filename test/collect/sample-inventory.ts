// A hand-written, complete inventory document for schema and upload tests.
import type { Inventory } from '../../src/shared/inventory/index.js';

const GiB = 2 ** 30;

export function sampleInventory(): Inventory {
  return {
    schemaVersion: 2,
    collectedAt: '2026-01-02T03:04:05.000Z',
    collector: { version: '0.1.0', durationMs: 1234 },
    system: { vendor: 'Dell Inc.', product: 'PowerEdge R440', serial: 'ABC1234' },
    baseboard: {},
    firmware: { vendor: 'Dell Inc.', version: '2.18.1', date: '03/07/2023', bootMode: 'uefi' },
    chassis: { type: 'Rack Mount Chassis', heightU: 1 },
    cpu: {
      model: 'Intel(R) Xeon(R) Gold 6138 CPU @ 2.00GHz',
      sockets: 1,
      cores: 20,
      threads: 40,
      flags: ['fpu'],
      packages: [],
    },
    memory: {
      // what the kernel sees is a little less than what is installed
      totalBytes: 33_452_253_184,
      installedBytes: 32 * GiB,
      dimms: [
        { slot: 'A1', sizeBytes: 16 * GiB },
        { slot: 'A2', sizeBytes: 16 * GiB },
      ],
    },
    disks: [
      {
        name: 'sda',
        path: '/dev/sda',
        sizeBytes: 4000787030016,
        byPath: [],
        smart: { health: 'passed', powerOnHours: 43549 },
      },
    ],
    nics: [
      {
        name: 'eno1',
        mac: 'aa:bb:cc:dd:ee:01',
        kind: 'ether',
        ipv4: [],
        ipv6: [],
        speedMbps: 10000,
        link: true,
        lldp: { systemName: 'sw1', portId: 'Ethernet12', vlans: [100], mgmtIp: [] },
      },
      { name: 'lo', mac: '00:00:00:00:00:00', kind: 'loopback', ipv4: ['127.0.0.1/8'], ipv6: [] },
    ],
    pci: [],
    bmc: { present: true, ipv4: '10.0.0.5', ipv6: [], mac: 'aa:bb:cc:dd:ee:ff', firmware: '4.40' },
    boot: { mode: 'uefi', pxeMac: 'aa:bb:cc:dd:ee:01' },
    virtualization: { type: 'none', isVirtual: false },
    tools: {
      dmidecode: { status: 'ok', argv: ['dmidecode'], exitCode: 0, durationMs: 20 },
      'smartctl:sda': {
        status: 'failed',
        argv: ['smartctl', '-x', '-j', '/dev/sda'],
        exitCode: 2,
        stderr: 'x',
        durationMs: 5,
      },
    },
  };
}

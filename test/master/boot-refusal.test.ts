// The refused-boot diagnosis as a table of event sequences: a UEFI client that fetched the iPXE binary
// and came back to DHCP (not as iPXE, no menu read, within the window) refused it; anything else did not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRefusalWatch, REFUSED_HINT, watchForRefusal } from '../../src/model/boot-refusal.js';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { applyEvent, initialState } from '../../src/model/reducer.js';

const MAC = '52:54:00:66:00:10';
const IPXE = new Set(['ipxe.efi']);

const discover = (firmware: 'uefi' | 'uefi-http' | 'ipxe' | 'bios', family: 4 | 6 = 4): NewEvent => ({
  type: 'dhcp.discover',
  data: {
    mac: MAC,
    family,
    firmware,
    arch: firmware === 'bios' ? 0 : 7,
    vendorClass: 'PXEClient:Arch:00007',
  },
});
const lease: NewEvent = {
  type: 'lease.granted',
  data: { mac: MAC, family: 4, ip: '10.99.0.100', expiresAt: '2026-01-01T01:00:00Z' },
};
const fetch = (file: string, kind: 'bootloader' | 'menu' = 'bootloader', id = file): NewEvent[] => [
  {
    type: 'transfer.start',
    data: { id, proto: 'tftp', ip: '10.99.0.100', mac: MAC, file, kind, size: 1000 },
  },
  { type: 'transfer.done', data: { id, bytes: 1000, ms: 5 } },
];

/** Runs the events (seconds after the first one) through the reducer and the watch; returns the refusals. */
function run(steps: [number, NewEvent][]): ReturnType<typeof watchForRefusal>[] {
  const state = initialState();
  const watch = newRefusalWatch();
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const out: ReturnType<typeof watchForRefusal>[] = [];
  steps.forEach(([s, e], i) => {
    const ev = {
      seq: i + 1,
      at: new Date(t0 + s * 1000).toISOString(),
      type: e.type,
      data: e.data,
    } as ReconEvent;
    applyEvent(state, ev);
    const r = watchForRefusal(watch, ev, state, IPXE);
    if (r) out.push(r);
  });
  return out;
}

const at = (s: number, evs: NewEvent[]): [number, NewEvent][] => evs.map((e) => [s, e]);

void test('refused: ipxe.efi fetched by UEFI firmware, then the firmware asks DHCP again', () => {
  const table: [string, [number, NewEvent][], boolean][] = [
    [
      'PXEv4 → PXEv6 SOLICIT right after',
      [[0, discover('uefi')], [1, lease], ...at(9, fetch('ipxe.efi')), [10, discover('uefi', 6)]],
      true,
    ],
    [
      'then HTTP boot DISCOVER 60 s later',
      [[0, discover('uefi')], [1, lease], ...at(9, fetch('ipxe.efi')), [68, discover('uefi-http')]],
      true,
    ],
    [
      'HTTP boot client fetched it by HTTP',
      [[0, discover('uefi-http')], [1, lease], ...at(9, fetch('/ipxe.efi')), [12, discover('uefi-http')]],
      true,
    ],
    // iPXE ran: it asks DHCP as iPXE, then reads the menu
    [
      'iPXE ran and read its menu',
      [
        [0, discover('uefi')],
        [1, lease],
        ...at(9, fetch('ipxe.efi')),
        [12, discover('ipxe')],
        ...at(13, fetch('menu.ipxe', 'menu')),
        [300, discover('uefi')],
      ],
      false,
    ],
    [
      'iPXE DHCP only',
      [[0, discover('uefi')], [1, lease], ...at(9, fetch('ipxe.efi')), [12, discover('ipxe')]],
      false,
    ],
    // a reboot long after is no refusal
    [
      'DISCOVER after the window',
      [[0, discover('uefi')], [1, lease], ...at(9, fetch('ipxe.efi')), [200, discover('uefi')]],
      false,
    ],
    // BIOS clients get undionly.kpxe; a BIOS ROM never refuses for Secure Boot
    [
      'BIOS client',
      [[0, discover('bios')], [1, lease], ...at(9, fetch('ipxe.efi')), [10, discover('bios')]],
      false,
    ],
    // shim is signed: fetching it and coming back is some other failure
    [
      'shim fetched',
      [[0, discover('uefi')], [1, lease], ...at(9, fetch('shimx64.efi')), [10, discover('uefi')]],
      false,
    ],
    ['no DHCP afterwards', [[0, discover('uefi')], [1, lease], ...at(9, fetch('ipxe.efi'))], false],
  ];
  for (const [what, steps, refused] of table) {
    const r = run(steps);
    assert.equal(r.length, refused ? 1 : 0, what);
    if (refused) assert.deepEqual(r[0], { mac: MAC, file: 'ipxe.efi', hint: REFUSED_HINT }, what);
  }
});

void test('one refusal per fetch: the firmware trying further options does not repeat it', () => {
  const r = run([
    [0, discover('uefi')],
    [1, lease],
    ...at(9, fetch('ipxe.efi')),
    [10, discover('uefi', 6)],
    [70, discover('uefi-http')],
    [71, discover('uefi-http')],
  ]);
  assert.equal(r.length, 1);
});

void test('the node records the refusal until a boot config is read', () => {
  const state = initialState();
  const steps: NewEvent[] = [
    discover('uefi'),
    lease,
    { type: 'boot.refused', data: { mac: MAC, file: 'ipxe.efi', hint: REFUSED_HINT } },
  ];
  steps.forEach((e, i) =>
    applyEvent(state, { seq: i + 1, at: '2026-01-01T00:00:00.000Z', ...e } as ReconEvent),
  );
  assert.equal(state.nodes[MAC]?.bootRefused?.file, 'ipxe.efi');
  for (const [i, e] of fetch('grub/grub.cfg', 'menu').entries())
    applyEvent(state, { seq: 10 + i, at: '2026-01-01T00:01:00.000Z', ...e } as ReconEvent);
  assert.equal(state.nodes[MAC]?.bootRefused, undefined);
});

void test("the chain of the last boot offer is the node's", () => {
  const state = initialState();
  const offer = (chain: 'ipxe' | 'shim-grub'): NewEvent => ({
    type: 'dhcp.offer',
    data: {
      mac: MAC,
      family: 4,
      ip: '10.99.0.100',
      bootFile: chain === 'ipxe' ? 'ipxe.efi' : 'shimx64.efi',
      chain,
    },
  });
  const noChain: NewEvent = { type: 'dhcp.offer', data: { mac: MAC, family: 4, ip: '10.99.0.100' } };
  [discover('uefi'), offer('shim-grub'), noChain].forEach((e, i) =>
    applyEvent(state, { seq: i + 1, at: '2026-01-01T00:00:00.000Z', ...e } as ReconEvent),
  );
  // the booted system's own DHCP (no boot file) keeps what the boot said
  assert.equal(state.nodes[MAC]?.bootChain, 'shim-grub');
  applyEvent(state, { seq: 9, at: '2026-01-01T00:00:00.000Z', ...offer('ipxe') } as ReconEvent);
  assert.equal(state.nodes[MAC]?.bootChain, 'ipxe');
});

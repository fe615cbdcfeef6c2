// Which boot chain each node took, and a refused boot file, as `recon status` and the console's node
// detail say them: counts per chain, an ALERT per refusing node with the fix, the detail's chain and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewEvent, ReconEvent } from '../../src/model/events.js';
import { reduceAll } from '../../src/model/reducer.js';
import { REFUSED_HINT } from '../../src/model/boot-refusal.js';
import { formatStatus, summarize } from '../../src/cli/status-format.js';
import { detailLines } from '../../src/tui/lists.js';

const AT = '2026-01-01T00:00:00.000Z';
const macOf = (i: number) => `52:54:00:00:00:0${i}`;
const node = (i: number, chain: 'ipxe' | 'shim-grub'): NewEvent[] => [
  { type: 'dhcp.discover', data: { mac: macOf(i), family: 4, firmware: 'uefi', arch: 7 } },
  {
    type: 'dhcp.offer',
    data: {
      mac: macOf(i),
      family: 4,
      ip: `10.0.0.${10 + i}`,
      bootFile: chain === 'ipxe' ? 'ipxe.efi' : 'shimx64.efi',
      chain,
    },
  },
];

function state() {
  const evs: NewEvent[] = [
    ...node(1, 'shim-grub'),
    ...node(2, 'shim-grub'),
    ...node(3, 'ipxe'),
    { type: 'boot.refused', data: { mac: macOf(3), file: 'ipxe.efi', hint: REFUSED_HINT } },
  ];
  return reduceAll(evs.map((e, i) => ({ ...e, seq: i + 1, at: AT }) as ReconEvent));
}

void test('recon status: nodes per chain and the refusing node with the fix', () => {
  const s = summarize(state(), '0.1.0');
  assert.deepEqual(s.bootChains, { 'shim-grub': 2, ipxe: 1 });
  assert.deepEqual(s.bootRefused, [{ mac: macOf(3), file: 'ipxe.efi', hint: REFUSED_HINT }]);
  const text = formatStatus(s);
  assert.match(text, /^boot chains: shim-grub 2, ipxe 1$/m);
  assert.match(
    text,
    /^ALERT 52:54:00:00:00:03: firmware refused ipxe\.efi — Secure Boot\? set boot\.uefi=shim-grub$/m,
  );
});

void test('node detail: the chain, and the refusal as a warning line', () => {
  const st = state();
  const lines = (i: number) =>
    detailLines(st.nodes[macOf(i)], macOf(i), undefined, undefined, [], Date.parse(AT), false);
  assert.match(
    lines(1)
      .map((l) => l.text)
      .join('\n'),
    /chain shim-grub/,
  );
  assert.ok(!lines(1).some((l) => l.text.includes('refused')));
  const refused = lines(3).find((l) => l.text.includes('firmware refused ipxe.efi'));
  assert.equal(refused?.tone, 'warn');
  assert.match(refused.text, /Secure Boot\? set boot\.uefi=shim-grub/);
});

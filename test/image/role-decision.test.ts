// Role decision from the kernel command line and master-interface selection: pure, table-tested over real
// command lines (the live ISO's own boot entry, the master's menu for a peer, a plain network root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bootifMac, decideRole, parseCmdline } from '../../src/image/cmdline.js';
import { selectMasterNic, type Nic } from '../../src/image/nic.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/image/${name}`, import.meta.url), 'utf8');

void test('parseCmdline: flags, values, quotes, repeats, stray =', () => {
  const a = parseCmdline('quiet root=live:CDLABEL=RECON console=tty0 console=ttyS0 x="a b" =junk\n');
  assert.equal(a.get('quiet'), true);
  assert.equal(a.get('root'), 'live:CDLABEL=RECON');
  assert.equal(a.get('console'), 'ttyS0');
  assert.equal(a.get('x'), 'a b');
  assert.equal(a.has(''), false);
  assert.equal(parseCmdline('').size, 0);
});

void test('bootifMac: iPXE ${mac:hexhyp} with ARP type 01', () => {
  assert.equal(bootifMac('01-52-54-00-12-34-62'), '52:54:00:12:34:62');
  assert.equal(bootifMac('01-52-54-00-AB-34-62'), '52:54:00:ab:34:62');
  for (const bad of ['52-54-00-12-34-62', '01-52-54-00-12-34', '01-zz-54-00-12-34-62', '']) {
    assert.equal(bootifMac(bad), undefined, bad);
  }
});

void test('decideRole over the recorded command lines', () => {
  const table: Array<[string, string, Record<string, unknown>]> = [
    ['cmdline-master-usb.txt', 'master', {}],
    ['cmdline-peer-menu.txt', 'peer', { pxeaddr: '192.168.219.1', bootMac: '52:54:00:12:34:62' }],
    ['cmdline-netroot-no-pxeaddr.txt', 'peer', {}],
  ];
  for (const [file, role, extra] of table) {
    const d = decideRole(parseCmdline(fixture(file)));
    assert.equal(d.role, role, file);
    for (const [k, v] of Object.entries(extra))
      assert.equal((d as Record<string, unknown>)[k], v, `${file} ${k}`);
    assert.ok(d.reason.length > 0);
  }
});

void test('decideRole: edge cases never make a PXE booted node a master', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['pxeaddr=10.99.0.1', 'peer', '10.99.0.1'],
    ['pxeaddr=[fd99::1]', 'peer', 'fd99::1'],
    ['pxeaddr=', 'peer', undefined],
    ['pxeaddr', 'peer', undefined],
    ['pxeaddr=not-an-ip', 'peer', undefined],
    ['root=live:HTTPS://bang/x.iso', 'peer', undefined],
    ['root=live:nfs://bang/x', 'peer', undefined],
    ['root=live:CDLABEL=RECON', 'master', undefined],
    ['root=/dev/sda1', 'master', undefined],
    ['', 'master', undefined],
  ];
  for (const [line, role, pxeaddr] of cases) {
    const d = decideRole(parseCmdline(line));
    assert.equal(d.role, role, line);
    if (d.role === 'peer') assert.equal(d.pxeaddr, pxeaddr, line);
  }
});

void test('decideRole: recon.interface= overrides the master NIC for one boot', () => {
  const d = decideRole(parseCmdline('root=live:CDLABEL=RECON recon.interface=52:54:00:aa:bb:cc'));
  assert.deepEqual(d.role === 'master' && d.interfaceOverride, '52:54:00:aa:bb:cc');
  const none = decideRole(parseCmdline('recon.interface='));
  assert.equal(none.role === 'master' && none.interfaceOverride, undefined);
});

const nic = (name: string, ifindex: number, carrier: boolean, mac: string, ethernet = true): Nic => ({
  name,
  ifindex,
  carrier,
  mac,
  ethernet,
});
const NICS: Nic[] = [
  nic('lo', 1, true, '00:00:00:00:00:00', false),
  nic('eno2', 3, true, '3c:ec:ef:00:00:02'),
  nic('eno1', 2, false, '3c:ec:ef:00:00:01'),
  nic('br0', 4, true, '3c:ec:ef:00:00:99', false),
  nic('enp65s0f0', 5, true, '3c:ec:ef:00:00:05'),
];

void test('selectMasterNic: by name, by MAC (any case/separator), auto = lowest index with link', () => {
  const table: Array<[string, string, string]> = [
    ['eno1', 'eno1', 'by name eno1'],
    ['3C-EC-EF-00-00-01', 'eno1', 'by MAC 3c:ec:ef:00:00:01'],
    ['3c:ec:ef:00:00:05', 'enp65s0f0', 'by MAC 3c:ec:ef:00:00:05'],
    ['auto', 'eno2', 'first Ethernet NIC with link'],
  ];
  for (const [wanted, name, how] of table) {
    const c = selectMasterNic(NICS, wanted);
    assert.ok(c.ok, wanted);
    assert.equal(c.nic.name, name, wanted);
    assert.equal(c.how, how);
    assert.equal(c.warning, undefined);
  }
});

void test('selectMasterNic: a configured NIC that is absent falls back to auto, with a warning', () => {
  const c = selectMasterNic(NICS, 'lan0');
  assert.ok(c.ok);
  assert.equal(c.nic.name, 'eno2');
  assert.match(c.warning ?? '', /lan0 not found .*eno1 3c:ec:ef:00:00:01/);
  const byMac = selectMasterNic(NICS, '52:54:00:00:00:00');
  assert.ok(byMac.ok && byMac.warning);
});

void test('selectMasterNic: no link or no Ethernet NIC is an error, never a bridge or loopback', () => {
  const down = selectMasterNic([NICS[0]!, nic('eno1', 2, false, '3c:ec:ef:00:00:01'), NICS[3]!], 'auto');
  assert.equal(down.ok, false);
  assert.match(!down.ok ? down.error : '', /no Ethernet NIC has link \(eno1\)/);
  const none = selectMasterNic([NICS[0]!, NICS[3]!], 'auto');
  assert.equal(!none.ok && none.error, 'no Ethernet NIC found');
  assert.equal(selectMasterNic([], 'auto').ok, false);
});

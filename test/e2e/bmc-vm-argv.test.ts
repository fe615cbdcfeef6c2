// A lab VM behind a BMC, the pure parts: its disk's boot sector, the QEMU boot order each boot device
// gives, the KCS wiring to its BMC, ipmi_sim's config and the power program's quoting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootSector, DISK_BOOT_MARKER } from '../../src/lab/vm/boot-sector.js';
import { ipmiSimConfig } from '../../src/lab/vm/ipmi-bmc.js';
import { qemuArgv, type VmSpec } from '../../src/lab/vm/qemu.js';
import { shQuote, vmPowerScript } from '../../src/lab/vm/vm-power.js';

const spec = (over: Partial<VmSpec>): VmSpec => ({
  name: 'vm0',
  mac: '52:54:00:9e:b0:01',
  tap: 'tap0',
  firmware: 'bios-ipxe',
  serialLog: '/l/serial.log',
  disk: '/l/disk.img',
  ...over,
});
const after = (argv: string[], flag: string): string[] =>
  argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

void test('the boot sector is a valid MBR that prints the marker', () => {
  const s = bootSector();
  assert.equal(s.length, 512);
  assert.deepEqual([s[510], s[511]], [0x55, 0xaa]);
  assert.ok(s.toString('latin1').includes(DISK_BOOT_MARKER));
  // the message pointer (mov si, imm16) points at the text inside the sector loaded at 0x7c00
  assert.equal(s[4], 0xbe);
  const at = s.readUInt16LE(5) - 0x7c00;
  assert.equal(s.toString('latin1', at + 2, at + 2 + DISK_BOOT_MARKER.length), DISK_BOOT_MARKER);
  assert.throws(() => bootSector('x'.repeat(500)));
});

void test('boot order: disk first unless the one-time override asks for the network', () => {
  const disk = qemuArgv(spec({ bootFirst: 'disk' }));
  assert.deepEqual(after(disk, '-device').slice(0, 2), [
    'virtio-net-pci,netdev=n0,mac=52:54:00:9e:b0:01,bootindex=2',
    'virtio-blk-pci,drive=d0,bootindex=1',
  ]);
  assert.ok(!disk.includes('-boot'), 'bootindex alone orders the devices');
  const net = qemuArgv(spec({ bootFirst: 'network' }));
  assert.deepEqual(after(net, '-device').slice(0, 2), [
    'virtio-net-pci,netdev=n0,mac=52:54:00:9e:b0:01,bootindex=1',
    'virtio-blk-pci,drive=d0,bootindex=2',
  ]);
  // the lab's plain VMs are unchanged: network only
  const plain = qemuArgv(spec({}));
  assert.deepEqual(after(plain, '-boot'), ['n']);
  assert.deepEqual(after(plain, '-device'), [
    'virtio-net-pci,netdev=n0,mac=52:54:00:9e:b0:01,bootindex=1',
    'virtio-blk-pci,drive=d0',
  ]);
  for (const argv of [disk, net, plain])
    assert.ok(after(argv, '-drive')[0]!.endsWith(',readonly=on'), 'the disk is never written');
});

void test('a VM with a BMC: KCS to it, a monitor for the power button, one serial log across boots', () => {
  const argv = qemuArgv(
    spec({
      bootFirst: 'disk',
      ipmiBmc: { host: '10.99.0.50', port: 9002 },
      monitorSocket: '/l/mon.sock',
      serialAppend: true,
    }),
  );
  assert.deepEqual(after(argv, '-chardev'), [
    'file,id=ser0,path=/l/serial.log,append=on',
    'socket,id=ipmi0,host=10.99.0.50,port=9002,reconnect=10',
  ]);
  assert.deepEqual(after(argv, '-serial'), ['chardev:ser0']);
  assert.ok(after(argv, '-device').includes('ipmi-bmc-extern,id=bmc0,chardev=ipmi0'));
  assert.ok(after(argv, '-device').includes('isa-ipmi-kcs,bmc=bmc0'));
  assert.deepEqual(after(argv, '-monitor'), ['unix:/l/mon.sock,server=on,wait=off']);
});

void test('ipmi_sim config: LAN on the BMC address, KCS listener, the power program as chassis_control', () => {
  const { lanConf } = ipmiSimConfig({
    dir: '/b',
    address: '10.99.0.50',
    kcsAddress: '10.99.0.50',
    kcsPort: 9002,
    username: 'admin',
    password: 'pw',
    chassisControl: '/v/power.sh',
  });
  assert.match(lanConf, /^ {4}addr 10\.99\.0\.50 623$/m);
  assert.match(lanConf, /^ {2}serial 15 10\.99\.0\.50 9002 codec VM$/m);
  assert.match(lanConf, /^ {2}chassis_control "\/v\/power\.sh"$/m);
  assert.match(lanConf, /^ {2}user 2 true "admin" "pw" admin/m);
  assert.throws(() =>
    ipmiSimConfig({
      dir: '/b',
      address: '10.99.0.50',
      kcsAddress: '10.99.0.50',
      kcsPort: 9002,
      username: 'admin',
      password: 'a"b',
      chassisControl: '/v/power.sh',
    }),
  );
});

void test('the power program quotes every path and argument for sh', () => {
  assert.equal(shQuote(`it's`), `'it'\\''s'`);
  const script = vmPowerScript({
    stateDir: "/st ate/it's",
    serialLog: '/st ate/serial.log',
    wrap: ['ip', 'netns', 'exec', 'ns1'],
    network: ['qemu-system-x86_64', '-name', 'a b'],
    disk: ['qemu-system-x86_64', '-name', 'c'],
    node: '/usr/bin/node',
  });
  assert.ok(script.includes(`PIDF='/st ate/it'\\''s/qemu.pid'`));
  assert.ok(script.includes(`setsid 'ip' 'netns' 'exec' 'ns1' 'qemu-system-x86_64' '-name' 'a b' -pidfile`));
  assert.match(script, /echo default > "\$BOOTF"/, 'the boot device is for one power on only');
});

// A lab VM behind a BMC, the pure parts: its disk's boot sector, the QEMU boot order each boot device
// gives, the KCS wiring to its BMC, ipmi_sim's config and the power program's quoting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootSector, DISK_BOOT_MARKER } from '../../src/lab/vm/boot-sector.js';
import { ipmiSimConfig } from '../../src/lab/vm/ipmi-bmc.js';
import { qemuArgv, type VmSpec } from '../../src/lab/vm/qemu.js';
import { redfishSimHostFlags, shQuote, vmPowerScript } from '../../src/lab/vm/vm-power.js';
import { labBmcAddress, labBmcDriver, MAX_LAB_BMCS } from '../../src/lab/vm/lab-bmc-vms.js';
import { labConfig } from '../../src/lab/lab.js';

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

void test('lab BMCs: addresses below the pool, ipmi_sim and Redfish in turn, in the master config', () => {
  assert.equal(labBmcAddress('10.1.2', 0), '10.1.2.2');
  assert.equal(labBmcAddress('10.1.2', MAX_LAB_BMCS - 1), '10.1.2.17');
  assert.throws(() => labBmcAddress('10.1.2', MAX_LAB_BMCS));
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => labBmcDriver(n, true)),
    ['ipmi', 'redfish', 'ipmi', 'redfish'],
  );
  assert.deepEqual(
    [0, 1].map((n) => labBmcDriver(n, false)),
    ['ipmi', 'ipmi'],
    'without the simulator every VM gets ipmi_sim',
  );
  const site = { interface: 'br0', subnet: { v4: '10.1.2', v6: 'fd00:1' }, sharedSource: false };
  const bmcs = [{ address: '10.1.2.2', driver: 'ipmi' as const }];
  const config = labConfig('/lab', site, { bmcs, credentialsFile: '/lab/bmc-credentials' });
  assert.deepEqual(config.bmcs, bmcs);
  assert.equal(config.power?.bmcCredentialsFile, '/lab/bmc-credentials');
  assert.equal(config.ipv4?.range?.[0], '10.1.2.20', 'the pool starts above every BMC address');
  assert.equal(labConfig('/lab', site).bmcs, undefined);
});

void test('the Redfish simulator runs the power program for each host hook', () => {
  const flags = redfishSimHostFlags('/v/power.sh');
  const hook = (f: string) => flags[flags.indexOf(f) + 1];
  assert.equal(
    hook('--on-cmd'),
    `if [ "$RECON_BOOT_TARGET" = Pxe ]; then '/v/power.sh' set boot pxe; fi; '/v/power.sh' set power 1`,
  );
  assert.equal(hook('--off-cmd'), `'/v/power.sh' set power 0`);
  assert.equal(hook('--graceful-cmd'), `'/v/power.sh' set shutdown 1`);
  assert.match(hook('--state-cmd')!, /^'\/v\/power\.sh' get power \| sed/);
});

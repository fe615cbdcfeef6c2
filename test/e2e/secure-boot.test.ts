// UEFI Secure Boot through `recon master`, under QEMU TCG: a q35 VM with OVMF's Secure Boot build and
// Microsoft's keys enrolled (a fresh copy of the vars per VM, SMM on, NIC ROM removed so no unsigned iPXE
// ROM runs). With the default boot.uefi (auto) the master hands it Debian's signed shim by TFTP; shim
// loads the signed network GRUB, GRUB reads the grub.cfg recon generates for its MAC and loads Debian's
// signed lab kernel and the collector initramfs by TFTP; the collector uploads an inventory that says
// Secure Boot is enabled, and the console's shutdown powers the VM off. With boot.uefi=ipxe the same
// VM refuses ipxe.efi, and the headless console prints why. OVMF without Secure Boot boots the same
// signed chain (what boot.uefi=auto gives every UEFI PXE client).
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startQemuPeers, type QemuPeers } from '../../src/lab/vm/qemu-peers.js';
import { OVMF_SECURE_BOOT, plainSerial } from '../../src/lab/vm/qemu.js';
import type { LabVmImage } from '../../src/lab/vm/build.js';
import { reconArgv, type RunningMaster } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { NetnsRig } from '../helpers/netns.js';
import { collectThenShutdown, EventRecorder, labImage, startRigMaster, vmSkip } from './vm-rig.js';

const SIGNED = ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed'];
const skip =
  vmSkip({ postTgz: true }) || needs({ tools: [OVMF_SECURE_BOOT.code, OVMF_SECURE_BOOT.vars, ...SIGNED] });
/** TCG on a shared machine: firmware ~10 s, shim + GRUB ~5 s, kernel + initrd by TFTP, the collector */
const INVENTORY_WITHIN_MS = 300_000;

let image: LabVmImage | string = 'skipped: not built';
let rig: NetnsRig | undefined;
const dirs: string[] = [];

before(async () => {
  if (skip) return;
  image = await labImage('collector');
  if (typeof image === 'string') return;
  rig = await NetnsRig.create('sb');
});

after(async () => {
  await rig?.teardown();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A master on the rig with these boot settings, an event recorder on it, and its clean-up. */
async function withMaster(
  boot: { uefi?: 'auto' | 'ipxe' | 'shim-grub' },
  body: (master: RunningMaster, events: EventRecorder) => Promise<void>,
): Promise<void> {
  assert.ok(rig && typeof image !== 'string');
  const master = await startRigMaster(rig, image, boot);
  dirs.push(master.dir);
  const events = await EventRecorder.open(master.socket);
  try {
    await body(master, events);
  } finally {
    events.close();
    await master.stop();
  }
}

/**
 * One VM with `firmware` through the default (auto) master: the signed chain by TFTP, the inventory with
 * `secureBoot`, the console's shutdown. Returns what the test reports.
 */
async function signedChain(
  t: TestContext,
  firmware: 'uefi-sb' | 'uefi-pxe',
  index: number,
  secureBoot: 'enabled' | 'disabled',
): Promise<void> {
  await withMaster({}, async (master, events) => {
    let peers: QemuPeers | undefined;
    try {
      peers = await startQemuPeers({
        count: 1,
        firstIndex: index,
        netns: rig!.masterNs,
        bridge: 'br0',
        workDir: join(master.dir, `vm-${firmware}`),
        firmware: () => firmware,
      });
      const vm = peers.vms[0]!;
      const mac = vm.spec.mac;
      const serialText = async () => plainSerial(await readFile(vm.spec.serialLog, 'latin1').catch(() => ''));
      const run = await collectThenShutdown(events, vm, INVENTORY_WITHIN_MS).catch(async (e: Error) => {
        throw new Error(`${e.message}\nserial:\n${(await serialText()).slice(-4000)}`);
      });
      const serial = await serialText();
      assert.equal(run.code, 0, `qemu: ${vm.stderr()}\nserial:\n${serial.slice(-3000)}`);
      // with Secure Boot on, the firmware checked shim, shim GRUB, GRUB the kernel, and the kernel says so
      if (secureBoot === 'enabled') assert.match(serial, /Secure boot enabled/i, serial.slice(-3000));
      const tftp = (file: string) =>
        events.events.find(
          (e) =>
            e.type === 'transfer.start' &&
            e.data.proto === 'tftp' &&
            e.data.mac === mac &&
            e.data.file === file,
        );
      for (const f of [
        'shimx64.efi',
        'grubx64.efi',
        'grub/grub.cfg',
        'install/recon/vmlinuz',
        'install/recon/initrd',
      ])
        assert.ok(
          tftp(f),
          `no TFTP transfer of ${f} for ${mac}: ${JSON.stringify(events.events.filter((e) => e.type === 'transfer.start').map((e) => e.data))}`,
        );
      assert.ok(!tftp('ipxe.efi'), 'iPXE was handed to a UEFI PXE client under boot.uefi=auto');
      const offer = events.events.find((e) => e.type === 'dhcp.offer' && e.data.mac === mac);
      assert.equal(offer?.type === 'dhcp.offer' ? offer.data.chain : undefined, 'shim-grub');
      assert.ok(!events.events.some((e) => e.type === 'boot.refused'), 'a refusal was reported');
      const inv = JSON.parse(
        await readFile(join(master.dir, 'data', 'nodes', mac, 'inventory.json'), 'utf8'),
      ) as {
        firmware?: { secureBoot?: string; bootMode?: string };
      };
      if (inv.firmware?.secureBoot !== secureBoot) {
        const raw = await runTar(join(master.dir, 'data', 'nodes', mac, 'raw.tar.gz'));
        assert.fail(`${JSON.stringify(inv.firmware)}\nraw:\n${raw}\nserial:\n${serial.slice(-6000)}`);
      }
      // the console's node detail and recon status name the chain
      const status = await runRecon(['status', '--socket', master.socket]);
      assert.match(status, /boot chains: shim-grub 1/);
      const after = (f: string) => {
        const e = tftp(f);
        return e ? `${((Date.parse(e.at) - vm.startedAt) / 1000).toFixed(1)} s` : '-';
      };
      t.diagnostic(
        `${firmware}: shim at ${after('shimx64.efi')}, grubx64.efi ${after('grubx64.efi')}, grub.cfg ${after('grub/grub.cfg')}, ` +
          `kernel ${after('install/recon/vmlinuz')}, initrd ${after('install/recon/initrd')}; ` +
          `inventory after ${((run.waitingAt - vm.startedAt) / 1000).toFixed(1)} s, off ${((run.offAt - run.waitingAt) / 1000).toFixed(1)} s after shutdown`,
      );
    } finally {
      await peers?.stop();
    }
  });
}

void test(
  'Secure Boot VM: shim → signed GRUB → grub.cfg → signed kernel → inventory says Secure Boot enabled → console shutdown',
  { skip, timeout: 600_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    await signedChain(t, 'uefi-sb', 20, 'enabled');
  },
);

void test(
  'OVMF without Secure Boot takes the same signed chain under boot.uefi=auto; inventory says disabled',
  { skip, timeout: 600_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    await signedChain(t, 'uefi-pxe', 22, 'disabled');
  },
);

void test(
  'Secure Boot VM with boot.uefi=ipxe refuses ipxe.efi and the headless console says why',
  { skip, timeout: 400_000 },
  async (t) => {
    if (typeof image === 'string') return t.skip(image);
    await withMaster({ uefi: 'ipxe' }, async (master, events) => {
      const headless = startHeadless(master.socket);
      let peers: QemuPeers | undefined;
      try {
        peers = await startQemuPeers({
          count: 1,
          firstIndex: 21,
          netns: rig!.masterNs,
          bridge: 'br0',
          workDir: join(master.dir, 'vm-sb-ipxe'),
          firmware: () => 'uefi-sb',
        });
        const vm = peers.vms[0]!;
        const mac = vm.spec.mac;
        const started = Date.now();
        const refused = await events.waitFor(
          (e) => e.type === 'boot.refused' && e.data.mac === mac,
          240_000,
          `boot.refused for ${mac}`,
        );
        t.diagnostic(`refusal reported ${((Date.now() - started) / 1000).toFixed(1)} s after QEMU started`);
        assert.equal(refused.type === 'boot.refused' ? refused.data.file : '', 'ipxe.efi');
        const serial = plainSerial(await readFile(vm.spec.serialLog, 'latin1'));
        assert.match(serial, /Access Denied/, serial.slice(-3000));
        assert.ok(
          !events.events.some(
            (e) => e.type === 'transfer.start' && e.data.mac === mac && e.data.kind === 'menu',
          ),
          'iPXE ran under Secure Boot',
        );
        const line = await headless.waitFor(
          /firmware refused ipxe\.efi — Secure Boot\? set boot\.uefi=shim-grub/,
          20_000,
        );
        assert.ok(line.includes(mac), line);
        const status = await runRecon(['status', '--socket', master.socket]);
        assert.match(status, new RegExp(`ALERT ${mac}: firmware refused ipxe\\.efi`));
      } finally {
        headless.stop();
        await peers?.stop();
      }
    });
  },
);

async function runTar(archive: string): Promise<string> {
  const child = spawn(
    'sh',
    ['-c', 'tar -xzOf "$1" --wildcards "*secureboot*" "*mokutil*" 2>&1 | head -c 4000', 'sh', archive],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise((r) => child.once('exit', r));
  return out;
}

async function runRecon(args: string[]): Promise<string> {
  const argv = reconArgv();
  const child = spawn(argv[0]!, [...argv.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise((r) => child.once('exit', r));
  return out;
}

/** `recon console --headless` on the master's socket: its lines, and a way to wait for one. */
function startHeadless(socket: string): { waitFor(re: RegExp, ms: number): Promise<string>; stop(): void } {
  const argv = reconArgv();
  const child = spawn(argv[0]!, [...argv.slice(1), 'console', '--headless', '--socket', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  return {
    async waitFor(re, ms) {
      const until = Date.now() + ms;
      for (;;) {
        const line = out.split('\n').find((l) => re.test(l));
        if (line) return line;
        if (Date.now() > until)
          throw new Error(`headless console printed no ${String(re)}:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

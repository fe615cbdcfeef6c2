// Shared set-up of the QEMU end-to-end tests: skip reasons, a real `recon master` in a NetnsRig (every
// service on the rig bridge, IPv6 on so iPXE gets its router advertisement at once), the lab boot files
// staged under its /install tree, an event recorder on the control socket, and a collector VM's run from
// boot to the console's shutdown.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/master/control/client.js';
import type { Action, ActionOutcome } from '../../src/master/control/protocol.js';
import type { ReconEvent, Stage } from '../../src/model/events.js';
import type { ReconConfigInput } from '../../src/model/config/schema.js';
import { buildLabVm, type LabVmImage } from '../../src/lab/vm/build.js';
import type { InitMode } from '../../src/lab/vm/init-script.js';
import { KernelFetchError } from '../../src/lab/vm/kernel.js';
import { BUILT_POST_TGZ, stageLabImage, stageTftpRoot } from '../../src/lab/vm/qemu-peers.js';
import { OVMF_PATHS, type RunningVm } from '../../src/lab/vm/qemu.js';
import { startMaster, type RunningMaster } from '../helpers/master.js';
import { missingTool, needs } from '../helpers/needs.js';
import type { NetnsRig } from '../helpers/netns.js';

/** Static reasons a QEMU end-to-end test cannot run here (false when it can). */
export function vmSkip(opts: { postTgz?: boolean } = {}): string | false {
  const base = needs({ root: true, tools: ['qemu-system-x86_64', 'busybox', 'apt-get', 'dpkg-deb', 'ldd'] });
  if (base) return base;
  if (!OVMF_PATHS.some((p) => existsSync(p))) return missingTool('/usr/share/ovmf/OVMF.fd');
  const files = needs({ tools: ['/usr/lib/ipxe/ipxe.efi', '/usr/lib/ipxe/qemu/efi-virtio.rom'] });
  if (files) return files;
  if (opts.postTgz && !existsSync(BUILT_POST_TGZ)) return 'skipped: needs dist/post.tgz (npm run build)';
  return false;
}

/** Builds (or reuses) the lab image; a kernel that cannot be downloaded becomes a skip reason. */
export async function labImage(mode: InitMode): Promise<LabVmImage | string> {
  try {
    return await buildLabVm({ mode });
  } catch (e) {
    if (e instanceof KernelFetchError)
      return `skipped: the kernel package cannot be downloaded (${e.message})`;
    throw e;
  }
}

/** `boot`: config keys of the `boot` section for this master (e.g. `{ uefi: 'ipxe' }`). */
export async function startRigMaster(
  rig: NetnsRig,
  image: LabVmImage,
  boot: ReconConfigInput['boot'] = {},
): Promise<RunningMaster> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-e2e-'));
  await stageLabImage(join(dir, 'install', 'recon'), image);
  await stageTftpRoot(join(dir, 'tftp'), ['/usr/lib/ipxe', '/usr/share/ipxe'], ['ipxe.efi', 'undionly.kpxe']);
  return startMaster({
    dir,
    netns: rig.masterNs,
    config: (d) => ({
      interface: 'br0',
      dataDir: join(d, 'data'),
      tftpRoot: join(d, 'tftp'),
      controlSocket: join(d, 'control.sock'),
      ipv4: { address: '10.99.0.1', prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
      ipv6: { address: 'fd99::1' },
      http: { roots: { '/install': join(d, 'install') } },
      guard: { enabled: false },
      // the menu's default console= list stays: the lab VM's /init writes to its one serial port itself
      // the master puts this on the peers' command line: a lab bridge never carries LLDP neighbours
      peer: { lldpWaitSeconds: 0 },
      boot,
    }),
  });
}

/** Every event the master publishes from now on, with a way to wait for one. */
export class EventRecorder {
  readonly events: ReconEvent[] = [];
  private waiters: { pred: (e: ReconEvent) => boolean; resolve: (e: ReconEvent) => void }[] = [];

  private constructor(private readonly client: ControlClient) {
    client.on('event', (e) => {
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => !(w.pred(e) && (w.resolve(e), true)));
    });
  }

  static async open(socket: string): Promise<EventRecorder> {
    const client = await ControlClient.connect(socket);
    client.subscribe();
    return new EventRecorder(client);
  }

  waitFor(pred: (e: ReconEvent) => boolean, timeoutMs: number, what: string): Promise<ReconEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** Sends a console action on the same control connection (what the console's keys send). */
  action(action: Action): Promise<ActionOutcome> {
    return this.client.action(action, { by: 'e2e test' });
  }

  close(): void {
    this.client.close();
  }
}

export const stageIs =
  (mac: string, stage: Stage) =>
  (e: ReconEvent): boolean =>
    e.type === 'node.stage' && e.data.mac === mac && e.data.stage === stage;

/**
 * A collector-mode VM's run as the console sees it: wait until the peer parks on its command long-poll
 * (inventory uploaded), send the console's shutdown for it (the `s` key), wait for QEMU to exit.
 */
export async function collectThenShutdown(
  events: EventRecorder,
  vm: RunningVm,
  inventoryWithinMs: number,
): Promise<{ code: number | null; waitingAt: number; offAt: number }> {
  const mac = vm.spec.mac;
  const quit = vm.exited.then((x) => {
    throw new Error(`${vm.spec.name} exited (${JSON.stringify(x)}) before it waited for a command`);
  });
  await Promise.race([events.waitFor(stageIs(mac, 'waiting'), inventoryWithinMs, `${mac} waiting`), quit]);
  const waitingAt = Date.now();
  const r = await events.action({ name: 'shutdown', macs: [mac] });
  if (!r.ok) throw new Error(`shutdown ${mac}: ${r.message}`);
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    vm.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${vm.spec.name} did not power off after shutdown`)), 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return { code: exit.code, waitingAt, offAt: Date.now() };
}

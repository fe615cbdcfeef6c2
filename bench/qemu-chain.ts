// QEMU boot chain benchmark (root): real firmware under TCG through recon's boot services into the
// collector initramfs, per stage, from the master's own events (src/lab/vm/timings.ts). Each round starts a
// fresh master in a netns rig and boots one SeaBIOS + iPXE ROM VM, then one OVMF VM with EDK2's own PXE
// client (one at a time, so the VMs do not compete for the CPUs); each runs the real collector, uploads,
// waits, gets the console's shutdown and powers off. Writes docs/BENCHMARKS.md "## QEMU boot chain".
// usage: node --import tsx bench/qemu-chain.ts [--rounds 3] [--firmware bios-ipxe,uefi-pxe,uefi-sb] [--capture DIR] [--no-doc]
//   --capture DIR  records the rig bridge with tshark, one pcap and serial log per VM (DIR/<round>-<firmware>.*)
//   --no-doc       prints the section without writing docs/BENCHMARKS.md (a partial or diagnostic run)
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startQemuPeers } from '../src/lab/vm/qemu-peers.js';
import type { VmFirmware } from '../src/lab/vm/qemu.js';
import { chainTimings, type ChainTimings } from '../src/lab/vm/timings.js';
import { NetnsRig } from '../test/helpers/netns.js';
import { collectThenShutdown, EventRecorder, labImage, startRigMaster, vmSkip } from '../test/e2e/vm-rig.js';
import { writeDocSection } from './doc-section.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    doc: { type: 'string', default: 'docs/BENCHMARKS.md' },
    firmware: { type: 'string', default: 'bios-ipxe,uefi-pxe,uefi-sb' },
    capture: { type: 'string' },
    'no-doc': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const skip = vmSkip({ postTgz: true });
if (skip) throw new Error(skip);
const image = await labImage('collector');
if (typeof image === 'string') throw new Error(image);

/** the table's columns, one per firmware path, in this order, and the chain the master hands that firmware */
const COLUMNS = new Map<VmFirmware, { label: string; uefi: 'ipxe' | 'shim-grub' }>([
  ['bios-ipxe', { label: 'SeaBIOS + iPXE ROM', uefi: 'ipxe' }],
  ['uefi-pxe', { label: 'OVMF EDK2 PXE → iPXE', uefi: 'ipxe' }],
  ['uefi-sb', { label: 'OVMF Secure Boot → shim → GRUB', uefi: 'shim-grub' }],
]);
const ALL_FIRMWARES = [...COLUMNS.keys()];
const FIRMWARES = values.firmware.split(',') as VmFirmware[];
if (!FIRMWARES.every((f) => ALL_FIRMWARES.includes(f)))
  throw new Error(`--firmware: ${ALL_FIRMWARES.join(', ')}`);
if (values.capture) await mkdir(values.capture, { recursive: true });

/** tshark on the rig bridge, written to a pcap; stopped (SIGINT, so the file is complete) after the VM. */
async function startCapture(rig: NetnsRig, file: string): Promise<ChildProcess> {
  const tshark = rig.spawn(rig.masterNs, ['tshark', '-q', '-i', 'br0', '-w', file]);
  // tshark says "Capturing on 'br0'" once it listens: the VM starts after that
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    tshark.stderr?.on('data', (c: Buffer) => {
      if (c.toString().includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return tshark;
}
async function stopCapture(tshark: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => tshark.once('exit', resolve));
  tshark.kill('SIGINT');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
}
const STAGES: { key: string; label: string; what: string }[] = [
  { key: 'dhcp', label: 'DHCP', what: 'first DISCOVER → lease' },
  { key: 'tftp', label: 'TFTP', what: 'lease → boot loader fetched (EDK2: ipxe.efi; shim, then GRUB)' },
  { key: 'ipxe', label: 'iPXE start', what: "→ iPXE's first DISCOVER (firmware loads and starts ipxe.efi)" },
  {
    key: 'menu',
    label: 'menu',
    what: "→ menu.ipxe (iPXE's own DHCP, then HTTP) / grub/grub.cfg (TFTP) served",
  },
  { key: 'kernel+initrd', label: 'kernel + initrd', what: '→ both served (iPXE: HTTP; GRUB: TFTP)' },
  { key: 'booted', label: 'boot to collector start', what: '→ collector reports booted' },
  { key: 'collect', label: 'collect', what: '→ inventory stored' },
  { key: 'upload', label: 'upload', what: '→ raw outputs stored, uploaded' },
];

interface Sample {
  firmware: VmFirmware;
  timings: ChainTimings;
  /** QEMU start → QEMU exit after the console's shutdown */
  wallMs: number;
  /** the machine's 1-minute load average when the VM was off (the CPUs are shared) */
  load: number;
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const secs = (ms: number): string => (ms / 1000).toFixed(1);

const samples: Sample[] = [];
for (let r = 0; r < rounds; r++) {
  const rig = await NetnsRig.create('qb');
  try {
    for (const [i, firmware] of FIRMWARES.entries()) {
      // a master per VM: boot.uefi decides the chain of every UEFI client
      const master = await startRigMaster(rig, image, { uefi: COLUMNS.get(firmware)!.uefi });
      const events = await EventRecorder.open(master.socket).catch(async (e: unknown) => {
        await master.stop();
        throw e;
      });
      const capture = values.capture
        ? await startCapture(rig, join(values.capture, `${r + 1}-${firmware}.pcap`))
        : undefined;
      const peers = await startQemuPeers({
        count: 1,
        firstIndex: i,
        netns: rig.masterNs,
        bridge: 'br0',
        workDir: join(master.dir, 'vms'),
        firmware: () => firmware,
      });
      try {
        const vm = peers.vms[0]!;
        const run = await collectThenShutdown(events, vm, 300_000);
        if (run.code !== 0) throw new Error(`${firmware}: QEMU exited with ${run.code}: ${vm.stderr()}`);
        const timings = chainTimings(events.events, vm.spec.mac);
        samples.push({ firmware, timings, wallMs: run.offAt - vm.startedAt, load: loadavg()[0]! });
        process.stderr.write(
          `round ${r + 1} ${firmware}: ${timings.steps.map((s) => `${s.step} ${s.ms} ms`).join(', ')}; QEMU start → off ${secs(run.offAt - vm.startedAt)} s\n`,
        );
      } finally {
        await peers.stop();
        if (capture) await stopCapture(capture);
        if (values.capture)
          await copyFile(
            peers.vms[0]!.spec.serialLog,
            join(values.capture, `${r + 1}-${firmware}-serial.log`),
          );
        events.close();
        await master.stop();
        await rm(master.dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rig.teardown();
  }
}

const of = (fw: VmFirmware) => samples.filter((s) => s.firmware === fw);
const stepMs = (s: Sample, key: string) => s.timings.steps.find((x) => x.step === key)?.ms;
const cell = (fw: VmFirmware, key: string): string => {
  const v = of(fw)
    .map((s) => stepMs(s, key))
    .filter((x): x is number => x !== undefined);
  return v.length ? `${secs(median(v))} s` : '—';
};
const totalCell = (fw: VmFirmware, pick: (s: Sample) => number | undefined): string => {
  const v = of(fw)
    .map(pick)
    .filter((x): x is number => x !== undefined);
  return v.length ? `**${secs(median(v))} s**` : '—';
};
const qemuVersion = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
const allRounds = FIRMWARES.map(
  (fw) =>
    `${fw} ${of(fw)
      .map((s) => `${s.timings.steps.map((x) => secs(x.ms)).join('+')} = ${secs(s.timings.uploadMs ?? NaN)}`)
      .join(' / ')}`,
).join('; ');

const section = `## QEMU boot chain

\`node --import tsx bench/qemu-chain.ts --rounds ${rounds}\` (root), ${new Date().toISOString().slice(0, 10)},
${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), QEMU TCG (no KVM), ${qemuVersion}, Node ${process.version},
lab kernel ${image.kernelRelease}, collector initramfs ${(image.initrdBytes / 1048576).toFixed(1)} MiB (busybox, node, inventory tools).
Per VM a fresh \`recon master\` in a netns rig; one VM at a time (\`-smp 1\`, 768 MiB, virtio NIC and disk):
SeaBIOS with the iPXE NIC ROM; OVMF with its own EDK2 PXE client (NIC ROM removed) and \`boot.uefi=ipxe\` (\`ipxe.efi\`
by TFTP, then \`menu.ipxe\`, kernel + initramfs by HTTP); OVMF's Secure Boot build with Microsoft's keys and
\`boot.uefi=shim-grub\` (signed shim and GRUB by TFTP, the generated \`grub/grub.cfg\`, the signed kernel + initramfs
by TFTP). Each VM fetches and checks \`post.tgz\`, runs the real collector (\`recon.lldpwait=0\`), uploads, waits,
and powers off on the console's shutdown action.
Stage times are differences between the master's own events (\`src/lab/vm/timings.ts\`); median of ${rounds} rounds.
The two CPUs were shared with other work: 1-minute load average ${Math.min(...samples.map((s) => s.load)).toFixed(1)}–${Math.max(...samples.map((s) => s.load)).toFixed(1)} at the end of each VM, so TCG figures vary
from run to run by several seconds.

| stage | measured as | ${FIRMWARES.map((fw) => COLUMNS.get(fw)!.label).join(' | ')} |
|---|---|${FIRMWARES.map(() => '---:|').join('')}
${STAGES.map((s) => `| ${s.label} | ${s.what} | ${FIRMWARES.map((fw) => cell(fw, s.key)).join(' | ')} |`).join('\n')}
| first DISCOVER → uploaded | per-VM total (its own median) | ${FIRMWARES.map((fw) => totalCell(fw, (s) => s.timings.uploadMs)).join(' | ')} |
| QEMU start → QEMU exit | incl. firmware start-up and the shutdown | ${FIRMWARES.map((fw) => totalCell(fw, (s) => s.wallMs)).join(' | ')} |

All rounds (s, stages in order = DISCOVER → uploaded): ${allRounds}.
`;
if (!values['no-doc']) writeDocSection(values.doc, section);
process.stdout.write(section);

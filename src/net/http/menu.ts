// The iPXE script a peer gets from GET /menu.ipxe. Pure: table-tested.
//
// Addresses: every URL in the script uses the master's IPv4 literal, not `bang`. iPXE resolves names
// only when DHCP handed it a DNS server and dracut's livenet only after its DHCP hook wrote
// resolv.conf; a literal removes both failure points, and the script is generated per request by the
// very master it points at, so the address is always right. For the same reason `pxeaddr=` carries
// that literal instead of iPXE's ${next-server}, which is empty under UEFI HTTP boot and names the
// other server under proxyDHCP. `${mac:hexhyp}` stays an iPXE expansion: only iPXE knows which NIC booted.
import type { BootImage } from './boot-files.js';

export interface MenuInput {
  /** e.g. "http://10.99.0.1" or "http://10.99.0.1:8080" */
  baseUrl: string;
  /** URL path of the image directory, e.g. "/install/recon" */
  imagePath: string;
  image: BootImage;
  /** kernel console= values (one per device type: Linux keeps one); the last one becomes /dev/console */
  consoles: readonly string[];
  /** the peer policy of config.peer, handed to the collector as recon.poweroff= / recon.lldpwait= */
  peer: { powerOffAfterUpload: string; lldpWaitSeconds: number };
  extraArgs: readonly string[];
  /** the master's IPv4 address, passed to the peer as pxeaddr= */
  masterAddress: string;
  /** how long the script waits before starting over after a failed download */
  retrySeconds: number;
  /** what the client told us (already validated), only echoed for the operator */
  client?: { mac?: string; platform?: string; arch?: string };
}

export interface WaitInput {
  baseUrl: string;
  reason: string;
  retrySeconds: number;
  /** the query string the client used, so the retry asks the same question */
  query?: string;
}

/**
 * Who loads the kernel. iPXE needs `initrd=<name>` (this iPXE hands the initrd to the EFI stub by name,
 * not by LoadFile2) and expands `${mac:hexhyp}` itself; GRUB hands the initrd over itself and is given
 * the MAC of the client the config is generated for.
 */
export type KernelLoader = { kind: 'ipxe' } | { kind: 'grub'; mac: string };

/** The kernel command line of ARCHITECTURE §1, in its order: one source for menu.ipxe and grub.cfg. */
export function kernelArgs(m: MenuInput, loader: KernelLoader = { kind: 'ipxe' }): string[] {
  const initrdName = m.image.initrd.split('/').pop() ?? m.image.initrd;
  const bootif = loader.kind === 'ipxe' ? '${mac:hexhyp}' : loader.mac.toLowerCase().replace(/:/g, '-');
  return [
    ...(loader.kind === 'ipxe' ? [`initrd=${initrdName}`] : []),
    `root=live:${m.baseUrl}${m.imagePath}/${m.image.iso}`,
    'rd.live.ram=1',
    'rd.live.image',
    'rd.live.overlay.persistent',
    'rd.live.overlay.cowfs=ext4',
    'iomem=relaxed',
    'ksdevice=bootif',
    `BOOTIF=01-${bootif}`,
    `pxeaddr=${m.masterAddress}`,
    'postaction=liveboot',
    'nomodeset',
    'noquiet',
    'splash=off',
    ...m.consoles.map((c) => `console=${c}`),
    'earlyprintk=serial,ttyS0,115200',
    ...peerPolicyArgs(m.peer, m.extraArgs),
    ...m.extraArgs,
  ];
}

/**
 * The master's peer policy as collector arguments. An extra argument from config that already names one
 * wins: the collector reads the first occurrence, and the operator's explicit word should be it.
 */
export function peerPolicyArgs(peer: MenuInput['peer'], extraArgs: readonly string[]): string[] {
  const given = new Set(extraArgs.map((a) => a.split('=')[0]));
  return [
    ['recon.poweroff', peer.powerOffAfterUpload],
    ['recon.lldpwait', String(Math.round(peer.lldpWaitSeconds))],
  ]
    .filter(([key]) => !given.has(key))
    .map(([key, value]) => `${key}=${value}`);
}

/** Text that is safe inside an iPXE `echo` line: no variable expansion, no line breaks. */
function echoSafe(s: string): string {
  return s.replace(/[\r\n]/g, ' ').replace(/\$\{/g, '$ {');
}

export function renderBootMenu(m: MenuInput): string {
  const dir = `${m.baseUrl}${m.imagePath}`;
  const who = m.client
    ? Object.entries(m.client)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : '';
  return [
    '#!ipxe',
    `# recon boot menu: live image ${m.image.iso} (version ${m.image.version})${who ? ` for ${who}` : ''}`,
    `echo recon: booting ${echoSafe(m.image.iso)} from ${echoSafe(m.baseUrl)} (mac $\{mac}, $\{platform})`,
    ':boot',
    `kernel ${dir}/${m.image.kernel} ${kernelArgs(m).join(' ')} || goto failed`,
    `initrd ${dir}/${m.image.initrd} || goto failed`,
    'boot || goto failed',
    ':failed',
    `echo recon: loading the live image failed; trying again in ${m.retrySeconds} s`,
    'imgfree',
    `sleep ${m.retrySeconds}`,
    'goto boot',
    '',
  ].join('\n');
}

/** Shown while the image files are missing: says why on the iPXE screen and asks again every N s. */
export function renderWaitMenu(w: WaitInput): string {
  const url = `${w.baseUrl}/menu.ipxe${w.query ? `?${w.query}` : ''}`;
  return [
    '#!ipxe',
    '# recon: the live image is not available yet',
    ':wait',
    'echo',
    `echo recon: cannot boot yet: ${echoSafe(w.reason)}`,
    `echo recon: asking the master again in ${w.retrySeconds} s (${echoSafe(w.baseUrl)})`,
    `sleep ${w.retrySeconds}`,
    `chain --replace --autofree ${url} || goto wait`,
    '',
  ].join('\n');
}

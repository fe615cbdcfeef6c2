// The GRUB config a Secure Boot peer gets as `grub/grub.cfg`: Debian's signed network GRUB reads only
// that one name under its TFTP prefix (no per-MAC names; `[ -e ]` on TFTP is always false), so the TFTP
// service answers it per client, from the requester's lease. The kernel arguments are menu.ipxe's
// (kernelArgs, one source for both); kernel and initrd come by TFTP from the same image directory the
// HTTP tree serves, because GRUB under Secure Boot refuses its http module. Pure: table-tested.
import { kernelArgs, type MenuInput, type WaitInput } from '../http/menu.js';

/** The name GRUB asks for (its built-in prefix is /grub). */
export const GRUB_CFG_NAME = 'grub/grub.cfg';

/** One word for GRUB's shell-like parser: single-quoted unless it is plainly safe. */
export function grubWord(s: string): string {
  if (/^[A-Za-z0-9_.,:=/@+%-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Text safe inside a GRUB `echo` word (quoted, no line breaks). */
function echoText(s: string): string {
  return grubWord(s.replace(/[\r\n]/g, ' '));
}

export interface GrubInput extends MenuInput {
  /** the MAC of the client this config is for (from its lease) */
  mac: string;
}

/** `(tftp,<master>)`: the device every path is read from, named so no GRUB variable decides it. */
function device(masterAddress: string): string {
  return `(tftp,${masterAddress})`;
}

export function renderGrubConfig(g: GrubInput): string {
  const dir = `${device(g.masterAddress)}${g.imagePath}`;
  const args = kernelArgs(g, { kind: 'grub', mac: g.mac }).map(grubWord).join(' ');
  return [
    `# recon boot config: live image ${g.image.iso} (version ${g.image.version}) for ${g.mac}`,
    `echo ${echoText(`recon: booting ${g.image.iso} from ${g.masterAddress} (mac ${g.mac}, shim-grub)`)}`,
    `linux ${dir}/${grubWord(g.image.kernel)} ${args}`,
    `initrd ${dir}/${grubWord(g.image.initrd)}`,
    'boot',
    // reached only when a load failed: start over from the firmware, which asks DHCP again
    `echo ${echoText(`recon: loading the live image failed; restarting in ${g.retrySeconds} s`)}`,
    `sleep ${g.retrySeconds}`,
    'reboot',
    '',
  ].join('\n');
}

/** Shown while the image files are missing (or the client has no lease): says why, asks again. */
export function renderGrubWait(w: Omit<WaitInput, 'baseUrl' | 'query'> & { masterAddress: string }): string {
  return [
    '# recon: the live image is not available yet',
    `echo ${echoText(`recon: cannot boot yet: ${w.reason}`)}`,
    `echo ${echoText(`recon: asking the master again in ${w.retrySeconds} s (${w.masterAddress})`)}`,
    `sleep ${w.retrySeconds}`,
    `configfile ${device(w.masterAddress)}/${GRUB_CFG_NAME}`,
    '',
  ].join('\n');
}

// Which live image to boot, decided from the file names present in the image directory.
// Recognised (newest version wins when several ISOs are present):
//   ISO     <name>-<ver>.iso or <name>.<arch>-<ver>.iso   (kiwi names it recon.x86_64-1.2.3.iso)
//   kernel  vmlinuz-<ver>, <iso base>.kernel, linux, vmlinuz
//   initrd  initrd-<ver>, <iso base>.initrd, initrd, initrd.img
// Pure: table-tested.

export interface BootImage {
  version: string;
  iso: string;
  kernel: string;
  initrd: string;
}

export type BootImageChoice = { ok: true; image: BootImage } | { ok: false; missing: string };

const ISO_NAME = /^(?<base>[A-Za-z0-9_.+-]*?-(?<version>\d[A-Za-z0-9_.+~]*))\.iso$/;

/** Compares dotted versions numerically where both parts are numbers ("1.10" > "1.9"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+~_-]/);
  const pb = b.split(/[.+~_-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

export function chooseBootImage(names: readonly string[]): BootImageChoice {
  const present = new Set(names);
  const isos = names
    .map((n) => ISO_NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[0], base: m.groups?.base ?? '', version: m.groups?.version ?? '' }))
    .sort((a, b) => compareVersions(b.version, a.version));
  const iso = isos[0];
  if (!iso) return { ok: false, missing: 'no live ISO (*-<version>.iso)' };
  const pick = (candidates: string[]) => candidates.find((c) => present.has(c));
  const kernel = pick([`vmlinuz-${iso.version}`, `${iso.base}.kernel`, 'linux', 'vmlinuz']);
  if (!kernel) return { ok: false, missing: `no kernel for ${iso.file} (vmlinuz-${iso.version} or linux)` };
  const initrd = pick([`initrd-${iso.version}`, `${iso.base}.initrd`, 'initrd', 'initrd.img']);
  if (!initrd) return { ok: false, missing: `no initrd for ${iso.file} (initrd-${iso.version} or initrd)` };
  return { ok: true, image: { version: iso.version, iso: iso.file, kernel, initrd } };
}

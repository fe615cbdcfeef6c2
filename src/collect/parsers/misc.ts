// Pure parsers for the one-liners: systemd-detect-virt, the boot-mode probe, the /dev/disk link listings and the
// kernel's error lines.
import type { KernelErrors } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { fail, guard, isRecord, ok, parseJson, type ParseResult } from './result.js';

// The words systemd-detect-virt(1) documents; anything else is reported, not guessed at.
const VIRT_WORDS = new Set(
  (
    'none kvm amazon qemu bochs xen uml vmware oracle microsoft zvm parallels bhyve qnx acrn powervm apple sre google ' +
    'openvz lxc lxc-libvirt systemd-nspawn docker podman rkt wsl proot pouch'
  ).split(' '),
);

/** systemd-detect-virt prints one word ("none" with exit code 1 on bare metal). */
export function parseDetectVirt(text: string): ParseResult<{ type: string; isVirtual: boolean }> {
  const word = text.trim();
  if (!VIRT_WORDS.has(word))
    return fail(`systemd-detect-virt: unexpected output ${JSON.stringify(word.slice(0, 40))}`);
  return ok({ type: word, isVirtual: word !== 'none' });
}

/** by-path listing as the collector records it: JSON {"pci-0000:00:1f.2-ata-1": "../../sda", ...} → disk name → paths */
export function parseByPath(text: string): ParseResult<Map<string, string[]>> {
  return parseDiskLinks('by-path', text);
}

/** A /dev/disk/<kind> listing ({link: target}) → disk name → its links, whole disks only. */
export function parseDiskLinks(kind: 'by-path' | 'by-id', text: string): ParseResult<Map<string, string[]>> {
  return guard(kind, () => {
    const json = parseJson(kind, text);
    if (!json.ok) return json;
    if (!isRecord(json.value)) return fail(`${kind}: not a JSON object`);
    const out = new Map<string, string[]>();
    for (const [link, target] of Object.entries(json.value)) {
      if (typeof target !== 'string') return fail(`${kind}: ${link} is not a link target`);
      if (/-part\d+$/.test(link)) continue;
      const dev = target.split('/').pop() ?? '';
      if (!dev) continue;
      const links = out.get(dev) ?? [];
      if (links.length < L.byPath)
        out.set(dev, [...links, `/dev/disk/${kind}/${link}`.slice(0, L.text)].sort());
    }
    return ok(out);
  });
}

/** The boot-mode probe prints "uefi" or "bios"; anything else is not an answer (never read as BIOS). */
export function parseBootMode(text: string): ParseResult<'uefi' | 'bios'> {
  const word = text.trim();
  return word === 'uefi' || word === 'bios'
    ? ok(word)
    : fail(`boot mode probe: ${JSON.stringify(word.slice(0, 40))} is neither uefi nor bios`);
}

/** `dmesg --level=err,crit,alert,emerg`: every line is one error; none at all is the good answer. */
export function parseDmesgErrors(text: string): ParseResult<KernelErrors> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return ok({
    count: lines.length,
    last: lines.slice(-L.kernelErrorLines).map((l) => l.slice(0, L.longText)),
  });
}

// Pure parsers for the UEFI state: the SecureBoot variable (read through `od`), `mokutil --sb-state` and
// `efibootmgr` (BootCurrent, BootNext, BootOrder, Boot#### entries).
import type { BootEntry, BootOrderInfo } from '../../shared/inventory/schema.js';
import { INVENTORY_LIMITS as L } from '../../shared/inventory/limits.js';
import { fail, guard, ok, requireComplete, type ParseResult } from './result.js';

/** The SecureBoot variable of the EFI global-variable GUID, as efivarfs exposes it. */
export const SECURE_BOOT_EFIVAR = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

/**
 * `od -An -tx1 -v <efivar>`: efivarfs prints 4 bytes of attributes, then the variable's data; SecureBoot's data
 * is one byte, 1 when the firmware enforces Secure Boot.
 */
export function parseSecureBootVar(text: string): ParseResult<'enabled' | 'disabled'> {
  return guard('SecureBoot efivar', () => {
    const bytes = text.trim().split(/\s+/).filter(Boolean);
    if (bytes.length !== 5 || !bytes.every((b) => /^[0-9a-f]{2}$/i.test(b)))
      return fail(`SecureBoot efivar: expected 4 attribute bytes and 1 data byte, got ${bytes.length} bytes`);
    const data = bytes[4];
    if (data === '01') return ok('enabled');
    if (data === '00') return ok('disabled');
    return fail(`SecureBoot efivar: data byte ${data ?? ''} is neither 00 nor 01`);
  });
}

/** `mokutil --sb-state`: "SecureBoot enabled" / "SecureBoot disabled" (plus setup-mode lines). */
export function parseMokutilSbState(text: string): ParseResult<'enabled' | 'disabled'> {
  if (/^SecureBoot enabled$/m.test(text)) return ok('enabled');
  if (/^SecureBoot disabled$/m.test(text)) return ok('disabled');
  // mokutil's words when the firmware has no SecureBoot variable at all
  if (/doesn't support Secure Boot/.test(text)) return ok('disabled');
  return fail(`mokutil --sb-state: unexpected output ${JSON.stringify(text.trim().slice(0, 60))}`);
}

const cap = (s: string, max: number = L.text): string => s.slice(0, max);

/**
 * `efibootmgr` (versions 17 and 18): "BootCurrent: 0004", "BootOrder: 0004,0000", and one line per entry,
 * "Boot0004* debian\tHD(1,GPT,...)/File(...)" — `*` marks an active entry; version 18 (and 17 with `-v`) adds the
 * device path after a tab.
 */
export function parseEfibootmgr(text: string): ParseResult<BootOrderInfo> {
  return guard('efibootmgr', () => {
    const incomplete = requireComplete('efibootmgr', text);
    if (incomplete) return fail(incomplete);
    const out: BootOrderInfo = { order: [], entries: [] };
    let seen = false;
    for (const line of text.split('\n')) {
      const head = /^(BootCurrent|BootNext|BootOrder):\s*(.*)$/.exec(line);
      if (head) {
        seen = true;
        const v = (head[2] ?? '').trim().toUpperCase();
        if (head[1] === 'BootCurrent') out.current = cap(v);
        else if (head[1] === 'BootNext') out.next = cap(v);
        else
          out.order = v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => /^[0-9A-F]{4}$/.test(s))
            .slice(0, L.bootEntries);
        continue;
      }
      const entry = /^Boot([0-9A-Fa-f]{4})(\*?)\s?(.*)$/.exec(line);
      if (!entry) continue;
      seen = true;
      if (out.entries.length >= L.bootEntries) continue;
      const [label = '', path] = (entry[3] ?? '').split('\t');
      const e: BootEntry = {
        id: (entry[1] ?? '').toUpperCase(),
        label: cap(label.trim()),
        active: entry[2] === '*',
      };
      if (path?.trim()) e.path = cap(path.trim(), L.longText);
      out.entries.push(e);
    }
    if (!seen) return fail('efibootmgr: no BootCurrent, BootOrder or Boot#### line');
    return ok(out);
  });
}

// Which kernel modules the lab initramfs carries and in which order /init loads them. The Debian kernel
// package ships no modules.dep (depmod runs at install time), so each module's own `.modinfo` ELF section
// is read for its `depends=` list. Pure: buffers in, names out.

export class ModuleError extends Error {}

/** The key=value strings of an ELF64 little-endian object's `.modinfo` section. */
export function readModinfo(elf: Buffer): Map<string, string[]> {
  const bad = (why: string): never => {
    throw new ModuleError(`not a loadable kernel module: ${why}`);
  };
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) bad('no ELF magic');
  if (elf[4] !== 2 || elf[5] !== 1) bad('not ELF64 little-endian');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  if (shentsize < 64 || shoff + shnum * shentsize > elf.length || shstrndx >= shnum)
    bad('section table out of range');
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: elf.readUInt32LE(at),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      size: Number(elf.readBigUInt64LE(at + 0x20)),
    };
  };
  const strtab = section(shstrndx);
  if (strtab.offset + strtab.size > elf.length) bad('section names out of range');
  const nameOf = (off: number): string => {
    const start = strtab.offset + off;
    const end = elf.indexOf(0, start);
    return elf.toString('latin1', start, end < 0 ? start : end);
  };
  const out = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (nameOf(s.name) !== '.modinfo') continue;
    if (s.offset + s.size > elf.length) bad('.modinfo out of range');
    for (const item of elf.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      const key = item.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), item.slice(eq + 1)]);
    }
    return out;
  }
  return bad('no .modinfo section');
}

/** The module names a module needs loaded first (`depends=a,b`; empty when it needs none). */
export function moduleDepends(info: Map<string, string[]>): string[] {
  return (info.get('depends') ?? []).flatMap((d) => d.split(',')).filter(Boolean);
}

/** Module name as the kernel spells it: file name without .ko, dashes as underscores. */
export function moduleName(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/**
 * Load order for `wanted` and everything they depend on: dependencies first, each module once.
 * `dependsOf` returns undefined for a module that is not in the tree (built in, or missing).
 */
export function loadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => string[] | undefined,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') throw new ModuleError(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const deps = dependsOf(name);
    if (deps === undefined) {
      if (chain.length === 0) throw new ModuleError(`module ${name} is not in this kernel's module tree`);
      // a dependency that is not a module file is built into the kernel
      state.set(name, 'done');
      return;
    }
    state.set(name, 'visiting');
    for (const d of deps) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(w, []);
  return order;
}

import type { HwObject } from './xml.js';

const IO_TYPES = new Set(['Bridge', 'PCIDev', 'OSDev', 'Misc']);
export const isIoObject = (o: HwObject): boolean => IO_TYPES.has(o.type);
/** hwloc 1.x called a Package a Socket. */
export const isPackage = (o: HwObject): boolean => o.type === 'Package' || o.type === 'Socket';

/** Bits set in an hwloc bitmap string (`0x00000005`, `0x000000ff,0xffffffff`, `0xf...f,,0x3`). */
export function bitmapBits(text: string | undefined): number[] | null {
  if (text === undefined || text.trim() === '') return null;
  const words = text.trim().split(',');
  const bits: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.trim();
    if (w === '') continue;
    if (!/^0x[0-9a-fA-F]{1,8}$/.test(w)) return null;
    const v = Number.parseInt(w.slice(2), 16);
    const base = (words.length - 1 - i) * 32;
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1) bits.push(base + b);
  }
  return bits.sort((a, b) => a - b);
}

function descendants(o: HwObject, pred: (x: HwObject) => boolean): HwObject[] {
  const out: HwObject[] = [];
  const stack = [...o.children];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (isIoObject(x)) continue;
    if (pred(x)) out.push(x);
    stack.push(...x.children);
  }
  return out;
}

const osIndex = (o: HwObject): number | undefined => {
  const v = o.attrs['os_index'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/**
 * The NUMA nodes an I/O subtree is local to, from its nearest non-I/O ancestors (innermost first):
 * a NUMANode itself, else the object's `nodeset`, else the NUMANode objects below it.
 */
export function numaNodesOf(ancestors: readonly HwObject[]): number[] {
  for (const o of ancestors) {
    if (o.type === 'NUMANode') {
      const i = osIndex(o);
      if (i !== undefined) return [i];
    }
    const fromSet = bitmapBits(o.attrs['nodeset']);
    if (fromSet !== null && fromSet.length > 0) return fromSet;
    const nodes = descendants(o, (x) => x.type === 'NUMANode')
      .map(osIndex)
      .filter((i): i is number => i !== undefined);
    if (nodes.length > 0) return [...new Set(nodes)].sort((a, b) => a - b);
  }
  return [];
}

/** The package (socket) an I/O subtree hangs off, when exactly one is implied. */
export function packageOf(ancestors: readonly HwObject[]): number | undefined {
  for (const o of ancestors) {
    if (isPackage(o)) return osIndex(o);
    const pkgs = descendants(o, isPackage);
    if (pkgs.length === 1) return osIndex(pkgs[0]!);
    if (pkgs.length > 1) return undefined;
  }
  return undefined;
}

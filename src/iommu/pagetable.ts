import { type KResult, kerr, ok } from '../core/errno.js';
import { hex } from '../util/hex.js';
import {
  DEFAULT_PAGE_SIZES,
  type PageSizeName,
  type PerPageSize,
  type Prot,
  pageSizeName,
  zeroPerPageSize,
} from './types.js';

/**
 * An IOMMU page table (io-pgtable-arm LPAE / Intel second stage with a 4 KiB granule): leaves of
 * 4 KiB, 2 MiB or 1 GiB. `map` picks, at every step, the largest supported page that fits the
 * remaining size and to which both IOVA and physical address are aligned (the kernel's
 * `iommu_pgsize`), so superpages appear exactly when the range allows them. Table pages are counted
 * per level (512 entries per 4 KiB table, 4 levels for a 48-bit space); a table with no leaf
 * beneath it is considered freed (the model frees empty tables on unmap).
 */
export interface Leaf {
  readonly iova: bigint;
  readonly phys: bigint;
  readonly size: bigint;
  readonly prot: Prot;
}

/** Count the leaves `iommu_pgsize` would choose for a map, in O(number of page sizes). */
export function pteCounts(
  iova: bigint,
  phys: bigint,
  size: bigint,
  pageSizes: readonly bigint[] = DEFAULT_PAGE_SIZES,
): PerPageSize {
  const counts = zeroPerPageSize();
  const sizes = [...pageSizes].sort((a, b) => (a < b ? -1 : 1));
  let v = iova;
  let p = phys;
  let left = size;
  while (left > 0n) {
    const addr = v | p;
    let pick = -1;
    for (let i = sizes.length - 1; i >= 0; i--) {
      const s = sizes[i]!;
      if (s <= left && addr % s === 0n) {
        pick = i;
        break;
      }
    }
    if (pick < 0) throw new RangeError(`size ${left} is not a multiple of the smallest page`);
    const pg = sizes[pick]!;
    let k = left / pg;
    for (let j = pick + 1; j < sizes.length; j++) {
      const big = sizes[j]!;
      if ((v - p) % big !== 0n || left < big) continue;
      const toAlign = ((big - (v % big)) % big) / pg;
      if (toAlign < k) k = toAlign;
      break;
    }
    counts[pageSizeName(pg)] += Number(k);
    v += k * pg;
    p += k * pg;
    left -= k * pg;
  }
  return counts;
}

/** Page-table pages needed for the given leaves (dense layout estimate used by the cost ledger). */
export function tablePagesFor(ptes: PerPageSize): number {
  const l1 = Math.ceil(ptes['4K'] / 512);
  const l2 = Math.ceil((ptes['2M'] + l1) / 512);
  const l3 = Math.ceil((ptes['1G'] + l2) / 512);
  return l1 + l2 + l3 + 1;
}

const LEVEL_SHIFTS = [21n, 30n, 39n] as const;

export class IoPageTable {
  readonly pageSizes: readonly bigint[];
  readonly #leaves = new Map<bigint, Leaf>();
  readonly #counts = zeroPerPageSize();
  /** Per level: region index → number of leaves beneath (a table exists while > 0). */
  readonly #tables: Map<bigint, number>[] = [new Map(), new Map(), new Map()];

  constructor(pageSizes: readonly bigint[] = DEFAULT_PAGE_SIZES) {
    this.pageSizes = [...pageSizes].sort((a, b) => (a < b ? 1 : -1));
  }

  /** Map `[iova, +size)` → `[phys, +size)`. Fails with EEXIST if any page is already mapped. */
  map(iova: bigint, phys: bigint, size: bigint, prot: Prot): KResult<PerPageSize> {
    const granule = this.pageSizes[this.pageSizes.length - 1]!;
    if ((iova | phys | size) % granule !== 0n || size <= 0n) {
      return kerr('EINVAL', `iommu map of ${hex(iova)}+${hex(size)} is not granule-aligned`);
    }
    const plan: Leaf[] = [];
    let v = iova;
    let p = phys;
    let left = size;
    while (left > 0n) {
      const pg = this.pageSizes.find((s) => s <= left && (v | p) % s === 0n)!;
      if (this.lookup(v) !== undefined || this.#anyLeafIn(v, pg)) {
        return kerr('EEXIST', `IOVA ${hex(v)} is already mapped`);
      }
      plan.push({ iova: v, phys: p, size: pg, prot });
      v += pg;
      p += pg;
      left -= pg;
    }
    const written = zeroPerPageSize();
    for (const leaf of plan) {
      this.#add(leaf);
      written[pageSizeName(leaf.size)]++;
    }
    return ok(written);
  }

  /**
   * Unmap leaves starting at `iova` until `size` bytes are covered; stops at a hole. Returns the
   * leaves removed (their total may exceed `size` when a superpage straddles the end — the caller
   * WARNs on a size mismatch, like the kernel).
   */
  unmap(iova: bigint, size: bigint): Leaf[] {
    const removed: Leaf[] = [];
    let v = iova;
    const end = iova + size;
    while (v < end) {
      const leaf = this.lookup(v);
      if (leaf === undefined || leaf.iova !== v) break;
      this.#remove(leaf);
      removed.push(leaf);
      v += leaf.size;
    }
    return removed;
  }

  /** The leaf translating `iova`, if any. */
  lookup(iova: bigint): Leaf | undefined {
    for (const s of this.pageSizes) {
      const leaf = this.#leaves.get(iova - (iova % s));
      if (leaf !== undefined && leaf.size === s) return leaf;
    }
    return undefined;
  }

  get counts(): PerPageSize {
    return { ...this.#counts };
  }

  /** Table pages currently needed, including the root. */
  get tablePages(): number {
    return 1 + this.#tables.reduce((n, m) => n + m.size, 0);
  }

  /** Smaller leaves inside a superpage slot: the table below that slot still has leaves. */
  #anyLeafIn(v: bigint, size: bigint): boolean {
    const lvl = LEVEL_SHIFTS.findIndex((shift) => 1n << shift === size);
    if (lvl < 0) return false;
    return (this.#tables[lvl]!.get(v >> LEVEL_SHIFTS[lvl]!) ?? 0) > 0;
  }

  #add(leaf: Leaf): void {
    this.#leaves.set(leaf.iova, leaf);
    this.#counts[pageSizeName(leaf.size) as PageSizeName]++;
    this.#touch(leaf, 1);
  }

  #remove(leaf: Leaf): void {
    this.#leaves.delete(leaf.iova);
    this.#counts[pageSizeName(leaf.size)]--;
    this.#touch(leaf, -1);
  }

  /** Leaves of size s live in the table of the level whose region is larger than s. */
  #touch(leaf: Leaf, d: number): void {
    LEVEL_SHIFTS.forEach((shift, lvl) => {
      if (leaf.size >= 1n << shift) return;
      const m = this.#tables[lvl]!;
      const key = leaf.iova >> shift;
      const n = (m.get(key) ?? 0) + d;
      if (n === 0) m.delete(key);
      else m.set(key, n);
    });
  }
}

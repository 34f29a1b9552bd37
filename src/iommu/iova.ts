/**
 * IOVA allocator of one DMA domain, after drivers/iommu/iova.c: ranges of granules kept sorted,
 * allocated top-down below a limit, size-aligned (to the power of two at or above the size), with
 * reserved ranges (host-bridge windows, firmware regions) carved out, and per-size range caches
 * ("rcaches") for sizes up to 32 granules. A range given back to an rcache stays reserved in the
 * tree, as in the kernel, and is handed out again before the tree is searched.
 */

import { alignDown, maxBig, minBig } from '../util/bigint.js';

/** Orders 0..5 (1..32 granules) are cached (IOVA_RANGE_CACHE_MAX_SIZE = 6). */
export const IOVA_RCACHE_MAX_ORDER = 5;
/** Two 127-entry magazines of one CPU; the model has no depot (documented simplification). */
export const IOVA_RCACHE_CAPACITY = 254;

interface Range {
  lo: bigint; // first pfn
  hi: bigint; // last pfn (inclusive)
  reserved: boolean;
}

export interface IovaRange {
  /** First byte of the range. */
  readonly addr: bigint;
  readonly size: bigint;
}

export interface IovaStats {
  /** Live allocations (excluding rcache-held and reserved ranges). */
  readonly ranges: number;
  readonly bytes: bigint;
  readonly cached: number;
  /** Tree searches (not rcache hits). */
  readonly treeAllocs: number;
  readonly rcacheHits: number;
}

const orderOf = (pages: bigint): number => {
  let o = 0;
  while (1n << BigInt(o) < pages) o++;
  return o;
};

export class IovaAllocator {
  readonly granule: bigint;
  readonly #shift: bigint;
  readonly #startPfn: bigint;
  /** Sorted by lo. */
  readonly #ranges: Range[] = [];
  readonly #rcache: bigint[][] = [];
  readonly #rcacheCapacity: number;
  #live = 0;
  #liveBytes = 0n;
  #cached = 0;
  #treeAllocs = 0;
  #rcacheHits = 0;
  /** `cached_node`: pfn below which the next search starts, per limit (iova.c's cached nodes). */
  readonly #cachedNode = new Map<bigint, bigint>();

  constructor(opts: { granule?: bigint; startPfn?: bigint; rcacheCapacity?: number } = {}) {
    this.granule = opts.granule ?? 4096n;
    let s = 0n;
    while (1n << s < this.granule) s++;
    this.#shift = s;
    this.#startPfn = opts.startPfn ?? 1n;
    this.#rcacheCapacity = opts.rcacheCapacity ?? IOVA_RCACHE_CAPACITY;
    for (let o = 0; o <= IOVA_RCACHE_MAX_ORDER; o++) this.#rcache.push([]);
  }

  /** Reserve `[addr, addr+size)` (rounded out to granules) so it is never allocated. */
  reserve(addr: bigint, size: bigint): void {
    if (size <= 0n) return;
    let lo = addr >> this.#shift;
    let hi = (addr + size - 1n) >> this.#shift;
    // Merge with overlapping reserved ranges; never overlaps live allocations (done at setup).
    for (let i = this.#ranges.length - 1; i >= 0; i--) {
      const r = this.#ranges[i]!;
      if (r.reserved && r.lo <= hi + 1n && lo <= r.hi + 1n) {
        lo = minBig(r.lo, lo);
        hi = maxBig(r.hi, hi);
        this.#ranges.splice(i, 1);
      }
    }
    this.#insert({ lo, hi, reserved: true });
  }

  /**
   * `alloc_iova_fast`: `pages` granules below `limitAddr` (inclusive last byte). Sizes below 32
   * granules are rounded up to a power of two (iommu_dma_alloc_iova); the rcache is tried first.
   * Returns the range or null (out of IOVA space).
   */
  alloc(pages: bigint, limitAddr: bigint): IovaRange | null {
    if (pages <= 0n) return null;
    const size = pages < 32n ? 1n << BigInt(orderOf(pages)) : pages;
    const limitPfn = limitAddr >> this.#shift;
    const order = orderOf(size);
    if (order <= IOVA_RCACHE_MAX_ORDER && 1n << BigInt(order) === size) {
      const cache = this.#rcache[order]!;
      for (let i = cache.length - 1; i >= 0; i--) {
        const pfn = cache[i]!;
        if (pfn + size - 1n <= limitPfn) {
          cache.splice(i, 1);
          this.#cached--;
          this.#rcacheHits++;
          return this.#track(pfn, size);
        }
      }
    }
    const hint = this.#cachedNode.get(limitPfn);
    let pfn = hint === undefined ? null : this.#searchTopDown(size, hint - 1n);
    if (pfn === null) pfn = this.#searchTopDown(size, limitPfn);
    if (pfn === null) return null;
    this.#cachedNode.set(limitPfn, pfn);
    this.#treeAllocs++;
    this.#insert({ lo: pfn, hi: pfn + size - 1n, reserved: false });
    return this.#track(pfn, size);
  }

  /** `free_iova_fast`: give a range back (to its rcache when cacheable and not full). */
  free(range: IovaRange): boolean {
    const pfn = range.addr >> this.#shift;
    const pages = range.size >> this.#shift;
    const i = this.#indexOf(pfn);
    if (i < 0 || this.#ranges[i]!.reserved || this.#ranges[i]!.hi - pfn + 1n !== pages)
      return false;
    if (this.#rcache[orderOf(pages)]?.includes(pfn)) return false;
    this.#live--;
    this.#liveBytes -= range.size;
    const order = orderOf(pages);
    if (order <= IOVA_RCACHE_MAX_ORDER && 1n << BigInt(order) === pages) {
      const cache = this.#rcache[order]!;
      if (cache.length < this.#rcacheCapacity) {
        cache.push(pfn);
        this.#cached++;
        return true;
      }
    }
    this.#ranges.splice(i, 1);
    // __cached_rbnode_delete_update: a hole above a cached node is searched first next time.
    for (const [lim, c] of this.#cachedNode) {
      if (pfn >= c) this.#cachedNode.set(lim, minBig(lim + 1n, pfn + pages));
    }
    return true;
  }

  /** The allocation containing `addr`, if live. */
  find(addr: bigint): IovaRange | null {
    const pfn = addr >> this.#shift;
    const i = this.#firstAbove(pfn) - 1;
    const r = this.#ranges[i];
    if (r === undefined || r.reserved || r.hi < pfn) return null;
    if (this.#rcache[orderOf(r.hi - r.lo + 1n)]?.includes(r.lo)) return null;
    return { addr: r.lo << this.#shift, size: (r.hi - r.lo + 1n) << this.#shift };
  }

  /** Index of the first range whose lo is above `pfn` (binary search). */
  #firstAbove(pfn: bigint): number {
    let lo = 0;
    let hi = this.#ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ranges[mid]!.lo <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(pfn: bigint): number {
    const i = this.#firstAbove(pfn) - 1;
    return i >= 0 && this.#ranges[i]!.lo === pfn ? i : -1;
  }

  get stats(): IovaStats {
    return {
      ranges: this.#live,
      bytes: this.#liveBytes,
      cached: this.#cached,
      treeAllocs: this.#treeAllocs,
      rcacheHits: this.#rcacheHits,
    };
  }

  #track(pfn: bigint, pages: bigint): IovaRange {
    this.#live++;
    const size = pages << this.#shift;
    this.#liveBytes += size;
    return { addr: pfn << this.#shift, size };
  }

  /** Highest size-aligned hole of `size` pfns whose end is at or below `limitPfn`. */
  #searchTopDown(size: bigint, limitPfn: bigint): bigint | null {
    const align = 1n << BigInt(orderOf(size));
    let high = limitPfn + 1n; // exclusive upper bound of the current hole
    for (let i = this.#firstAbove(limitPfn); i >= 0; i--) {
      const below = i > 0 ? this.#ranges[i - 1]! : null;
      const low = below ? below.hi + 1n : this.#startPfn;
      if (below && below.lo >= high) continue;
      const top = high;
      if (top > low && top - low >= size) {
        const cand = alignDown(top - size, align);
        if (cand >= low && cand >= this.#startPfn) return cand;
      }
      if (below) high = below.lo < high ? below.lo : high;
      if (high <= this.#startPfn) return null;
    }
    return null;
  }

  #insert(r: Range): void {
    this.#ranges.splice(this.#firstAbove(r.lo), 0, r);
  }
}

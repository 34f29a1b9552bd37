import { type KResult, kerr, ok } from '../../core/errno.js';

/**
 * Device-memory (HBM) allocator: physical pages of `pageSize` (2 MiB), handed out as page packs.
 * As the founding mail says, an allocation is either one or more 2 MiB pages or a single 4 KiB
 * page (carved from a 2 MiB page reserved for small allocations). Handles are small integers
 * (upper 32 bits zero marks a DRAM handle, spec §5.1.2 step 3.2).
 */
export const SZ_4K = 4096n;
export const SZ_2M = 2n * 1024n * 1024n;

export interface PagePack {
  readonly handle: bigint;
  /** Device physical address of every page. */
  readonly pages: readonly bigint[];
  readonly pageSize: bigint;
  readonly totalSize: bigint;
  readonly contiguous: boolean;
  /** Live device-VA mappings of this pack (FREE refuses while > 0). */
  mappingCnt: number;
  /** Handle-form (v5.16 – v6.1) dma-buf exports of this pack (FREE refuses while > 0). */
  exportingCnt: number;
}

export interface DramRange {
  /** Device physical address of the first DRAM byte. */
  readonly dramBase: bigint;
  /** First byte user allocations may use (the driver reserves the start). */
  readonly dramUserBase: bigint;
  /** One past the last DRAM byte. */
  readonly dramEnd: bigint;
}

export class DramAllocator {
  readonly range: DramRange;
  readonly pageSize: bigint;
  readonly #used: Uint8Array;
  readonly #packs = new Map<bigint, PagePack>();
  /** 2 MiB pages split into 4 KiB slots: page address → used slot bitmap. */
  readonly #smallSlabs = new Map<bigint, Uint8Array>();
  #nextHandle = 1n;

  constructor(range: DramRange, pageSize = SZ_2M) {
    this.range = range;
    this.pageSize = pageSize;
    const span = range.dramEnd - range.dramUserBase;
    this.#used = new Uint8Array(Number(span / pageSize));
  }

  get pageCount(): number {
    return this.#used.length;
  }

  /** ALLOC: `size` ≤ 4 KiB → one 4 KiB page; otherwise ⌈size / 2 MiB⌉ pages. */
  alloc(size: bigint, contiguous: boolean): KResult<PagePack> {
    if (size <= 0n) return kerr('EINVAL', 'Cannot allocate 0 bytes of device memory');
    if (size <= SZ_4K) return this.#allocSmall();
    const n = Number((size + this.pageSize - 1n) / this.pageSize);
    const idx = contiguous ? this.#findRun(n) : this.#findAny(n);
    if (idx === null) {
      return kerr('ENOMEM', `Failed to allocate ${n} ${contiguous ? 'contiguous ' : ''}DRAM pages`);
    }
    for (const i of idx) this.#used[i] = 1;
    const pages = idx.map((i) => this.#pageAddr(i));
    return ok(this.#record(pages, this.pageSize, contiguous));
  }

  /** FREE: refused while the pack is mapped into the device VA space. */
  free(handle: bigint): KResult<PagePack> {
    const pack = this.#packs.get(handle);
    if (!pack) return kerr('EINVAL', `no match for handle ${handle}`);
    if (pack.mappingCnt > 0) return kerr('EINVAL', `handle ${handle} is mapped, cannot free`);
    if (pack.exportingCnt > 0) return kerr('EINVAL', `handle ${handle} is exported, cannot free`);
    this.#packs.delete(handle);
    if (pack.pageSize === SZ_4K) this.#freeSmall(pack.pages[0]!);
    else for (const p of pack.pages) this.#used[this.#pageIndex(p)] = 0;
    return ok(pack);
  }

  get(handle: bigint): PagePack | undefined {
    return this.#packs.get(handle);
  }

  get liveAllocations(): number {
    return this.#packs.size;
  }

  #record(pages: bigint[], pageSize: bigint, contiguous: boolean): PagePack {
    const handle = this.#nextHandle++;
    const pack: PagePack = {
      handle,
      pages,
      pageSize,
      totalSize: pageSize * BigInt(pages.length),
      contiguous,
      mappingCnt: 0,
      exportingCnt: 0,
    };
    this.#packs.set(handle, pack);
    return pack;
  }

  #allocSmall(): KResult<PagePack> {
    for (const [base, slots] of this.#smallSlabs) {
      const s = slots.indexOf(0);
      if (s >= 0) {
        slots[s] = 1;
        return ok(this.#record([base + BigInt(s) * SZ_4K], SZ_4K, true));
      }
    }
    const idx = this.#findAny(1);
    if (idx === null) return kerr('ENOMEM', 'Failed to allocate a DRAM page for small allocations');
    this.#used[idx[0]!] = 1;
    const base = this.#pageAddr(idx[0]!);
    const slots = new Uint8Array(Number(this.pageSize / SZ_4K));
    slots[0] = 1;
    this.#smallSlabs.set(base, slots);
    return ok(this.#record([base], SZ_4K, true));
  }

  #freeSmall(addr: bigint): void {
    const base =
      this.range.dramUserBase + ((addr - this.range.dramUserBase) / this.pageSize) * this.pageSize;
    const slots = this.#smallSlabs.get(base);
    if (!slots) return;
    slots[Number((addr - base) / SZ_4K)] = 0;
    if (slots.indexOf(1) < 0) {
      this.#smallSlabs.delete(base);
      this.#used[this.#pageIndex(base)] = 0;
    }
  }

  #findRun(n: number): number[] | null {
    let start = 0;
    for (let i = 0; i < this.#used.length; i++) {
      if (this.#used[i]) start = i + 1;
      else if (i - start + 1 === n) return Array.from({ length: n }, (_, k) => start + k);
    }
    return null;
  }

  #findAny(n: number): number[] | null {
    const out: number[] = [];
    for (let i = 0; i < this.#used.length && out.length < n; i++) if (!this.#used[i]) out.push(i);
    return out.length === n ? out : null;
  }

  #pageAddr(i: number): bigint {
    return this.range.dramUserBase + BigInt(i) * this.pageSize;
  }

  #pageIndex(addr: bigint): number {
    return Number((addr - this.range.dramUserBase) / this.pageSize);
  }
}

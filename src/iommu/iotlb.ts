import type { Leaf } from './pagetable.js';

/**
 * The IOTLB: a small LRU cache of leaf translations shared by all domains (entries are tagged with
 * the domain id). A stale entry keeps translating after its PTE was cleared until it is
 * invalidated — that is the window lazy (flush-queue) mode leaves open. Default capacity 64
 * entries, from the pcie-bench reach estimate (published-numbers §1.3 "Implied IOTLB reach").
 */
export const DEFAULT_IOTLB_ENTRIES = 64;

export interface IotlbStats {
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly rangeInvalidations: number;
  readonly domainInvalidations: number;
}

export class Iotlb {
  readonly capacity: number;
  /** Insertion order = LRU order (oldest first). */
  readonly #entries = new Map<string, { domain: number; leaf: Leaf }>();
  #hits = 0;
  #misses = 0;
  #rangeInv = 0;
  #domainInv = 0;

  constructor(capacity = DEFAULT_IOTLB_ENTRIES) {
    this.capacity = capacity;
  }

  /** A cached leaf covering `iova` in `domain`, refreshed as most recently used. */
  lookup(domain: number, iova: bigint, sizes: readonly bigint[]): Leaf | undefined {
    for (const s of sizes) {
      const key = `${domain}:${iova - (iova % s)}`;
      const e = this.#entries.get(key);
      if (e !== undefined && e.leaf.size === s) {
        this.#entries.delete(key);
        this.#entries.set(key, e);
        this.#hits++;
        return e.leaf;
      }
    }
    this.#misses++;
    return undefined;
  }

  fill(domain: number, leaf: Leaf): void {
    const key = `${domain}:${leaf.iova}`;
    this.#entries.delete(key);
    this.#entries.set(key, { domain, leaf });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Drop entries of `domain` overlapping `[iova, +size)`. */
  invalidateRange(domain: number, iova: bigint, size: bigint): void {
    this.#rangeInv++;
    for (const [k, e] of this.#entries) {
      if (e.domain === domain && e.leaf.iova < iova + size && iova < e.leaf.iova + e.leaf.size) {
        this.#entries.delete(k);
      }
    }
  }

  /** Drop every entry of `domain`. */
  invalidateDomain(domain: number): void {
    this.#domainInv++;
    for (const [k, e] of this.#entries) if (e.domain === domain) this.#entries.delete(k);
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): IotlbStats {
    return {
      entries: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      rangeInvalidations: this.#rangeInv,
      domainInvalidations: this.#domainInv,
    };
  }
}

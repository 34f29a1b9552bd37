/**
 * The CPU-physical address map as devices see it after translation: BAR windows decoded by
 * devices (device memory, MMIO registers) and system RAM. A DMA write that reaches a physical
 * address lands in whatever claimed it; nothing claimed → the transaction is an Unsupported
 * Request (the caller turns it into an error).
 */
export interface PhysTarget {
  readonly name: string;
  read(offset: bigint, length: number): Uint8Array;
  write(offset: bigint, data: Uint8Array, writer: string): void;
}

export interface PhysRegion {
  readonly start: bigint;
  readonly size: bigint;
  readonly target: PhysTarget;
  /** `bar` for a device BAR window, `ram` for system memory. */
  readonly kind: 'bar' | 'ram';
  /** The PCI function that decodes the window (for `bar`). */
  readonly owner?: string;
}

export class PhysAddressSpace {
  readonly #regions: PhysRegion[] = [];

  claim(region: PhysRegion): void {
    const end = region.start + region.size;
    for (const r of this.#regions) {
      if (region.start < r.start + r.size && r.start < end) {
        throw new RangeError(`${region.target.name} overlaps ${r.target.name} in the physical map`);
      }
    }
    this.#regions.push(region);
    this.#regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  release(target: PhysTarget): void {
    for (let i = this.#regions.length - 1; i >= 0; i--) {
      if (this.#regions[i]!.target === target) this.#regions.splice(i, 1);
    }
  }

  /** The region holding all of `[addr, addr+len)`, or undefined. */
  lookup(addr: bigint, len: bigint): PhysRegion | undefined {
    return this.#regions.find((r) => addr >= r.start && addr + len <= r.start + r.size);
  }

  get regions(): readonly PhysRegion[] {
    return this.#regions;
  }
}

import { type KResult, kerr, ok } from '../core/errno.js';
import type { PhysAddressSpace } from './bus.js';
import { SparseMemory } from './memory.js';

/**
 * System RAM as one physical region with a 4 KiB page allocator. Pages are handed out from the top
 * of a free list in address order, so runs are deterministic; `scatter` interleaves allocations so
 * tests see non-contiguous page lists as real GTT buffers do.
 */
export const HOST_PAGE = 4096n;

export class HostRam {
  readonly base: bigint;
  readonly mem: SparseMemory;
  readonly #free: bigint[] = [];
  readonly #used = new Set<bigint>();

  constructor(base: bigint, size: bigint) {
    this.base = base;
    this.mem = new SparseMemory('system RAM', size);
    for (let a = base + size - HOST_PAGE; a >= base; a -= HOST_PAGE) this.#free.push(a);
  }

  attachToBus(bus: PhysAddressSpace): void {
    const mem = this.mem;
    bus.claim({
      start: this.base,
      size: mem.size,
      kind: 'ram',
      target: {
        name: 'system RAM',
        read: (o, l) => mem.read(o, l),
        write: (o, d) => mem.write(o, d),
      },
    });
  }

  /** Allocate `n` pages; every other free page when `scatter` (so no two are adjacent). */
  allocPages(n: number, scatter = false): KResult<bigint[]> {
    const out: bigint[] = [];
    const skipped: bigint[] = [];
    while (out.length < n && this.#free.length > 0) {
      const p = this.#free.pop()!;
      if (scatter && out.length > 0 && out[out.length - 1]! + HOST_PAGE === p) skipped.push(p);
      else out.push(p);
    }
    for (const p of skipped.reverse()) this.#free.push(p);
    if (out.length < n) {
      this.freePages(out, false);
      return kerr('ENOMEM', `out of system memory (${n} pages wanted)`);
    }
    for (const p of out) this.#used.add(p);
    return ok(out);
  }

  freePages(pages: readonly bigint[], tracked = true): void {
    for (const p of [...pages].reverse()) {
      if (tracked) this.#used.delete(p);
      this.mem.fill(p - this.base, HOST_PAGE, 0);
      this.#free.push(p);
    }
    this.#free.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  }

  read(phys: bigint, len: number): Uint8Array {
    return this.mem.read(phys - this.base, len);
  }

  write(phys: bigint, data: Uint8Array): void {
    this.mem.write(phys - this.base, data);
  }

  get usedPages(): number {
    return this.#used.size;
  }
}

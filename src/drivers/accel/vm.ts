import { type KResult, kerr, ok } from '../../core/errno.js';
import { alignUp } from '../../util/bigint.js';
import { hex } from '../../util/hex.js';
import type { DramAllocator, PagePack } from './allocator.js';

/**
 * A compute context's device-virtual mappings (the driver's `mem_hash`): MAP places a pack at a
 * device VA; UNMAP refuses while the mapping is exported (spec §5.1.2 step 3.3).
 * Host (userptr) mappings carry a handle with upper bits set, which export refuses.
 */
export interface VaMapping {
  readonly vaddr: bigint;
  readonly handle: bigint;
  readonly size: bigint;
  exportCnt: number;
}

/** Handle value the driver stores for host-memory mappings (not a DRAM handle). */
export const USERPTR_HANDLE = 0xffff_ffff_0000_0000n;

export class DeviceVm {
  readonly #map = new Map<bigint, VaMapping>();
  readonly #alloc: DramAllocator;
  #nextVa: bigint;

  constructor(alloc: DramAllocator, vaBase = 0x1000_0000_0000n) {
    this.#alloc = alloc;
    this.#nextVa = vaBase;
  }

  map(handle: bigint): KResult<VaMapping> {
    const pack = this.#alloc.get(handle);
    if (!pack) return kerr('EINVAL', `no match for handle ${handle}`);
    const align = pack.pageSize;
    const vaddr = alignUp(this.#nextVa, align);
    this.#nextVa = vaddr + pack.totalSize;
    pack.mappingCnt++;
    const m: VaMapping = { vaddr, handle, size: pack.totalSize, exportCnt: 0 };
    this.#map.set(vaddr, m);
    return ok(m);
  }

  /** A host-memory (userptr) mapping, only to show that export refuses it. */
  mapUserptr(size: bigint): VaMapping {
    const vaddr = this.#nextVa;
    this.#nextVa += size;
    const m: VaMapping = { vaddr, handle: USERPTR_HANDLE, size, exportCnt: 0 };
    this.#map.set(vaddr, m);
    return m;
  }

  unmap(vaddr: bigint): KResult<VaMapping> {
    const m = this.#map.get(vaddr);
    if (!m) return kerr('EINVAL', `unmap failed, no mem hnode for vaddr ${hex(vaddr)}`);
    if (m.exportCnt > 0) {
      return kerr('EINVAL', `failed to unmap ${hex(vaddr)}, memory is exported`);
    }
    this.#map.delete(vaddr);
    const pack = this.#alloc.get(m.handle);
    if (pack) pack.mappingCnt--;
    return ok(m);
  }

  /** Export lookup (steps 3.1–3.4): exact VA match, DRAM handle, DRAM pack; bumps export_cnt. */
  exportGet(vaddr: bigint): KResult<{ mapping: VaMapping; pack: PagePack }> {
    const m = this.#map.get(vaddr);
    if (!m) return kerr('EINVAL', `map address ${hex(vaddr)} not found`);
    if (m.handle >> 32n !== 0n) {
      return kerr('EINVAL', `invalid handle ${hex(m.handle)} for map address ${hex(vaddr)}`);
    }
    const pack = this.#alloc.get(m.handle);
    if (!pack) return kerr('EINVAL', `no match for handle ${m.handle}`);
    m.exportCnt++;
    return ok({ mapping: m, pack });
  }

  exportPut(m: VaMapping): void {
    m.exportCnt--;
  }

  get size(): number {
    return this.#map.size;
  }
}

import type { SimClock } from '../core/clock.js';
import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import type { ViolationLog } from '../core/violations.js';
import { hex } from '../util/hex.js';
import type { Iotlb } from './iotlb.js';
import type { IovaAllocator, IovaRange } from './iova.js';
import type { IoPageTable } from './pagetable.js';
import {
  type CostSink,
  type DomainType,
  type FlushQueueParams,
  type IommuEvent,
  type Prot,
  pageSizeName,
} from './types.js';

/** The access a DMA transaction makes (checked against the leaf's permission). */
export type Access = 'read' | 'write';

const NULL_SINK: CostSink = { count: () => {} };

/**
 * A DMA-API domain (IOMMU_DOMAIN_DMA or _DMA_FQ): its IOVA allocator, page table, and (for
 * DMA-FQ) a flush queue of unmapped ranges whose IOTLB invalidation is deferred. The queue is
 * drained by one whole-domain invalidation when it holds `fq.entries` ranges or when `fq.timeoutNs`
 * of simulated time passed since the first queued entry.
 */
export class IommuDomain {
  readonly id: number;
  readonly type: DomainType;
  readonly iova: IovaAllocator;
  readonly pt: IoPageTable;
  readonly fq: FlushQueueParams | null;
  /** Byte address limit of the domain aperture (inclusive). */
  readonly apertureEnd: bigint;
  readonly #iotlb: Iotlb;
  readonly #clock: SimClock | undefined;
  readonly #violations: ViolationLog | undefined;
  readonly #queue: IovaRange[] = [];
  #cancelTimer: (() => void) | null = null;
  sink: CostSink = NULL_SINK;

  constructor(init: {
    id: number;
    type: DomainType;
    iova: IovaAllocator;
    pt: IoPageTable;
    iotlb: Iotlb;
    fq: FlushQueueParams | null;
    apertureEnd: bigint;
    clock?: SimClock;
    violations?: ViolationLog;
  }) {
    this.id = init.id;
    this.type = init.type;
    this.iova = init.iova;
    this.pt = init.pt;
    this.#iotlb = init.iotlb;
    this.fq = init.type === 'DMA-FQ' ? init.fq : null;
    this.apertureEnd = init.apertureEnd;
    this.#clock = init.clock;
    this.#violations = init.violations;
  }

  get granule(): bigint {
    return this.iova.granule;
  }

  #count(e: IommuEvent, n = 1): void {
    this.sink.count(e, n);
  }

  /** Allocate `size` bytes (whole granules) of IOVA at or below `limit`. */
  allocIova(size: bigint, limit: bigint): IovaRange | null {
    const g = this.granule;
    const lim = limit < this.apertureEnd ? limit : this.apertureEnd;
    const r = this.iova.alloc((size + g - 1n) / g, lim);
    if (r !== null) this.#count('iovaAlloc');
    return r;
  }

  /** Free an IOVA range now (strict) — the caller already invalidated the IOTLB. */
  freeIova(r: IovaRange): void {
    if (this.iova.free(r)) this.#count('iovaFree');
  }

  /** `iommu_map`: write leaves (counted per page size). */
  map(iova: bigint, phys: bigint, size: bigint, prot: Prot): KResult<void> {
    const r = this.pt.map(iova, phys, size, prot);
    if (!r.ok) return r;
    for (const [k, n] of Object.entries(r.value)) {
      if (n > 0) this.#count(`pteWrite${k}` as IommuEvent, n);
    }
    return ok(undefined);
  }

  /**
   * `iommu_unmap` of `[iova, +size)`: clear leaves, then invalidate the IOTLB now (`sync`) or
   * leave it to the flush queue (`deferred`). An unmapped size different from `size` WARNs.
   */
  unmap(iova: bigint, size: bigint, inval: 'sync' | 'deferred'): bigint {
    const removed = this.pt.unmap(iova, size);
    let bytes = 0n;
    for (const leaf of removed) {
      bytes += leaf.size;
      this.#count(`pteClear${pageSizeName(leaf.size)}` as IommuEvent);
    }
    if (bytes !== size) {
      this.#violations?.report(
        'WARN',
        RULE.iommuUnmapSizeMismatch,
        `iommu_unmap of ${hex(iova)}+${hex(size)} unmapped ${hex(bytes)} bytes`,
      );
    }
    if (inval === 'sync') {
      this.#iotlb.invalidateRange(this.id, iova, size);
      this.#count('iotlbInvRange');
    } else {
      this.#count('iotlbInvDeferred');
    }
    return bytes;
  }

  /** `iotlb_sync_map` / `dma_iova_sync`: make new leaves visible (counted; no state change). */
  syncMap(): void {
    this.#count('iotlbSyncMap');
  }

  /** Queue an IOVA range whose invalidation was deferred; drains when the queue is full. */
  queueFree(r: IovaRange): void {
    if (this.fq === null) {
      this.freeIova(r);
      return;
    }
    this.#queue.push(r);
    if (this.#queue.length >= this.fq.entries) {
      this.flush();
      return;
    }
    if (this.#clock !== undefined && this.#cancelTimer === null) {
      this.#cancelTimer = this.#clock.at(this.#clock.now + this.fq.timeoutNs, () => {
        this.#cancelTimer = null;
        this.flush();
      });
    }
  }

  /** Drain the flush queue: one whole-domain IOTLB invalidation, then free every queued range. */
  flush(): void {
    if (this.#cancelTimer !== null) {
      this.#cancelTimer();
      this.#cancelTimer = null;
    }
    if (this.#queue.length === 0) return;
    this.#iotlb.invalidateDomain(this.id);
    this.#count('iotlbInvDomain');
    for (const r of this.#queue.splice(0)) this.freeIova(r);
  }

  /** Ranges waiting in the flush queue (unmapped, IOTLB not yet flushed, IOVA not yet free). */
  get pending(): number {
    return this.#queue.length;
  }

  get pendingBytes(): bigint {
    return this.#queue.reduce((n, r) => n + r.size, 0n);
  }

  /**
   * Translate a device access: the IOTLB first (stale entries included), then a page walk that
   * fills the IOTLB. No leaf → EFAULT (an IOMMU fault); wrong permission → EACCES.
   */
  translate(iova: bigint, access: Access): KResult<bigint> {
    const cached = this.#iotlb.lookup(this.id, iova, this.pt.pageSizes);
    const leaf = cached ?? this.pt.lookup(iova);
    if (leaf === undefined) {
      return kerr('EFAULT', `IOMMU fault: domain ${this.id} has no mapping for IOVA ${hex(iova)}`);
    }
    if (cached === undefined) this.#iotlb.fill(this.id, leaf);
    if ((access === 'read' && !leaf.prot.read) || (access === 'write' && !leaf.prot.write)) {
      return kerr('EACCES', `IOMMU fault: ${access} of IOVA ${hex(iova)} not permitted`);
    }
    return ok(leaf.phys + (iova - leaf.iova));
  }
}

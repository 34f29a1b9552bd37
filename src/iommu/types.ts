/**
 * IOMMU vocabulary (spec §4.5): modes, page sizes, flush-queue parameters, permissions and the
 * counters a domain reports into a cost sink.
 */

/** How a device's DMA is translated. `none`: no IOMMU; `passthrough`: identity domain. */
export type IommuMode = 'none' | 'passthrough' | 'strict' | 'lazy';
export const IOMMU_MODES: readonly IommuMode[] = ['none', 'passthrough', 'strict', 'lazy'];
/** `--iommu` spellings (`pt` is passthrough), for the CLI commands that take one. */
export const IOMMU_MODE_NAMES: Readonly<Record<string, IommuMode>> = {
  none: 'none',
  pt: 'passthrough',
  passthrough: 'passthrough',
  strict: 'strict',
  lazy: 'lazy',
};

/** Kernel domain types as sysfs prints them (`DMA`, `DMA-FQ`, `identity`). */
export type DomainType = 'identity' | 'DMA' | 'DMA-FQ';

export const SZ_4K = 4096n;
export const SZ_2M = 2n * 1024n * 1024n;
export const SZ_1G = 1024n * 1024n * 1024n;
/** x86-64 second-stage / ARM LPAE 4 KiB granule: 4 KiB, 2 MiB, 1 GiB leaves. */
export const DEFAULT_PAGE_SIZES: readonly bigint[] = [SZ_4K, SZ_2M, SZ_1G];

export type PageSizeName = '4K' | '2M' | '1G';
export const pageSizeName = (s: bigint): PageSizeName =>
  s === SZ_1G ? '1G' : s === SZ_2M ? '2M' : '4K';
export type PerPageSize = Record<PageSizeName, number>;
export const zeroPerPageSize = (): PerPageSize => ({ '4K': 0, '2M': 0, '1G': 0 });

/** Flush queue (IOMMU_DOMAIN_DMA_FQ): entries before a forced flush, and the flush timeout. */
export interface FlushQueueParams {
  readonly entries: number;
  readonly timeoutNs: bigint;
}
/** Per-CPU queue: 256 entries, 10 ms (spec §4.5.4). */
export const FQ_PERCPU: FlushQueueParams = { entries: 256, timeoutNs: 10_000_000n };
/** Single queue for IOMMUs whose invalidations are costly to shadow: 32768 entries, 1000 ms. */
export const FQ_SHADOW: FlushQueueParams = { entries: 32768, timeoutNs: 1_000_000_000n };

/** IOMMU_READ / IOMMU_WRITE / IOMMU_MMIO / IOMMU_CACHE as a record. */
export interface Prot {
  readonly read: boolean;
  readonly write: boolean;
  readonly mmio: boolean;
}

/** Operation counters an IOMMU domain reports (the DMA layer turns them into a cost ledger). */
export type IommuEvent =
  | 'iovaAlloc'
  | 'iovaFree'
  | 'pteWrite4K'
  | 'pteWrite2M'
  | 'pteWrite1G'
  | 'pteClear4K'
  | 'pteClear2M'
  | 'pteClear1G'
  /** A synchronous IOTLB invalidation of a range (strict unmap, dma_iova_unlink). */
  | 'iotlbInvRange'
  /** An unmap whose invalidation went on the flush queue. */
  | 'iotlbInvDeferred'
  /** A whole-domain IOTLB flush (flush-queue drain). */
  | 'iotlbInvDomain'
  /** `iotlb_sync_map` / `dma_iova_sync` making new mappings visible. */
  | 'iotlbSyncMap';

export interface CostSink {
  count(event: IommuEvent, n?: number): void;
}

/**
 * What must be identical before a map and after its unmap (teardown mirrors setup, once the flush
 * queues drained). In lazy mode an unmapped range stays allocated until its queue drains: it is
 * counted in `iovaRanges` and in `fqPending`, but not in `inUseRanges`.
 */
export interface IommuSnapshot {
  /**
   * Allocated IOVA ranges and bytes over all domains: in use plus queued. Ranges parked in an
   * rcache are not counted (a cache, not state: see `IovaAllocator.stats.cached`).
   */
  readonly iovaRanges: number;
  readonly iovaBytes: bigint;
  /** Ranges still backing a live mapping: allocated minus those pending in a flush queue. */
  readonly inUseRanges: number;
  readonly inUseBytes: bigint;
  readonly ptes: PerPageSize;
  /** Page-table pages (all levels, including each domain's root). */
  readonly tablePages: number;
  readonly iotlbEntries: number;
  /** Unmapped ranges (and their bytes) waiting in a lazy flush queue for the IOTLB flush. */
  readonly fqPending: number;
  readonly fqPendingBytes: bigint;
}

import { tablePagesFor } from '../iommu/pagetable.js';
import type { CostSink, IommuEvent, PerPageSize } from '../iommu/types.js';
import { zeroPerPageSize } from '../iommu/types.js';
import type { Calibration } from './calibration.js';

/**
 * The cost ledger: operation counts (recorded by the model as it runs, or computed in closed form),
 * metadata bytes, and an estimate of CPU time from the calibration table.
 */
export interface CostCounts {
  /** DMA-API calls by kernel name (`dma_map_resource`, `dma_iova_link`, …). */
  calls: Record<string, number>;
  /** Calls that ran on the dma-iommu path (the rest ran direct). */
  iommuCalls: number;
  iovaAllocs: number;
  iovaFrees: number;
  pteWrites: PerPageSize;
  pteClears: PerPageSize;
  /** Synchronous range invalidations (strict unmap, dma_iova_unlink). */
  iotlbInvRange: number;
  /** Unmaps whose invalidation was queued (lazy). */
  iotlbInvDeferred: number;
  /** Whole-domain flushes (flush-queue drains) that happened. */
  iotlbInvDomain: number;
  /** iotlb_sync_map / dma_iova_sync. */
  iotlbSyncMap: number;
  /** DMA segments produced (nents) and CPU entries (orig_nents) of sg tables built. */
  sgDmaEntries: number;
  sgCpuEntries: number;
  /** Entries walked by dma_map_sg/dma_unmap_sg on the dma-iommu path (sgEntryNs each). */
  sgIommuWalks: number;
  /** Entries filled by direct arithmetic: bus addresses, direct-path sg, DMA-only tables. */
  sgFills: number;
  /** P2PDMA struct pages needed (4 KiB each). */
  structPages: number;
  physVecEntries: number;
  /** IOVA allocations live at the end of the map (page-table leaves: pteWrites). */
  iovaLive: number;
}

export const zeroCounts = (): CostCounts => ({
  calls: {},
  iommuCalls: 0,
  iovaAllocs: 0,
  iovaFrees: 0,
  pteWrites: zeroPerPageSize(),
  pteClears: zeroPerPageSize(),
  iotlbInvRange: 0,
  iotlbInvDeferred: 0,
  iotlbInvDomain: 0,
  iotlbSyncMap: 0,
  sgDmaEntries: 0,
  sgCpuEntries: 0,
  sgIommuWalks: 0,
  sgFills: 0,
  structPages: 0,
  physVecEntries: 0,
  iovaLive: 0,
});

/** A CostSink for the IOMMU plus DMA-layer counters. */
export class CostRecorder implements CostSink {
  readonly counts: CostCounts = zeroCounts();

  count(e: IommuEvent, n = 1): void {
    const c = this.counts;
    switch (e) {
      case 'pteWrite4K':
      case 'pteWrite2M':
      case 'pteWrite1G':
        c.pteWrites[e.slice(8) as keyof PerPageSize] += n;
        break;
      case 'pteClear4K':
      case 'pteClear2M':
      case 'pteClear1G':
        c.pteClears[e.slice(8) as keyof PerPageSize] += n;
        break;
      case 'iovaAlloc':
        c.iovaAllocs += n;
        break;
      case 'iovaFree':
        c.iovaFrees += n;
        break;
      default:
        c[e] += n;
    }
  }

  call(name: string, iommu: boolean, n = 1): void {
    this.counts.calls[name] = (this.counts.calls[name] ?? 0) + n;
    if (iommu) this.counts.iommuCalls += n;
  }
}

export interface MetadataBytes {
  readonly structPages: number;
  readonly sgTable: number;
  readonly pageTables: number;
  readonly iova: number;
  readonly physVec: number;
  readonly total: number;
}

export interface CpuEstimate {
  readonly totalNs: number;
  /** Per calibration key: ns attributed to it. */
  readonly byRow: Readonly<Record<string, number>>;
  /** One-time setup not in totalNs (memmap init of struct pages). */
  readonly setupNs: number;
}

export interface CostLedger {
  readonly counts: CostCounts;
  readonly metadata: MetadataBytes;
  readonly cpu: CpuEstimate;
  /** 'enumerated': recorded while the model ran; 'closed-form': computed without per-page work. */
  readonly method: 'enumerated' | 'closed-form';
}

const sum = (p: PerPageSize) => p['4K'] + p['2M'] + p['1G'];
const totalCalls = (c: CostCounts) => Object.values(c.calls).reduce((a, b) => a + b, 0);

/** Metadata bytes held while the mapping lives. */
export function metadataOf(c: CostCounts, cal: Calibration): MetadataBytes {
  const structPages = c.structPages * cal.structPageBytes;
  const sgTable = Math.max(c.sgDmaEntries, c.sgCpuEntries) * cal.sgEntryBytes;
  const leaves = sum(c.pteWrites);
  const pageTables = leaves === 0 ? 0 : tablePagesFor(c.pteWrites) * cal.tablePageBytes;
  const iova = c.iovaLive * cal.iovaNodeBytes;
  const physVec = c.physVecEntries * cal.physVecEntryBytes;
  return {
    structPages,
    sgTable,
    pageTables,
    iova,
    physVec,
    total: structPages + sgTable + pageTables + iova + physVec,
  };
}

/** CPU time from counts. `lazy`: unmap-side leaf clears cost lazyUnmapFactor × strict. */
export function cpuOf(c: CostCounts, cal: Calibration, lazy: boolean): CpuEstimate {
  const direct = totalCalls(c) - c.iommuCalls;
  const byRow: Record<string, number> = {
    iommuCallNs: c.iommuCalls * cal.iommuCallNs,
    directCallNs: direct * cal.directCallNs,
    iovaAllocNs: c.iovaAllocs * cal.iovaAllocNs,
    iovaFreeNs: c.iovaFrees * cal.iovaFreeNs,
    pteWriteNs: sum(c.pteWrites) * cal.pteWriteNs,
    pteClearNs: sum(c.pteClears) * cal.pteClearNs * (lazy ? cal.lazyUnmapFactor : 1),
    // strict: one wait per range invalidation; lazy: whole-domain flushes amortised per entry.
    iotlbSyncNs: (c.iotlbInvRange + c.iotlbInvDeferred / cal.fqEntries) * cal.iotlbSyncNs,
    sgEntryNs: c.sgIommuWalks * cal.sgEntryNs,
    directEntryNs: c.sgFills * cal.directEntryNs,
  };
  const totalNs = Object.values(byRow).reduce((a, b) => a + b, 0);
  return { totalNs, byRow, setupNs: c.structPages * cal.memmapInitNsPerPage };
}

export function ledgerOf(
  c: CostCounts,
  cal: Calibration,
  lazy: boolean,
  method: CostLedger['method'],
): CostLedger {
  return { counts: c, metadata: metadataOf(c, cal), cpu: cpuOf(c, cal, lazy), method };
}

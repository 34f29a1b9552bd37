/**
 * The calibration table of the cost ledger, as data. Every row cites the row of
 * /work/shared/spec/published-numbers.md it comes from (section + row name), says whether the value
 * was read (V), derived with the given formula (D) or is an assumption where no published number
 * exists (A), and which platform it describes. docs/calibration.md lists the same table; a user can
 * override any value with `--calibration FILE` (see calibration-file.ts).
 */
import type { CitedRow } from '../util/citations.js';

export type CalibrationKey =
  | 'iommuCallNs'
  | 'directCallNs'
  | 'iovaAllocNs'
  | 'iovaFreeNs'
  | 'pteWriteNs'
  | 'pteClearNs'
  | 'iotlbSyncNs'
  | 'lazyUnmapFactor'
  | 'sgEntryNs'
  | 'directEntryNs'
  | 'memmapInitNsPerPage'
  | 'structPageBytes'
  | 'sgEntryBytes'
  | 'pteBytes'
  | 'tablePageBytes'
  | 'iovaNodeBytes'
  | 'physVecEntryBytes'
  | 'fqEntries';

export interface CalibrationRow extends CitedRow {
  readonly key: CalibrationKey;
}

export type Calibration = Readonly<Record<CalibrationKey, number>>;

export const CALIBRATION_ROWS: readonly CalibrationRow[] = [
  {
    key: 'iommuCallNs',
    value: 47,
    unit: 'ns per call',
    what: 'fixed cost of one DMA-API call on the dma-iommu path (map_resource, map_phys, map_sg, iova_link, unmap…)',
    source: '§1.1 "dma_map_single 4 KiB, map / unmap, 1 thread"',
    confidence: 'D',
    derivation:
      '0.1 µs per 4 KiB map (Arm Morello, SMMUv3) − iovaAllocNs (50) − pteWriteNs (3.1) ≈ 47 ns',
  },
  {
    key: 'directCallNs',
    value: 20,
    unit: 'ns per call',
    what: 'one DMA-API call on the direct path (no IOMMU or passthrough): mask check, address arithmetic',
    source:
      'Gaps: "No published per-call dma_map_resource() timing"; §1.2 "Ratio to passthrough (per-I/O mapping)" (pt = 1.0)',
    confidence: 'A',
    derivation:
      'no published number; assumed 20 ns (a few dozen instructions). Passthrough shows no measurable mapping overhead (ratio 1.0)',
  },
  {
    key: 'iovaAllocNs',
    value: 50,
    unit: 'ns per allocation',
    what: 'one IOVA allocation (rcache hit or rbtree search)',
    source:
      '§1.1 "dma_map_single 4 KiB, map / unmap, 1 thread"; §1.2 "IOVA allocator fix (EiovaR)"',
    confidence: 'A',
    derivation:
      'no published split of the 0.1 µs map; assumed half of it. EiovaR shows the allocator can dominate when rcaches miss',
  },
  {
    key: 'iovaFreeNs',
    value: 50,
    unit: 'ns per free',
    what: 'one IOVA free (to the rcache or the rbtree)',
    source: '§1.1 "dma_map_single 4 KiB, map / unmap, 1 thread"',
    confidence: 'A',
    derivation: 'no published number; assumed equal to iovaAllocNs',
  },
  {
    key: 'pteWriteNs',
    value: 3.1,
    unit: 'ns per leaf PTE written',
    what: 'writing one IOMMU leaf entry (any page size)',
    source: '§1.1 "Per-4 KiB-page cost implied by the 1 MiB row"',
    confidence: 'D',
    derivation: '0.8 µs / 256 pages ≈ 3.1 ns',
  },
  {
    key: 'pteClearNs',
    value: 83,
    unit: 'ns per leaf PTE cleared (strict)',
    what: 'clearing one leaf and its per-granule TLB invalidation command (SMMUv3 without range invalidation)',
    source: '§1.1 "Per-4 KiB-page cost implied by the 1 MiB row"',
    confidence: 'D',
    derivation: '21.2 µs / 256 pages ≈ 83 ns; multiplied by lazyUnmapFactor in lazy mode',
  },
  {
    key: 'iotlbSyncNs',
    value: 420,
    unit: 'ns per synchronous invalidation / whole-domain flush',
    what: 'waiting for one IOTLB invalidation (strict unmap, dma_iova_unlink, flush-queue drain)',
    source: '§1.1 "dma_map_single 4 KiB, map / unmap, 1 thread"',
    confidence: 'D',
    derivation:
      '0.6 µs per 4 KiB unmap − iommuCallNs (47) − iovaFreeNs (50) − pteClearNs (83) = 420 ns',
  },
  {
    key: 'lazyUnmapFactor',
    value: 0.205,
    unit: 'ratio',
    what: 'unmap-side cost in lazy (flush-queue) mode relative to strict, per leaf cleared',
    source:
      '§1.2 "NVMe 4 KiB random read IOPS, per-I/O mapping vs pre-mapped dma-buf: STRICT", "same, LAZY", "same, PASSTHROUGH"',
    confidence: 'D',
    derivation:
      'mapping overhead per I/O: strict 1/0.57 − 1/5.01 = 1554.8 ns, lazy 1/1.93 − 1/5.01 = 318.5 ns; 318.5 / 1554.8 = 0.205 (x86 Optane)',
  },
  {
    key: 'sgEntryNs',
    value: 162.5,
    unit: 'ns per sg entry (dma-iommu)',
    what: 'per-entry work of dma_map_sg / dma_unmap_sg on the IOMMU path (layout, merge, walk)',
    source: '§1.1 "dma_map_sg, 8 × 4 KiB SG list, map / unmap"',
    confidence: 'D',
    derivation:
      '(1.4 µs − 0.1 µs single-map) / 8 entries = 162.5 ns (HiSilicon, 8 threads; different platform)',
  },
  {
    key: 'directEntryNs',
    value: 5,
    unit: 'ns per sg entry (direct / bus address)',
    what: 'filling one DMA address on the direct path or a P2PDMA bus address',
    source: 'Gaps: "No published per-call dma_map_resource() timing"',
    confidence: 'A',
    derivation: 'no published number; assumed 5 ns (one addition and a store per entry)',
  },
  {
    key: 'memmapInitNsPerPage',
    value: 9.35,
    unit: 'ns per struct page',
    what: 'initialising the memmap of a P2PDMA BAR (devm_memremap_pages), one-time setup',
    source: '§1.5 "memmap init per struct page"',
    confidence: 'D',
    derivation: '268–358 ms / 33.5 M pages ≈ 8–11 ns; midpoint 9.35 ns',
  },
  {
    key: 'structPageBytes',
    value: 64,
    unit: 'B per 4 KiB page',
    what: 'sizeof(struct page), allocated from system RAM for P2PDMA pages',
    source: '§1.5 "sizeof(struct page)" and "P2PDMA memmap placement"',
    confidence: 'V',
    derivation: 'read',
  },
  {
    key: 'sgEntryBytes',
    value: 32,
    unit: 'B per sg entry',
    what: 'struct scatterlist (page_link, offset, length, dma_address, dma_length, flags)',
    source: '§1.4 "blk_rq_dma_map per-segment state"',
    confidence: 'D',
    derivation: '~28–32 B per [page, offset, len, dma_addr, dma_len] segment; upper value',
  },
  {
    key: 'pteBytes',
    value: 8,
    unit: 'B per leaf PTE',
    what: 'one IOMMU page-table entry',
    source: '§1.5 "IOMMU leaf page-table memory for a 64 GiB BAR mapping"',
    confidence: 'D',
    derivation: '8 B per leaf PTE (as the row assumes)',
  },
  {
    key: 'tablePageBytes',
    value: 4096,
    unit: 'B per page-table page',
    what: 'one page-table page of 512 entries (upper levels counted too)',
    source: '§1.5 "IOMMU leaf page-table memory for a 64 GiB BAR mapping"',
    confidence: 'D',
    derivation: '512 × 8 B; the row ignores upper levels, the ledger counts them (dense layout)',
  },
  {
    key: 'iovaNodeBytes',
    value: 40,
    unit: 'B per IOVA allocation',
    what: 'struct iova (rb_node + pfn_hi + pfn_lo)',
    source: 'Gaps: no published number (structure layout)',
    confidence: 'A',
    derivation: 'no published number; assumed from the structure layout on x86-64: 24 + 8 + 8 B',
  },
  {
    key: 'physVecEntryBytes',
    value: 16,
    unit: 'B per range',
    what: 'struct phys_vec (phys_addr_t + size)',
    source: '§1.4 "blk_rq_dma_map per-segment state"',
    confidence: 'D',
    derivation: 'upper value of the [dma_addr, len] pair (12–16 B)',
  },
  {
    key: 'fqEntries',
    value: 256,
    unit: 'entries per flush',
    what: 'deferred invalidations batched into one whole-domain flush (lazy mode)',
    source: '§1.2 "Deferred IOTLB flush (the first flush queue)"',
    confidence: 'D',
    derivation:
      'the first flush queue (2008) flushed at 250 entries or 10 ms; today the per-CPU queue holds 256 (kernel-semantics §4.5.4), used here',
  },
];

export const DEFAULT_CALIBRATION: Calibration = Object.fromEntries(
  CALIBRATION_ROWS.map((r) => [r.key, r.value]),
) as Calibration;

export const CALIBRATION_KEYS: readonly CalibrationKey[] = CALIBRATION_ROWS.map((r) => r.key);

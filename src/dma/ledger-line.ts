import type { PerPageSize } from '../iommu/types.js';
import { formatNs } from '../util/duration.js';
import { formatBytes } from '../util/size.js';
import type { CostLedger } from './ledger.js';

/**
 * One compact line for the ledger of a single map or unmap (what the DMA-BUF demo prints under a
 * step): calls by kernel name and path, IOVA allocations/frees, PTEs written or cleared per page
 * size, IOTLB work, DMA segments, struct pages, metadata held and the CPU estimate. Zero counts
 * are left out. `label` prefixes it, e.g. `map-resource map`.
 *
 *   map-resource map: dma_map_resource×2 (dma-iommu) · IOVA +2 · PTE 2M×2 · IOTLB sync-map 2 ·
 *   2 DMA segs · metadata 12.1 KiB · ~342 ns
 */
export function ledgerLine(ledger: CostLedger, label?: string): string {
  const c = ledger.counts;
  const parts: string[] = [];
  const calls = Object.entries(c.calls)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}×${n}`);
  const total = Object.values(c.calls).reduce((a, b) => a + b, 0);
  if (calls.length > 0) {
    const path =
      c.iommuCalls === total ? 'dma-iommu' : c.iommuCalls === 0 ? 'direct' : 'mixed paths';
    parts.push(`${calls.join(', ')} (${path})`);
  }
  const iova = [
    c.iovaAllocs > 0 ? `+${c.iovaAllocs}` : '',
    c.iovaFrees > 0 ? `−${c.iovaFrees}` : '',
  ].filter(Boolean);
  if (iova.length > 0) parts.push(`IOVA ${iova.join(' ')}`);
  const ptes = (p: PerPageSize, what: string) => {
    const s = (['4K', '2M', '1G'] as const).filter((k) => p[k] > 0).map((k) => `${k}×${p[k]}`);
    if (s.length > 0) parts.push(`${what} ${s.join(' ')}`);
  };
  ptes(c.pteWrites, 'PTE');
  ptes(c.pteClears, 'PTE clear');
  const tlb = [
    c.iotlbSyncMap > 0 ? `sync-map ${c.iotlbSyncMap}` : '',
    c.iotlbInvRange > 0 ? `${c.iotlbInvRange} inv` : '',
    c.iotlbInvDeferred > 0 ? `${c.iotlbInvDeferred} queued` : '',
    c.iotlbInvDomain > 0 ? `${c.iotlbInvDomain} domain flush` : '',
  ].filter(Boolean);
  if (tlb.length > 0) parts.push(`IOTLB ${tlb.join(', ')}`);
  if (c.sgDmaEntries > 0) parts.push(`${c.sgDmaEntries} DMA seg${c.sgDmaEntries === 1 ? '' : 's'}`);
  if (c.structPages > 0) parts.push(`${c.structPages} struct pages`);
  if (ledger.metadata.total > 0) parts.push(`metadata ${formatBytes(ledger.metadata.total)}`);
  parts.push(`~${formatNs(ledger.cpu.totalNs)}`);
  return `${label !== undefined ? `${label}: ` : ''}${parts.join(' · ')}`;
}

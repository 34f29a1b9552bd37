import { RULE } from '../core/rule-ids.js';
import type { IommuDomain } from '../iommu/domain.js';
import type { IovaRange } from '../iommu/iova.js';
import { hex } from '../util/hex.js';
import { type DmaApi, granules, unmapAndFree } from './api.js';
import { DMA_ATTR, type DmaDevice, type DmaDirection } from './types.js';

/**
 * The two-step IOVA API (v6.17, spec §4.6): allocate one IOVA range, link physical ranges into it
 * (page-table writes, no IOTLB sync), sync once, and later unlink (synchronous invalidation) /
 * destroy (may defer through the flush queue) / free.
 */
export interface IovaState {
  /** IOVA start including the first range's offset within a granule. */
  readonly addr: bigint;
  /** Requested size; 0 = no IOVA (direct path: fall back to dma_map_phys per range). */
  readonly size: bigint;
  /** DMA_IOVA_USE_SWIOTLB — never set for MMIO (bouncing MMIO fails instead). */
  readonly swiotlb: boolean;
  readonly range: IovaRange | null;
}

const NO_IOVA: IovaState = { addr: 0n, size: 0n, swiotlb: false, range: null };
const TOP_BIT = 1n << 63n;

/** `dma_use_iova`. */
export const dmaUseIova = (s: IovaState): boolean => s.size !== 0n;

function domainOf(api: DmaApi, dev: DmaDevice, s: IovaState): IommuDomain | null {
  return dmaUseIova(s) ? api.iommu.domainOf(dev.fn) : null;
}

/** `dma_iova_try_alloc`: false-like (size 0) on the direct path, for size 0 / top bit (WARN), or when IOVA space runs out. */
export function dmaIovaTryAlloc(
  api: DmaApi,
  dev: DmaDevice,
  phys: bigint,
  size: bigint,
): IovaState {
  const domain = api.iommu.domainOf(dev.fn);
  if (domain === null) return NO_IOVA;
  if (size === 0n || (size & TOP_BIT) !== 0n) {
    api.violations.report(
      'WARN_ONCE',
      RULE.dmaIovaBadSize,
      `dma_iova_try_alloc: invalid size ${hex(size)}`,
    );
    return NO_IOVA;
  }
  if (!api.checkMask(dev)) return NO_IOVA;
  api.record('dma_iova_try_alloc', dev);
  const { off, len } = granules(phys, size, domain.granule);
  const range = api.allocIova(dev, domain, len);
  if (range === null) return NO_IOVA;
  return { addr: range.addr + off, size, swiotlb: false, range };
}

/** `dma_iova_link`: map `[phys, +size)` at `state.addr + offset`. Returns 0 or a negative errno. */
export function dmaIovaLink(
  api: DmaApi,
  dev: DmaDevice,
  state: IovaState,
  phys: bigint,
  offset: bigint,
  size: bigint,
  dir: DmaDirection,
  attrs = 0,
): number {
  api.checkDir(dir, 'dma_iova_link');
  const domain = domainOf(api, dev, state);
  if (domain === null) return -22;
  api.record('dma_iova_link', dev);
  const g = domain.granule;
  if (phys % g !== 0n && offset > 0n) {
    api.violations.report(
      'WARN_ONCE',
      RULE.dmaIovaLinkUnaligned,
      'dma_iova_link: only the first link may start mid-granule',
    );
    return -5;
  }
  const needsBounce = api.iommu.isUntrusted(dev.fn) && (phys % g !== 0n || size % g !== 0n);
  if (needsBounce && (attrs & DMA_ATTR.MMIO) !== 0) return -1; // EPERM: MMIO is never bounced
  const start = state.addr + offset;
  const v = start - (start % g);
  const { start: p, len } = granules(phys, size, g);
  const r = domain.map(v, p, len, api.prot(dir, attrs));
  return r.ok ? 0 : -5;
}

/** `dma_iova_sync`: make linked ranges visible (one IOTLB sync). */
export function dmaIovaSync(
  api: DmaApi,
  dev: DmaDevice,
  state: IovaState,
  offset: bigint,
  size: bigint,
): number {
  void offset;
  void size;
  const domain = domainOf(api, dev, state);
  if (domain === null) return 0;
  api.record('dma_iova_sync', dev);
  domain.syncMap();
  return 0;
}

/** `dma_iova_unlink`: unmap a sub-range with a synchronous invalidation; IOVA stays allocated. */
export function dmaIovaUnlink(
  api: DmaApi,
  dev: DmaDevice,
  state: IovaState,
  offset: bigint,
  size: bigint,
  dir: DmaDirection,
  attrs = 0,
): void {
  api.checkDir(dir, 'dma_iova_unlink');
  void attrs;
  const domain = domainOf(api, dev, state);
  if (domain === null) return;
  api.record('dma_iova_unlink', dev);
  const { start, len } = granules(state.addr + offset, size, domain.granule);
  domain.unmap(start, len, 'sync');
}

/** `dma_iova_free`: free the IOVA of a state whose ranges were all unlinked. */
export function dmaIovaFree(api: DmaApi, dev: DmaDevice, state: IovaState): void {
  const domain = domainOf(api, dev, state);
  if (domain === null || state.range === null) return;
  api.record('dma_iova_free', dev);
  domain.freeIova(state.range);
}

/**
 * `dma_iova_destroy`: unlink `[0, mappedLen)` — the invalidation may go on the flush queue — and
 * free the IOVA; `mappedLen` 0 just frees.
 */
export function dmaIovaDestroy(
  api: DmaApi,
  dev: DmaDevice,
  state: IovaState,
  mappedLen: bigint,
  dir: DmaDirection,
  attrs = 0,
): void {
  api.checkDir(dir, 'dma_iova_destroy');
  void attrs;
  const domain = domainOf(api, dev, state);
  if (domain === null || state.range === null) return;
  if (mappedLen === 0n) {
    dmaIovaFree(api, dev, state);
    return;
  }
  api.record('dma_iova_destroy', dev);
  const { start, len } = granules(state.addr, mappedLen, domain.granule);
  unmapAndFree(domain, start, len, state.range);
}

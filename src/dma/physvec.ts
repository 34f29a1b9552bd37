import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import type { PciFunction } from '../pci/types.js';
import { hex } from '../util/hex.js';
import type { DmaApi } from './api.js';
import {
  dmaIovaDestroy,
  dmaIovaLink,
  dmaIovaSync,
  dmaIovaTryAlloc,
  dmaUseIova,
  type IovaState,
} from './iova-api.js';
import {
  DMA_ATTR,
  DMA_MAPPING_ERROR,
  type DmaDevice,
  type DmaDirection,
  type DmaSegment,
  type PhysRange,
  SG_MAX_SEGMENT,
  type SgTable,
} from './types.js';

/** A DMA-only table from `dma_buf_phys_vec_to_sgt`, with what its free needs. */
export interface PhysVecSgt extends SgTable {
  /** 'bus': BUS_ADDR, nothing to unmap; 'iova': one IOVA range; 'phys': one dma_map_phys per range. */
  readonly how: 'bus' | 'iova' | 'phys';
  readonly state: IovaState | null;
  readonly size: bigint;
  readonly ranges: readonly PhysRange[];
}

/** Split `[addr, +len)` into entries of at most `max` bytes. */
export function splitSegments(
  addr: bigint,
  len: bigint,
  max: bigint,
  busAddr: boolean,
): DmaSegment[] {
  const out: DmaSegment[] = [];
  for (let off = 0n; off < len; off += max) {
    out.push({ dmaAddr: addr + off, len: len - off < max ? len - off : max, busAddr });
  }
  return out;
}

/**
 * `dma_buf_phys_vec_to_sgt` (v6.19, spec §1.16): the provider's map type decides. BUS_ADDR →
 * `paddr + bus_offset` per range; THRU_HOST_BRIDGE → one IOVA range with a link per range and one
 * sync (entries cover the contiguous span, ≤ ALIGN_DOWN(UINT_MAX, PAGE_SIZE) each), or, without
 * dma-iommu, one `dma_map_phys(MMIO)` per range (its entries split at the same limit; the free
 * unmaps entry by entry, as the kernel does); anything else → EINVAL. The CPU view is empty.
 */
export function dmaBufPhysVecToSgt(
  api: DmaApi,
  dev: DmaDevice,
  provider: PciFunction | null,
  ranges: readonly PhysRange[],
  size: bigint,
  dir: DmaDirection,
): KResult<PhysVecSgt> {
  if (provider === null) {
    api.violations.report(
      'WARN',
      RULE.dmabufPhysVecNoProvider,
      'dma_buf_phys_vec_to_sgt: provider is NULL',
    );
    return kerr('EINVAL', 'dma_buf_phys_vec_to_sgt: no P2PDMA provider');
  }
  api.checkDir(dir, 'dma_buf_phys_vec_to_sgt');
  const rec = api.recorder;
  if (rec) rec.counts.physVecEntries += ranges.length;
  const total = ranges.reduce((a, r) => a + r.len, 0n);
  if (total !== size) {
    api.violations.report(
      'WARN_ONCE',
      RULE.dmabufPhysVecSize,
      `dma_buf_phys_vec_to_sgt: ranges cover ${total} bytes, size is ${size}`,
    );
  }
  const type = api.mapType(provider, dev.fn);
  const base = { cpu: [], size, ranges } as const;
  const done = (how: PhysVecSgt['how'], dma: DmaSegment[], state: IovaState | null) => {
    if (rec) rec.counts.sgFills += dma.length;
    return ok<PhysVecSgt>({ ...base, cpu: [], how, dma, state });
  };
  if (type === 'BUS_ADDR') {
    const off = api.busOffset(provider);
    return done(
      'bus',
      ranges.flatMap((r) => splitSegments(r.phys + off, r.len, SG_MAX_SEGMENT, true)),
      null,
    );
  }
  if (type !== 'THRU_HOST_BRIDGE') {
    return kerr(
      'EINVAL',
      `dma_buf_phys_vec_to_sgt: P2P map type ${type} between ${provider.bdf} and ${dev.fn.bdf}`,
    );
  }
  const state = dmaIovaTryAlloc(api, dev, 0n, size);
  if (dmaUseIova(state)) {
    let mapped = 0n;
    for (const r of ranges) {
      const e = dmaIovaLink(api, dev, state, r.phys, mapped, r.len, dir, DMA_ATTR.MMIO);
      if (e !== 0) {
        dmaIovaDestroy(api, dev, state, mapped, dir, DMA_ATTR.MMIO);
        return kerr('ENOMEM', `dma_iova_link failed (${e})`);
      }
      mapped += r.len;
    }
    dmaIovaSync(api, dev, state, 0n, mapped);
    return done('iova', splitSegments(state.addr, mapped, SG_MAX_SEGMENT, false), state);
  }
  const dma: DmaSegment[] = [];
  for (const r of ranges) {
    const addr = api.mapPhys(dev, r.phys, r.len, dir, DMA_ATTR.MMIO);
    if (addr === DMA_MAPPING_ERROR) {
      for (const s of dma) api.unmapPhys(dev, s.dmaAddr, s.len, dir, DMA_ATTR.MMIO);
      return kerr('ENOMEM', `dma_map_phys of ${hex(r.phys)} failed`);
    }
    // fill_sg_entry: one entry per range, split at the 32-bit sg length limit
    dma.push(...splitSegments(addr, r.len, SG_MAX_SEGMENT, false));
  }
  return done('phys', dma, null);
}

/** `dma_buf_free_sgt`: undo whichever way the table was mapped. */
export function dmaBufFreeSgt(
  api: DmaApi,
  dev: DmaDevice,
  sgt: PhysVecSgt,
  dir: DmaDirection,
): void {
  if (sgt.how === 'iova' && sgt.state !== null) {
    dmaIovaDestroy(api, dev, sgt.state, sgt.size, dir, DMA_ATTR.MMIO);
  } else if (sgt.how === 'phys') {
    for (const s of sgt.dma) api.unmapPhys(dev, s.dmaAddr, s.len, dir, DMA_ATTR.MMIO);
  }
  sgt.dma = [];
}

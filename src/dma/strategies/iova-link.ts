import { kerr, ok } from '../../core/errno.js';
import { hex } from '../../util/hex.js';
import {
  dmaIovaDestroy,
  dmaIovaLink,
  dmaIovaSync,
  dmaIovaTryAlloc,
  dmaUseIova,
} from '../iova-api.js';
import { splitSegments } from '../physvec.js';
import { DMA_ATTR, DMA_MAPPING_ERROR, type DmaSegment } from '../types.js';
import { pieceMax, runMeasured } from './common.js';
import type { Strategy } from './types.js';

/**
 * `iova-link`: the two-step API used directly by an exporter — one `dma_iova_try_alloc` for the
 * whole export, one `dma_iova_link` per chunk, one `dma_iova_sync`; DMA segments cover the
 * contiguous IOVA span (split at the importer's max segment size). Unmap is one
 * `dma_iova_destroy`. Without dma-iommu it falls back to `dma_map_phys(MMIO)` per chunk (segments
 * still split at the importer's max segment size). Like
 * map-resource it does not consult the P2PDMA map type.
 */
export const iovaLink: Strategy = (input) =>
  runMeasured('iova-link', input, () => {
    const { api, client, chunks, dir } = input;
    const attrs = DMA_ATTR.MMIO | DMA_ATTR.SKIP_CPU_SYNC;
    const total = chunks.reduce((a, c) => a + c.len, 0n);
    const state = dmaIovaTryAlloc(api, client, chunks[0]?.phys ?? 0n, total);
    const rec = api.recorder;
    if (dmaUseIova(state)) {
      let mapped = 0n;
      for (const c of chunks) {
        const e = dmaIovaLink(api, client, state, c.phys, mapped, c.len, dir, attrs);
        if (e !== 0) {
          dmaIovaDestroy(api, client, state, mapped, dir, attrs);
          return kerr('EIO', `dma_iova_link of chunk ${hex(c.phys)} failed (${e})`);
        }
        mapped += c.len;
      }
      dmaIovaSync(api, client, state, 0n, mapped);
      const segs = splitSegments(state.addr, mapped, pieceMax(input), false);
      if (rec) rec.counts.sgFills += segs.length;
      return ok({
        segments: segs,
        sgt: { cpu: [], dma: segs },
        undo: () => dmaIovaDestroy(api, client, state, mapped, dir, attrs),
      });
    }
    // Direct path: one dma_map_phys per chunk; its DMA range is cut at the importer's max segment.
    const segs: DmaSegment[] = [];
    const mappedChunks: { addr: bigint; len: bigint }[] = [];
    const undo = () => {
      for (const m of mappedChunks) api.unmapPhys(client, m.addr, m.len, dir, attrs);
    };
    for (const c of chunks) {
      const addr = api.mapPhys(client, c.phys, c.len, dir, attrs);
      if (addr === DMA_MAPPING_ERROR) {
        undo();
        return kerr('ENOMEM', `dma_map_phys of ${hex(c.phys)} failed`);
      }
      mappedChunks.push({ addr, len: c.len });
      segs.push(...splitSegments(addr, c.len, pieceMax(input), false));
    }
    if (rec) rec.counts.sgFills += segs.length;
    return ok({ segments: segs, sgt: { cpu: [], dma: segs }, undo });
  });

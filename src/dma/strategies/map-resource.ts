import { kerr, ok } from '../../core/errno.js';
import { minBig } from '../../util/bigint.js';
import { hex } from '../../util/hex.js';
import { DMA_ATTR, DMA_MAPPING_ERROR, type DmaSegment } from '../types.js';
import { pieceMax, runMeasured } from './common.js';
import type { Strategy } from './types.js';

/**
 * `map-resource` (habanalabs, amdgpu VRAM, the 2021 design): each chunk, split to the importer's
 * max segment size, gets its own `dma_map_resource` — one IOVA allocation and one IOMMU map per
 * piece, one unmap + invalidation per piece on the way back. Nobody consults the P2PDMA map type:
 * the result is an IOVA (IOMMU) or the raw CPU physical address (direct), never a bus address.
 */
export const mapResource: Strategy = (input) =>
  runMeasured('map-resource', input, () => {
    const { api, client, chunks, dir } = input;
    const max = pieceMax(input);
    const attrs = DMA_ATTR.SKIP_CPU_SYNC;
    const segs: DmaSegment[] = [];
    const undo = () => {
      for (const s of segs) api.unmapResource(client, s.dmaAddr, s.len, dir, attrs);
    };
    for (const c of chunks) {
      for (let off = 0n; off < c.len; off += max) {
        const len = minBig(c.len - off, max);
        const addr = api.mapResource(client, c.phys + off, len, dir, attrs);
        if (api.mappingError(client, addr) !== 0 || addr === DMA_MAPPING_ERROR) {
          undo();
          return kerr('ENOMEM', `dma_map_resource of ${hex(c.phys + off)}+${hex(len)} failed`);
        }
        segs.push({ dmaAddr: addr, len, busAddr: false });
      }
    }
    const rec = api.recorder;
    if (rec) rec.counts.sgFills += segs.length;
    return ok({ segments: segs, sgt: { cpu: [], dma: segs }, undo });
  });

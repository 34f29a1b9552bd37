import { ok } from '../../core/errno.js';
import { dmaBufFreeSgt, dmaBufPhysVecToSgt } from '../physvec.js';
import { runMeasured } from './common.js';
import type { Strategy } from './types.js';

/**
 * `phys-vec` (VFIO, v6.19): `dma_buf_phys_vec_to_sgt` over the chunks — the P2PDMA map type
 * decides: BUS_ADDR → bus addresses, no IOMMU work at all; THRU_HOST_BRIDGE → one IOVA range,
 * a link per chunk, one sync (or dma_map_phys per chunk when direct); else EINVAL.
 */
export const physVec: Strategy = (input) =>
  runMeasured('phys-vec', input, () => {
    const { api, client, provider, chunks, dir } = input;
    const size = chunks.reduce((a, c) => a + c.len, 0n);
    const r = dmaBufPhysVecToSgt(api, client, provider, chunks, size, dir);
    if (!r.ok) return r;
    const sgt = r.value;
    return ok({ segments: [...sgt.dma], sgt, undo: () => dmaBufFreeSgt(api, client, sgt, dir) });
  });

import { type KResult, kerr, ok } from '../../core/errno.js';
import { minBig } from '../../util/bigint.js';

/**
 * How habanalabs cuts an export into sg entries (spec §5.1.6 steps 3–5, v6.7+ algorithm with the
 * Sep-2023 offset handling): consume min(left to export, left in page, left in DMA-segment budget);
 * a new entry starts at a page discontinuity or when the budget runs out. The budget is *not*
 * reset at a discontinuity, so boundaries fall on cumulative multiples of `maxSeg`.
 * Returns device physical ranges; the exporter maps each with dma_map_resource.
 */
export interface DevChunk {
  readonly devAddr: bigint;
  readonly len: bigint;
}

export function chunkDevicePages(
  pages: readonly bigint[],
  pageSize: bigint,
  offset: bigint,
  exportSize: bigint,
  importerMaxSeg: bigint,
  sysPageSize = 4096n,
): KResult<DevChunk[]> {
  const maxSeg = (importerMaxSeg / sysPageSize) * sysPageSize;
  if (maxSeg < sysPageSize) {
    return kerr('EINVAL', `dma_max_seg_size ${importerMaxSeg} can't be smaller than PAGE_SIZE`);
  }
  let cur = Number(offset / pageSize);
  const inFirst = offset % pageSize;
  if (cur >= pages.length) return kerr('EINVAL', 'offset beyond the exported pages');
  const out: { devAddr: bigint; len: bigint }[] = [{ devAddr: pages[cur]! + inFirst, len: 0n }];
  let leftExport = exportSize;
  let leftPage = pageSize - inFirst;
  let leftSeg = maxSeg;
  let addr = pages[cur]! + inFirst;
  while (leftExport > 0n) {
    const n = minBig(leftExport, leftPage, leftSeg);
    out[out.length - 1]!.len += n;
    leftExport -= n;
    leftPage -= n;
    leftSeg -= n;
    addr += n;
    if (leftExport === 0n) break;
    let next = false;
    if (leftPage === 0n) {
      const nextPage = pages[cur + 1];
      if (nextPage === undefined) {
        return kerr(
          'ENOMEM',
          `left size to export ${leftExport} after initializing ${out.length} SG elements`,
        );
      }
      if (pages[cur]! + pageSize !== nextPage) next = true;
      cur++;
      addr = nextPage;
      leftPage = pageSize;
    }
    if (leftSeg === 0n) {
      next = true;
      leftSeg = maxSeg;
    }
    if (next) out.push({ devAddr: addr, len: 0n });
  }
  return ok(out);
}

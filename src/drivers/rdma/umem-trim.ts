/**
 * ib_umem_dmabuf_map_pages' in-place trim (spec §6.4 step 3): from the exporter's DMA segments,
 * keep those overlapping the page-rounded MR window [start, end), shifting the first segment's
 * address forward and shortening the last. Pure: returns the trimmed view and how to undo it.
 */
export interface DmaSeg {
  readonly dmaAddress: bigint;
  readonly dmaLength: bigint;
}

export interface TrimmedView {
  /** Index of the first segment in the exporter's table. */
  readonly first: number;
  readonly segs: readonly DmaSeg[];
  /** Bytes added to the first segment's address (= removed from its length). */
  readonly firstAdjust: bigint;
  /** Bytes removed from the end of the last segment. */
  readonly lastTrim: bigint;
}

export function trimToWindow(
  table: readonly DmaSeg[],
  offset: bigint,
  length: bigint,
  pageSize = 4096n,
): TrimmedView {
  const start = (offset / pageSize) * pageSize;
  const end = ((offset + length + pageSize - 1n) / pageSize) * pageSize;
  const segs: DmaSeg[] = [];
  let first = -1;
  let firstAdjust = 0n;
  let lastTrim = 0n;
  let cur = 0n;
  for (let i = 0; i < table.length; i++) {
    const s = table[i]!;
    const segEnd = cur + s.dmaLength;
    if (segEnd <= start) {
      cur = segEnd;
      continue;
    }
    let addr = s.dmaAddress;
    let len = s.dmaLength;
    if (first < 0) {
      first = i;
      firstAdjust = start - cur;
      addr += firstAdjust;
      len -= firstAdjust;
    }
    if (segEnd >= end) {
      lastTrim = segEnd - end;
      len -= lastTrim;
      segs.push({ dmaAddress: addr, dmaLength: len });
      break;
    }
    segs.push({ dmaAddress: addr, dmaLength: len });
    cur = segEnd;
  }
  return { first: Math.max(first, 0), segs, firstAdjust, lastTrim };
}

/**
 * The DMA address of byte `pos` of the MR window (pos counts from the page-rounded start), or
 * undefined if outside the mapped view. A transfer may cross segments; callers split at
 * `contiguous` bytes.
 */
export function dmaAddressAt(
  view: TrimmedView,
  pos: bigint,
): { readonly addr: bigint; readonly contiguous: bigint } | undefined {
  let cur = 0n;
  for (const s of view.segs) {
    if (pos < cur + s.dmaLength)
      return { addr: s.dmaAddress + (pos - cur), contiguous: cur + s.dmaLength - pos };
    cur += s.dmaLength;
  }
  return undefined;
}

import { pteCounts } from '../iommu/pagetable.js';
import {
  DEFAULT_PAGE_SIZES,
  type PerPageSize,
  pageSizeName,
  zeroPerPageSize,
} from '../iommu/types.js';
import { minBig } from '../util/bigint.js';
import { type Calibration, DEFAULT_CALIBRATION } from './calibration.js';
import { type CostCounts, type CostLedger, ledgerOf, zeroCounts } from './ledger.js';
import type { ExportShape } from './shape.js';
import { iovaLink } from './strategies/iova-link.js';
import { mapResource } from './strategies/map-resource.js';
import { p2pPages } from './strategies/p2p-pages.js';
import { physVec } from './strategies/phys-vec.js';
import type { Strategy, StrategyName } from './strategies/types.js';
import { type MapType, PAGE_SIZE, SG_MAX_SEGMENT } from './types.js';

/**
 * Cost ledgers of a strategy over an export shape, computed from the extents (O(chunk classes),
 * plus O(DMA segments) for dma_map_sg's merge) — never per page. They equal what the model records
 * when it runs the strategy on the canonical layout (the differential test proves it).
 */
export interface ClosedFormEnv {
  /** dma-iommu path (strict/lazy) vs direct (none/passthrough). */
  readonly translating: boolean;
  readonly lazy: boolean;
  readonly mapType: MapType;
  /** Importer's dma max segment size. */
  readonly maxSegSize: bigint;
  /** Segment boundary mask (default 4 GiB − 1). */
  readonly segBoundary?: bigint;
  /** Flush-queue size (lazy). */
  readonly fqEntries?: number;
  readonly pageSizes?: readonly bigint[];
}

export type ClosedForm =
  | {
      readonly ok: true;
      readonly map: CostLedger;
      readonly unmap: CostLedger;
      readonly segments: number;
    }
  | { readonly ok: false; readonly errno: 'EREMOTEIO' | 'EINVAL'; readonly message: string };

/** Any power-of-two alignment above every page size, for "aligned to its own size". */
const BIG = 1n << 50n;

const addPtes = (into: PerPageSize, p: PerPageSize, times: bigint) => {
  into['4K'] += p['4K'] * Number(times);
  into['2M'] += p['2M'] * Number(times);
  into['1G'] += p['1G'] * Number(times);
};

/** Pieces of one chunk of `size` split at `max`: runs of (length, count). */
function pieces(size: bigint, max: bigint): { len: bigint; count: bigint }[] {
  if (size <= max) return [{ len: size, count: 1n }];
  const full = size / max;
  const tail = size % max;
  return tail === 0n
    ? [{ len: max, count: full }]
    : [
        { len: max, count: full },
        { len: tail, count: 1n },
      ];
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * PTEs for one chunk's pieces mapped one by one, each at its own size-aligned IOVA. A piece's
 * leaves depend only on its offset modulo the largest page, so non-power-of-two piece lengths
 * repeat with a period of largest/gcd(max, largest) pieces; pieces shorter than the smallest
 * superpage are all granules.
 */
function piecePtes(
  size: bigint,
  max: bigint,
  pageSizes: readonly bigint[] = DEFAULT_PAGE_SIZES,
): PerPageSize {
  const out = zeroPerPageSize();
  const isPow2 = (max & (max - 1n)) === 0n;
  if (size <= max || isPow2) {
    const len = size <= max ? size : max;
    addPtes(out, pteCounts(BIG, BIG, len, pageSizes), size <= max ? 1n : size / max);
    return out;
  }
  const sorted = [...pageSizes].sort((a, b) => (a < b ? -1 : 1));
  const granule = sorted[0]!;
  const top = sorted[sorted.length - 1]!;
  if (sorted.length < 2 || max < sorted[1]!) {
    out[pageSizeName(granule)] += Number(size / granule);
    return out;
  }
  const full = size / max;
  const period = top / gcd(max, top);
  const piece = (j: bigint) => pteCounts(BIG, BIG + j * max, max, pageSizes);
  const cycle = zeroPerPageSize();
  for (let j = 0n; j < minBig(full, period); j++) addPtes(cycle, piece(j), 1n);
  if (full >= period) {
    addPtes(out, cycle, full / period);
    for (let j = 0n; j < full % period; j++) addPtes(out, piece(j), 1n);
  } else {
    addPtes(out, cycle, 1n);
  }
  const tail = size % max;
  if (tail > 0n) addPtes(out, pteCounts(BIG, BIG + full * max, tail, pageSizes), 1n);
  return out;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * dma_map_sg's merge of IOVA-contiguous entries (sizes ≤ max), greedy, per segment; in bulk where
 * the entries allow it. Exported for the differential test against a per-entry reference.
 */
export function mergedSegments(
  shape: ExportShape,
  pm: bigint,
  maxSeg: number,
  window: number,
): number {
  let segs = 0;
  let off = 0;
  let end = -1; // limit of the open segment (exclusive); -1 = none open
  // Runs of equal entries; chunks whose pieces are not uniform are emitted chunk by chunk.
  const seq: [number, bigint][] = [];
  for (const c of shape.classes) {
    const ps = pieces(c.size, pm);
    if (ps.length === 1) seq.push([Number(ps[0]!.len), ps[0]!.count * c.count]);
    else for (let i = 0n; i < c.count; i++) for (const p of ps) seq.push([Number(p.len), p.count]);
  }
  for (const [s, n0] of seq) {
    let n = Number(n0);
    while (n > 0) {
      if (end >= 0 && off + s <= end) {
        const t = Math.min(n, Math.floor((end - off) / s));
        off += t * s;
        n -= t;
        continue;
      }
      // New segments from `off`: each takes k = ⌊maxSeg/s⌋ entries but none crosses the window
      // end, so the r entries that fit before it take ⌈r/k⌉ segments; an entry straddling the
      // window end is a segment on its own. O(1) per window, not per entry.
      const winEnd = (Math.floor(off / window) + 1) * window;
      const k = Math.floor(maxSeg / s);
      const r = Math.floor((winEnd - off) / s);
      if (r === 0) {
        segs++;
        off += s;
        n -= 1;
        end = -1;
        continue;
      }
      const used = Math.min(n, r);
      const opened = Math.ceil(used / k);
      segs += opened;
      // the last one stays open: smaller entries that follow may still fit in it
      end = Math.min(off + (opened - 1) * k * s + maxSeg, winEnd);
      off += used * s;
      n -= used;
    }
  }
  return segs;
}

type ClosedFormError = Extract<ClosedForm, { ok: false }>;

/** What a strategy's closed form reads and fills: the map/unmap counts and the shape's totals. */
interface ClosedFormCtx {
  readonly m: CostCounts;
  readonly u: CostCounts;
  readonly shape: ExportShape;
  readonly env: ClosedFormEnv;
  /** Largest DMA piece: min(max segment size, SG_MAX_SEGMENT), page aligned. */
  readonly pm: bigint;
  /** Flush-queue entries. */
  readonly E: bigint;
  /** Export bytes, chunks, and pieces of at most `pm`. */
  readonly T: bigint;
  readonly N: bigint;
  readonly P: bigint;
  call(k: CostCounts, name: string, n: bigint): void;
  /** One IOVA range for the whole export, unmapped by one call (or none). */
  oneRange(unmapName: string | null): void;
}

/** A strategy's closed form: fills the counts, returns the DMA segment count or the error. */
type ClosedFormRule = (c: ClosedFormCtx) => bigint | ClosedFormError;

function mapResourceClosed({ m, u, shape, env, pm, E, P, call }: ClosedFormCtx): bigint {
  call(m, 'dma_map_resource', P);
  call(u, 'dma_unmap_resource', P);
  m.sgFills = Number(P);
  if (env.translating) {
    m.iovaAllocs = Number(P);
    m.iotlbSyncMap = Number(P);
    for (const c of shape.classes)
      addPtes(m.pteWrites, piecePtes(c.size, pm, env.pageSizes), c.count);
    u.pteClears = { ...m.pteWrites };
    if (env.lazy) {
      u.iotlbInvDeferred = Number(P);
      u.iotlbInvDomain = Number(P / E);
      u.iovaFrees = Number((P / E) * E);
    } else {
      u.iotlbInvRange = Number(P);
      u.iovaFrees = Number(P);
    }
  }
  return P;
}

/** dma_iova_link per chunk (translating) or dma_map_phys per chunk (direct). */
/** dma_iova_try_alloc + one dma_iova_link per chunk + sync: one range, segments of at most `seg`. */
function linkedRange({ m, T, N, call, oneRange }: ClosedFormCtx, seg: bigint): bigint {
  call(m, 'dma_iova_try_alloc', 1n);
  call(m, 'dma_iova_link', N);
  call(m, 'dma_iova_sync', 1n);
  oneRange('dma_iova_destroy');
  return ceilDiv(T, seg);
}

function iovaLinkClosed(c: ClosedFormCtx): bigint {
  const { m, u, env, pm, N, P, call } = c;
  let segments: bigint;
  if (env.translating) {
    segments = linkedRange(c, pm);
  } else {
    call(m, 'dma_map_phys', N);
    call(u, 'dma_unmap_phys', N);
    segments = P;
  }
  m.sgFills = Number(segments);
  return segments;
}

function physVecClosed(c: ClosedFormCtx): bigint | ClosedFormError {
  const { m, u, shape, env, N, call } = c;
  m.physVecEntries = Number(N);
  // fill_sg_entry splits each range at the sg length limit
  const split = () =>
    shape.classes.reduce((a, c) => a + c.count * ceilDiv(c.size, SG_MAX_SEGMENT), 0n);
  if (env.mapType === 'BUS_ADDR') {
    const segments = split();
    m.sgFills = Number(segments);
    return segments;
  }
  if (env.mapType !== 'THRU_HOST_BRIDGE') {
    return {
      ok: false,
      errno: 'EINVAL',
      message: `dma_buf_phys_vec_to_sgt: P2P map type ${env.mapType}`,
    };
  }
  let segments: bigint;
  if (env.translating) {
    segments = linkedRange(c, SG_MAX_SEGMENT);
  } else {
    // the free unmaps per entry
    segments = split();
    call(m, 'dma_map_phys', N);
    call(u, 'dma_unmap_phys', segments);
  }
  m.sgFills = Number(segments);
  return segments;
}

function p2pPagesClosed({
  m,
  u,
  shape,
  env,
  pm,
  T,
  P,
  call,
  oneRange,
}: ClosedFormCtx): bigint | ClosedFormError {
  m.structPages = Number(T / PAGE_SIZE);
  m.sgCpuEntries = Number(P);
  call(m, 'dma_map_sg', 1n);
  call(u, 'dma_unmap_sg', 1n);
  if (env.mapType !== 'BUS_ADDR' && env.mapType !== 'THRU_HOST_BRIDGE') {
    return { ok: false, errno: 'EREMOTEIO', message: `dma_map_sg: P2PDMA map type ${env.mapType}` };
  }
  if (env.mapType === 'BUS_ADDR' || !env.translating) {
    m.sgFills = Number(P);
    return P;
  }
  m.sgIommuWalks = Number(P);
  u.sgIommuWalks = Number(P);
  oneRange(null);
  const window = Number((env.segBoundary ?? 0xffff_ffffn) + 1n);
  return BigInt(mergedSegments(shape, pm, Number(env.maxSegSize), window));
}

/**
 * The strategy dispatch, one row per strategy: `run` maps on the model and records the enumerated
 * ledger (strategies/, what `runStrategy` calls), `closedForm` computes the same ledger from the
 * shape (closedFormLedger). Both dispatch through this table only.
 */
export const STRATEGY_TABLE: Readonly<
  Record<StrategyName, { readonly run: Strategy; readonly closedForm: ClosedFormRule }>
> = {
  'p2p-pages': { run: p2pPages, closedForm: p2pPagesClosed },
  'map-resource': { run: mapResource, closedForm: mapResourceClosed },
  'iova-link': { run: iovaLink, closedForm: iovaLinkClosed },
  'phys-vec': { run: physVec, closedForm: physVecClosed },
};

export function closedFormLedger(
  strategy: StrategyName,
  shape: ExportShape,
  env: ClosedFormEnv,
  cal: Calibration = DEFAULT_CALIBRATION,
): ClosedForm {
  const m = zeroCounts();
  const u = zeroCounts();
  const pm0 = minBig(env.maxSegSize, SG_MAX_SEGMENT);
  const pm = pm0 - (pm0 % PAGE_SIZE);
  const E = BigInt(env.fqEntries ?? cal.fqEntries);
  const T = shape.total;
  const N = shape.classes.reduce((a, c) => a + c.count, 0n);
  const P = shape.classes.reduce((a, c) => a + c.count * ceilDiv(c.size, pm), 0n);
  const chunkPtes = zeroPerPageSize();
  for (const c of shape.classes)
    addPtes(chunkPtes, pteCounts(BIG, BIG, c.size, env.pageSizes), c.count);
  const call = (k: CostCounts, name: string, n: bigint) => {
    if (n === 0n) return;
    k.calls[name] = (k.calls[name] ?? 0) + Number(n);
    if (env.translating) k.iommuCalls += Number(n);
  };
  /** One IOVA range for the whole export, unmapped by one call. */
  const oneRange = (unmapName: string | null): void => {
    m.iovaAllocs = 1;
    m.pteWrites = { ...chunkPtes };
    m.iotlbSyncMap = 1;
    u.pteClears = { ...chunkPtes };
    if (unmapName !== null) call(u, unmapName, 1n);
    if (env.lazy) u.iotlbInvDeferred = 1;
    else {
      u.iotlbInvRange = 1;
      u.iovaFrees = 1;
    }
  };
  const ctx: ClosedFormCtx = { m, u, shape, env, pm, E, T, N, P, call, oneRange };
  const r = STRATEGY_TABLE[strategy].closedForm(ctx);
  if (typeof r !== 'bigint') return r;
  const segments = r;
  m.sgDmaEntries = Number(segments);
  m.iovaLive = m.iovaAllocs - m.iovaFrees;
  return {
    ok: true,
    map: ledgerOf(m, cal, env.lazy, 'closed-form'),
    unmap: ledgerOf(u, cal, env.lazy, 'closed-form'),
    segments: Number(segments),
  };
}

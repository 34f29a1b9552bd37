import { PeerdmaError } from '../errors/index.js';
import type { PhysRange } from './types.js';

/**
 * The shape of an export as extents: how many chunks of each size, never one object per page.
 * Canonical layout (what the closed form assumes and `layoutChunks` produces): chunks in order of
 * decreasing size, each aligned to its size and followed by a gap of its own size (chunks of a
 * device allocation are not physically contiguous), starting at a BAR base aligned to the BAR.
 * Chunk sizes are powers of two ≥ 4 KiB (device allocation granularity).
 */
export interface ChunkClass {
  readonly size: bigint;
  readonly count: bigint;
}

export interface ExportShape {
  /** Sorted by decreasing size; sizes distinct. */
  readonly classes: readonly ChunkClass[];
  readonly total: bigint;
}

const UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  B: 1n,
  K: 1024n,
  KB: 1024n,
  KIB: 1024n,
  M: 1024n ** 2n,
  MB: 1024n ** 2n,
  MIB: 1024n ** 2n,
  G: 1024n ** 3n,
  GB: 1024n ** 3n,
  GIB: 1024n ** 3n,
  T: 1024n ** 4n,
  TB: 1024n ** 4n,
  TIB: 1024n ** 4n,
};

/** `64GiB`, `2MiB`, `4096`, `1T` (binary units; KB means KiB here). */
export function parseSize(text: string, field = 'size'): bigint {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    throw new PeerdmaError('E_USAGE', `not a size: '${text}' (e.g. 4KiB, 2MiB, 64GiB, 1TiB)`, {
      field,
    });
  }
  return BigInt(m[1]!) * unit;
}

export function formatSize(n: bigint): string {
  for (const [u, v] of [
    ['TiB', 1024n ** 4n],
    ['GiB', 1024n ** 3n],
    ['MiB', 1024n ** 2n],
    ['KiB', 1024n],
  ] as const) {
    if (n >= v && n % v === 0n) return `${n / v}${u}`;
  }
  return `${n}B`;
}

/** A segment limit; one below a power of two (0xffffffff) reads as `4GiB − 1`. */
export const formatSegLimit = (v: bigint): string =>
  ((v + 1n) & v) === 0n && v > 4096n ? `${formatSize(v + 1n)} − 1` : formatSize(v);

const isPow2 = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;

/**
 * `--chunk` grammar: `SIZE` (every chunk that size) or `mixed:SIZE*PCT%[,SIZE*PCT%…]` where the
 * percentages are shares of the export's bytes and sum to 100; each class gets
 * floor(total × pct / size) chunks and whatever is left is filled with the smallest size.
 * Example: `mixed:2MiB*90%,4KiB*10%`.
 */
export function parseChunkSpec(spec: string, total: bigint): ExportShape {
  const field = '--chunk';
  const parts: { size: bigint; pct: number }[] = [];
  if (spec.startsWith('mixed:')) {
    for (const item of spec.slice(6).split(',')) {
      const m = /^\s*([^*]+)\*\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(item);
      if (!m)
        throw new PeerdmaError(
          'E_USAGE',
          `bad mixed item '${item}' (want SIZE*PCT%, e.g. 2MiB*90%)`,
          { field },
        );
      parts.push({ size: parseSize(m[1]!, field), pct: Number(m[2]) });
    }
    const sum = parts.reduce((a, p) => a + p.pct, 0);
    if (Math.abs(sum - 100) > 1e-9)
      throw new PeerdmaError('E_USAGE', `mixed percentages sum to ${sum}%, not 100%`, { field });
  } else {
    parts.push({ size: parseSize(spec, field), pct: 100 });
  }
  for (const p of parts) {
    if (!isPow2(p.size) || p.size < 4096n) {
      throw new PeerdmaError(
        'E_USAGE',
        `chunk size ${formatSize(p.size)} must be a power of two ≥ 4KiB`,
        { field },
      );
    }
  }
  return shapeOf(parts, total, field);
}

function shapeOf(
  parts: readonly { size: bigint; pct: number }[],
  total: bigint,
  field: string,
): ExportShape {
  const sorted = [...parts].sort((a, b) => (a.size > b.size ? -1 : a.size < b.size ? 1 : 0));
  const counts = new Map<bigint, bigint>();
  let used = 0n;
  for (const p of sorted) {
    const share = (total * BigInt(Math.round(p.pct * 1e6))) / 100_000_000n;
    const n = share / p.size;
    counts.set(p.size, (counts.get(p.size) ?? 0n) + n);
    used += n * p.size;
  }
  const smallest = sorted[sorted.length - 1]!.size;
  const rest = total - used;
  if (rest % smallest !== 0n) {
    throw new PeerdmaError(
      'E_USAGE',
      `export size ${formatSize(total)} is not a multiple of the smallest chunk ${formatSize(smallest)}`,
      { field: '--size' },
    );
  }
  counts.set(smallest, (counts.get(smallest) ?? 0n) + rest / smallest);
  void field;
  const classes = [...counts]
    .filter(([, n]) => n > 0n)
    .map(([size, count]) => ({ size, count }))
    .sort((a, b) => (a.size > b.size ? -1 : 1));
  return { classes, total };
}

/** The canonical layout of a shape inside a BAR at `barBase` (enumerates: small shapes only). */
export function layoutChunks(shape: ExportShape, barBase: bigint): PhysRange[] {
  const out: PhysRange[] = [];
  let off = 0n;
  for (const c of shape.classes) {
    for (let i = 0n; i < c.count; i++) {
      out.push({ phys: barBase + off, len: c.size });
      off += 2n * c.size;
    }
  }
  return out;
}

/** BAR bytes the canonical layout spans (twice the export: each chunk is followed by a gap). */
export const layoutSpan = (shape: ExportShape): bigint => 2n * shape.total;

import { PeerdmaError, type SourceLocation } from '../../errors/index.js';
import type { BridgeWindow } from '../../pci/types.js';
import { alignDown, alignUp } from '../../util/bigint.js';
import { hex } from '../../util/hex.js';

export type Pool = BridgeWindow['space'];
export const POOLS: readonly Pool[] = ['io', 'mem', 'prefetch'];
const GRANULE: Readonly<Record<Pool, bigint>> = {
  io: 0x1000n,
  mem: 1n << 20n,
  prefetch: 1n << 20n,
};

/** A BAR being placed: `start` is filled in by allocation when the spec left it out. */
export interface AllocBar {
  readonly pool: Pool;
  readonly size: bigint;
  start: bigint | undefined;
}

/** A bus: the BARs of the functions on it, and the buses behind its bridges. */
export interface AllocBus {
  readonly bars: readonly AllocBar[];
  readonly below: readonly AllocBus[];
}

interface Block {
  readonly size: bigint;
  readonly align: bigint;
  place(base: bigint): void;
}

/**
 * Packs a bus like firmware does: biggest alignment first, each BAR naturally aligned, each bridge
 * window a multiple of the window granule (1 MiB memory, 4 KiB I/O) aligned to its largest BAR.
 */
function layout(bus: AllocBus, pool: Pool): Block {
  const gran = GRANULE[pool];
  const items: Block[] = bus.bars
    .filter((b) => b.pool === pool && b.start === undefined)
    .map((b) => ({
      size: b.size,
      align: b.size,
      place: (x: bigint) => {
        b.start = x;
      },
    }));
  for (const sub of bus.below) {
    const l = layout(sub, pool);
    if (l.size === 0n) continue;
    items.push({
      size: alignUp(l.size, gran),
      align: l.align > gran ? l.align : gran,
      place: l.place,
    });
  }
  items.sort((a, b) =>
    a.align === b.align
      ? a.size > b.size
        ? -1
        : a.size < b.size
          ? 1
          : 0
      : a.align > b.align
        ? -1
        : 1,
  );
  const offsets: bigint[] = [];
  let off = 0n;
  for (const it of items) {
    off = alignUp(off, it.align);
    offsets.push(off);
    off += it.size;
  }
  return {
    size: off,
    align: items[0]?.align ?? 1n,
    place: (base) => {
      items.forEach((it, i) => {
        it.place(base + offsets[i]!);
      });
    },
  };
}

/** Where each pool's next host bridge window starts, and where the pool ends. */
export interface PoolCursor {
  next: Record<Pool, bigint>;
}
export const newCursor = (): PoolCursor => ({
  next: { io: 0x1000n, mem: 0x8000_0000n, prefetch: 0x2000_0000_0000n },
});
const LIMIT: Readonly<Record<Pool, bigint>> = {
  io: 0x1_0000n,
  mem: 0xfc00_0000n,
  prefetch: 1n << 52n,
};
const MIN_ALIGN: Readonly<Record<Pool, bigint>> = {
  io: 0x1000n,
  mem: 1n << 20n,
  prefetch: 1n << 30n,
};

/** Allocates every BAR of one host bridge that has no address, from its windows or the cursor. */
export function allocateHostBridge(
  root: AllocBus,
  cursor: PoolCursor,
  fixed: Partial<Record<Pool, { base: bigint; size?: bigint }>>,
  where: SourceLocation,
): void {
  for (const pool of POOLS) {
    const l = layout(root, pool);
    if (l.size === 0n) continue;
    const align = l.align > MIN_ALIGN[pool] ? l.align : MIN_ALIGN[pool];
    const f = fixed[pool];
    const base = f ? f.base : alignUp(cursor.next[pool], align);
    if (base % l.align !== 0n) {
      throw new PeerdmaError(
        'E_SCHEMA',
        `window base ${hex(base)} is not aligned to ${hex(l.align)}, the largest BAR below it`,
        where,
      );
    }
    if (f?.size !== undefined && l.size > f.size) {
      throw new PeerdmaError(
        'E_SCHEMA',
        `BARs need ${hex(l.size)} bytes of ${pool} space, more than the window's ${hex(f.size)}`,
        where,
      );
    }
    if (!f && base + l.size > LIMIT[pool]) {
      throw new PeerdmaError(
        'E_SCHEMA',
        `${pool} address space exhausted placing this host bridge's BARs; give it an explicit window (mmio/mmio32) or BAR addresses`,
        where,
      );
    }
    l.place(base);
    if (!f) cursor.next[pool] = base + l.size;
  }
}

/** The windows a bridge needs to forward the BARs below it (one per pool, granule-aligned). */
export function windowsFor(bars: readonly AllocBar[]): BridgeWindow[] {
  const out: BridgeWindow[] = [];
  for (const pool of POOLS) {
    let lo: bigint | undefined;
    let hi = 0n;
    for (const b of bars) {
      if (b.pool !== pool || b.start === undefined) continue;
      if (lo === undefined || b.start < lo) lo = b.start;
      if (b.start + b.size > hi) hi = b.start + b.size;
    }
    if (lo === undefined) continue;
    const start = alignDown(lo, GRANULE[pool]);
    out.push({ space: pool, start, size: alignUp(hi, GRANULE[pool]) - start });
  }
  return out;
}

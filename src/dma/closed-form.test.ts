import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { IommuMode } from '../iommu/index.js';
import { type ClosedFormEnv, closedFormLedger, mergedSegments } from './closed-form.js';
import { type ExportShape, layoutChunks, parseChunkSpec } from './shape.js';
import { runStrategy, STRATEGY_NAMES, type StrategyName } from './strategies/index.js';
import { ACCEL_BAR, rig } from './testing/fabric.js';
import type { MapType } from './types.js';

const KiB = 1024n;
const MiB = 1024n * KiB;

/** Enumerated (model run) vs closed form: identical counts; the closed form says it ran. */
function compare(
  mode: IommuMode,
  mapType: MapType,
  spec: string,
  total: bigint,
  maxSeg: bigint,
  strategies: readonly StrategyName[] = STRATEGY_NAMES,
) {
  const shape = parseChunkSpec(spec, total);
  const r = rig({ mode }, mapType, { maxSegSize: maxSeg });
  const chunks = layoutChunks(shape, ACCEL_BAR);
  for (const s of strategies) {
    const cf = closedFormLedger(s, shape, {
      translating: mode === 'strict' || mode === 'lazy',
      lazy: mode === 'lazy',
      mapType,
      maxSegSize: maxSeg,
    });
    const run = runStrategy(s, { api: r.api, provider: r.accel, client: r.nic, chunks, dir: 0 });
    const where = `${s} ${mode} ${mapType} ${spec} ${total} seg=${maxSeg}`;
    if (!cf.ok) {
      assert.equal(run.ok, false, where);
      continue;
    }
    assert.ok(run.ok, where);
    const unmap = run.value.unmap();
    assert.equal(cf.map.method, 'closed-form');
    assert.equal(run.value.ledger.method, 'enumerated');
    assert.deepEqual(cf.map.counts, run.value.ledger.counts, `map ${where}`);
    assert.deepEqual(cf.unmap.counts, unmap.counts, `unmap ${where}`);
    assert.equal(cf.segments, run.value.segments.length, where);
    assert.ok(
      run.value.segments.every((g) => g.len <= 0xffff_ffffn),
      `32-bit sg lengths ${where}`,
    );
    assert.equal(cf.map.cpu.totalNs, run.value.ledger.cpu.totalNs, where);
  }
}

test('closed form equals enumeration on the founding cases (2 MiB chunks, one 4 KiB page)', () => {
  for (const mode of ['none', 'passthrough', 'strict', 'lazy'] as const) {
    for (const mt of ['BUS_ADDR', 'THRU_HOST_BRIDGE', 'NOT_SUPPORTED'] as const) {
      compare(mode, mt, '2MiB', 16n * MiB, 2n * 1024n * MiB);
      compare(mode, mt, '4KiB', 4n * KiB, 2n * 1024n * MiB);
      compare(mode, mt, 'mixed:2MiB*90%,4KiB*10%', 8n * MiB, 64n * KiB);
    }
  }
});

test('closed form equals enumeration for random shapes and segment limits', () => {
  const sizes = [4n * KiB, 8n * KiB, 64n * KiB, 2n * MiB, 4n * MiB];
  fc.assert(
    fc.property(
      fc.constantFrom(...sizes),
      fc.constantFrom(...sizes),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom(4n * KiB, 64n * KiB, 1n * MiB, 2n * 1024n * MiB),
      fc.constantFrom<IommuMode>('none', 'strict', 'lazy'),
      fc.constantFrom<MapType>('BUS_ADDR', 'THRU_HOST_BRIDGE'),
      (a, b, pct, units, maxSeg, mode, mt) => {
        const total = BigInt(units) * 4n * MiB;
        compare(mode, mt, `mixed:${a}*${pct}%,${b}*${100 - pct}%`, total, maxSeg);
      },
    ),
    { numRuns: 40, seed: 7 },
  );
});

test('lazy mode: closed form counts flush-queue drains like the model (more pieces than the queue)', () => {
  // 1 MiB in 4 KiB chunks = 256 map_resource pieces = exactly one full flush queue.
  compare('lazy', 'THRU_HOST_BRIDGE', '4KiB', 1n * MiB + 64n * KiB, 2n * 1024n * MiB);
});

test('1 TiB at 4 KiB computes from extents: 268 M pages, no per-page objects', () => {
  const shape = parseChunkSpec('4KiB', 1n << 40n);
  assert.equal(shape.classes.length, 1);
  const env: ClosedFormEnv = {
    translating: true,
    lazy: false,
    mapType: 'THRU_HOST_BRIDGE',
    maxSegSize: 2n << 30n,
  };
  const cf = closedFormLedger('map-resource', shape, env);
  assert.ok(cf.ok);
  assert.equal(cf.map.counts.calls['dma_map_resource'], 268_435_456);
  assert.equal(cf.map.counts.iovaAllocs, 268_435_456);
  assert.equal(cf.map.counts.pteWrites['4K'], 268_435_456);
  const pages = closedFormLedger('p2p-pages', shape, env);
  assert.ok(pages.ok);
  // 64 B of struct page per 4 KiB: 16 GiB for 1 TiB (published-numbers §1.5).
  assert.equal(pages.map.metadata.structPages, 16 * 1024 ** 3);
  assert.equal(pages.map.counts.iovaAllocs, 1);
});

/** Per-entry greedy merge: what mergedSegments must equal, one entry at a time. */
function mergeReference(shape: ExportShape, pm: bigint, maxSeg: number, window: number): number {
  let segs = 0;
  let off = 0;
  let end = -1;
  for (const c of shape.classes) {
    for (let i = 0n; i < c.count; i++) {
      for (let left = c.size; left > 0n; ) {
        const s = Number(left < pm ? left : pm);
        left -= BigInt(s);
        if (end >= 0 && off + s <= end) {
          off += s;
          continue;
        }
        segs++;
        const winEnd = (Math.floor(off / window) + 1) * window;
        end = off + s > winEnd ? -1 : Math.min(off + maxSeg, winEnd);
        off += s;
      }
    }
  }
  return segs;
}

test('dma_map_sg merge in bulk equals the per-entry merge (odd segment limits, small windows)', () => {
  const sizes = [4n * KiB, 8n * KiB, 16n * KiB, 64n * KiB, 256n * KiB, 2n * MiB];
  fc.assert(
    fc.property(
      fc.constantFrom(...sizes),
      fc.constantFrom(...sizes),
      fc.constantFrom(...sizes),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(16 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024),
      (a, b, c, pa, pb, units, seg4k, window) => {
        const spec = `mixed:${a}*${pa}%,${b}*${pb}%,${c}*${100 - pa - pb}%`;
        const shape = parseChunkSpec(spec, BigInt(units) * 4n * MiB);
        const maxSeg = seg4k * 4096;
        const pm = BigInt(maxSeg);
        assert.equal(
          mergedSegments(shape, pm, maxSeg, window),
          mergeReference(shape, pm, maxSeg, window),
          `${spec} ${units}×4MiB seg=${maxSeg} window=${window}`,
        );
      },
    ),
    { numRuns: 400, seed: 11 },
  );
});

test('chunks of 4 GiB and more: every sg entry stays below the 32-bit length limit', () => {
  for (const mode of ['none', 'strict'] as const) {
    compare(mode, 'THRU_HOST_BRIDGE', '8GiB', 16n * 1024n * MiB, 2n * 1024n * MiB);
    compare(mode, 'BUS_ADDR', '8GiB', 16n * 1024n * MiB, 2n * 1024n * MiB);
  }
});

test('odd importer segment limits: pieces of 3 MiB and 1.5 GiB get the page mix the model maps', () => {
  for (const mode of ['strict', 'lazy'] as const) {
    compare(mode, 'THRU_HOST_BRIDGE', '64MiB', 128n * MiB, 3n * MiB);
    compare(mode, 'THRU_HOST_BRIDGE', '4GiB', 8n * 1024n * MiB, 1536n * MiB);
  }
});

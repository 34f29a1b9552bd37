import type { IommuMode } from '../iommu/types.js';
import type { Calibration } from './calibration.js';
import { closedFormLedger } from './closed-form.js';
import type { CostLedger } from './ledger.js';
import { type ExportShape, formatSize, parseChunkSpec } from './shape.js';
import type { StrategyName } from './strategies/types.js';
import type { MapType } from './types.js';

/**
 * Strategy comparison over export sizes, from the closed-form ledgers: what `peerdma map-cost`
 * prints and charts, and the conclusion it draws (winner per size, crossover, memory vs CPU).
 */
export interface CompareEnv {
  readonly mode: IommuMode;
  readonly mapType: MapType;
  readonly maxSegSize: bigint;
  readonly calibration: Calibration;
}

export interface StrategyCost {
  readonly strategy: StrategyName;
  readonly ok: boolean;
  /** errno and message when the strategy cannot map this pair. */
  readonly error?: string;
  readonly segments: number;
  readonly map?: CostLedger;
  readonly unmap?: CostLedger;
  /** map + unmap CPU estimate, ns. */
  readonly cpuNs: number;
  /** Metadata held while mapped, bytes. */
  readonly metadataBytes: number;
  /** One-time memmap init of struct pages, ns. */
  readonly setupNs: number;
}

export interface CaseCost {
  readonly size: bigint;
  readonly chunk: string;
  readonly shape: ExportShape;
  readonly costs: readonly StrategyCost[];
}

const translating = (m: IommuMode) => m === 'strict' || m === 'lazy';

export function costCase(
  strategies: readonly StrategyName[],
  size: bigint,
  chunk: string,
  env: CompareEnv,
): CaseCost {
  const shape = parseChunkSpec(chunk, size);
  const costs = strategies.map((s): StrategyCost => {
    const cf = closedFormLedger(
      s,
      shape,
      {
        translating: translating(env.mode),
        lazy: env.mode === 'lazy',
        mapType: env.mapType,
        maxSegSize: env.maxSegSize,
      },
      env.calibration,
    );
    if (!cf.ok) {
      return {
        strategy: s,
        ok: false,
        error: `${cf.errno}: ${cf.message}`,
        segments: 0,
        cpuNs: 0,
        metadataBytes: 0,
        setupNs: 0,
      };
    }
    return {
      strategy: s,
      ok: true,
      segments: cf.segments,
      map: cf.map,
      unmap: cf.unmap,
      cpuNs: cf.map.cpu.totalNs + cf.unmap.cpu.totalNs,
      metadataBytes: cf.map.metadata.total,
      setupNs: cf.map.cpu.setupNs,
    };
  });
  return { size, chunk, shape, costs };
}

/** Sizes for the sweep: powers of two from the smallest chunk up to max(size, 1 TiB). */
export function sweepSizes(chunk: string, size: bigint): bigint[] {
  const smallest = parseChunkSpec(chunk, 1n << 40n).classes.at(-1)!.size;
  const top = size > 1n << 40n ? size : 1n << 40n;
  const out: bigint[] = [];
  for (let s = smallest; s <= top; s *= 2n) out.push(s);
  if (out[out.length - 1] !== top) out.push(top);
  return out;
}

export const winner = (c: CaseCost): StrategyCost | undefined =>
  c.costs.filter((x) => x.ok).sort((a, b) => a.cpuNs - b.cpuNs)[0];

const fmtNs = (ns: number) =>
  ns >= 1e9
    ? `${(ns / 1e9).toFixed(2)} s`
    : ns >= 1e6
      ? `${(ns / 1e6).toFixed(2)} ms`
      : ns >= 1e3
        ? `${(ns / 1e3).toFixed(1)} µs`
        : `${ns.toFixed(0)} ns`;
function fmtBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = b;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${Number.isInteger(x) ? x : x.toFixed(1)} ${units[i]}`;
}

export { fmtBytes, fmtNs };

/** Sentences generated from the numbers. */
export function conclude(
  main: CaseCost,
  sweep: readonly CaseCost[],
  founding: readonly CaseCost[],
  env: CompareEnv,
): string[] {
  const out: string[] = [];
  const w = winner(main);
  const ok = main.costs.filter((c) => c.ok);
  if (w) {
    const worst = [...ok].sort((a, b) => b.cpuNs - a.cpuNs)[0]!;
    out.push(
      `At ${formatSize(main.size)} in ${main.chunk} chunks (${env.mode}, ${env.mapType}) ${w.strategy} is cheapest: ${fmtNs(w.cpuNs)} map+unmap; ${worst.strategy} costs ${fmtNs(worst.cpuNs)}${w.cpuNs > 0 ? ` (${(worst.cpuNs / w.cpuNs).toFixed(1)}×)` : ''}.`,
    );
  }
  const mr = main.costs.find((c) => c.strategy === 'map-resource' && c.ok);
  const batched = ok
    .filter((c) => c.strategy === 'iova-link' || c.strategy === 'phys-vec')
    .sort((a, b) => a.cpuNs - b.cpuNs)[0];
  if (mr?.map && batched?.map && translating(env.mode)) {
    out.push(
      `A dma_map_resource loop takes ${mr.map.counts.iovaAllocs} IOVA allocations and ${mr.unmap!.counts.iotlbInvRange + mr.unmap!.counts.iotlbInvDeferred} IOTLB invalidations; ${batched.strategy} takes ${batched.map.counts.iovaAllocs} and ${batched.unmap!.counts.iotlbInvRange + batched.unmap!.counts.iotlbInvDeferred} (the founding mail's point).`,
    );
  }
  if (env.mapType === 'BUS_ADDR' && translating(env.mode)) {
    out.push(
      'The pair is BUS_ADDR: p2p-pages and phys-vec hand out bus addresses (no IOMMU work, routed by the switch); map-resource and iova-link never do — their IOVAs send every transfer up to the root complex and the IOMMU.',
    );
  }
  const pages = main.costs.find((c) => c.strategy === 'p2p-pages' && c.ok);
  if (pages?.map) {
    out.push(
      `Memory vs CPU: p2p-pages needs ${fmtBytes(pages.map.metadata.structPages)} of struct pages (64 B per 4 KiB) and ${fmtNs(pages.setupNs)} of memmap init before the first map; the page-less strategies hold ${fmtBytes(Math.min(...ok.filter((c) => c.strategy !== 'p2p-pages').map((c) => c.metadataBytes)))} or less.`,
    );
  }
  // Winner by size and crossovers along the sweep.
  const runs: { s: string; from: bigint; to: bigint }[] = [];
  for (const c of sweep) {
    const name = winner(c)?.strategy ?? 'none';
    const last = runs[runs.length - 1];
    if (last && last.s === name) last.to = c.size;
    else runs.push({ s: name, from: c.size, to: c.size });
  }
  if (runs.length > 0) {
    out.push(
      `Cheapest by export size (${sweep[0]!.chunk} chunks): ${runs.map((r) => `${r.s} ${r.from === r.to ? `at ${formatSize(r.from)}` : `${formatSize(r.from)}–${formatSize(r.to)}`}`).join('; ')}.`,
    );
  }
  const cross = crossover(sweep, 'map-resource');
  if (cross) out.push(cross);
  for (const c of founding) {
    const fw = winner(c);
    if (fw)
      out.push(
        `Founding case ${formatSize(c.size)} in ${c.chunk} chunks: ${fw.strategy} wins (${fmtNs(fw.cpuNs)}).`,
      );
  }
  return out;
}

/** First sweep size from which `a` stops being cheaper than the best batched strategy. */
function crossover(sweep: readonly CaseCost[], a: StrategyName): string | null {
  let prevA: boolean | null = null;
  for (const c of sweep) {
    const x = c.costs.find((k) => k.strategy === a && k.ok);
    const others = c.costs.filter((k) => k.ok && k.strategy !== a && k.strategy !== 'p2p-pages');
    if (!x || others.length === 0) return null;
    const best = others.sort((p, q) => p.cpuNs - q.cpuNs)[0]!;
    const aWins = x.cpuNs <= best.cpuNs;
    if (prevA === true && !aWins) {
      return `Crossover: ${a} is cheaper only below ${formatSize(c.size)}; from there ${best.strategy} wins.`;
    }
    prevA = aWins;
  }
  return prevA === false ? `No crossover: ${a} never beats the batched strategies here.` : null;
}

import type { IommuMode } from '../iommu/types.js';
import type { Calibration } from './calibration.js';
import { closedFormLedger } from './closed-form.js';
import type { CostLedger } from './ledger.js';
import { type ExportShape, parseChunkSpec } from './shape.js';
import { STRATEGY_NAMES, type StrategyName } from './strategies/types.js';
import type { MapType } from './types.js';

/**
 * Strategy comparison over export sizes, from the closed-form ledgers: what `peerdma map-cost`
 * prints and charts (winner per size, crossovers); src/app/map-cost-findings.ts draws the conclusions.
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

/** Costs within this fraction of the cheapest count as a tie (calibration is not that precise). */
export const TIE_TOLERANCE = 0.01;

/** Every strategy within TIE_TOLERANCE of the cheapest, cheapest first (stable on equal cost). */
export function winners(c: CaseCost, tol = TIE_TOLERANCE): StrategyCost[] {
  const ok = c.costs.filter((x) => x.ok).sort((a, b) => a.cpuNs - b.cpuNs);
  const best = ok[0];
  return best === undefined ? [] : ok.filter((x) => x.cpuNs <= best.cpuNs * (1 + tol));
}

/** The cheapest strategy (map+unmap CPU). */
export const winner = (c: CaseCost): StrategyCost | undefined => winners(c)[0];

/** Tied strategies in the fixed strategy order, so a tie reads the same at every size. */
export const tieName = (xs: readonly StrategyCost[]): string =>
  xs
    .map((x) => x.strategy)
    .sort((a, b) => STRATEGY_NAMES.indexOf(a) - STRATEGY_NAMES.indexOf(b))
    .join('≈');

/** A run of consecutive sweep sizes with the same cheapest strategy (ties joined with ≈). */
export interface WinnerRun {
  readonly name: string;
  readonly from: CaseCost;
  to: CaseCost;
}

/** The sweep cut into runs of equal winners; every boundary between two runs is a crossover. */
export function winnerRuns(sweep: readonly CaseCost[]): WinnerRun[] {
  const runs: WinnerRun[] = [];
  for (const c of sweep) {
    const name = tieName(winners(c)) || 'none';
    const last = runs[runs.length - 1];
    if (last && last.name === name) last.to = c;
    else runs.push({ name, from: c, to: c });
  }
  return runs;
}

import type { IommuMode } from '../iommu/types.js';
import type { Calibration } from './calibration.js';
import { closedFormLedger } from './closed-form.js';
import type { CostLedger } from './ledger.js';
import { type ExportShape, formatSize, parseChunkSpec } from './shape.js';
import { STRATEGY_NAMES, type StrategyName } from './strategies/types.js';
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

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b < 2 ? 2 : 1)}×` : '∞×');
const plural = (n: bigint | number, what: string) => `${n} ${what}${BigInt(n) === 1n ? '' : 's'}`;
const invalidations = (k: StrategyCost) =>
  (k.unmap?.counts.iotlbInvRange ?? 0) + (k.unmap?.counts.iotlbInvDeferred ?? 0);
const chunkCount = (c: CaseCost) => c.shape.classes.reduce((a, k) => a + k.count, 0n);

/**
 * Sentences generated from the numbers (only the sentence frames are fixed): the cheapest strategy
 * and ties, the dma_map_resource loop against one IOVA range, bus addresses, the memory-versus-CPU
 * trade-off with its break-even, the winner by export size with the crossovers, the mail's cases.
 */
export function conclude(
  main: CaseCost,
  sweep: readonly CaseCost[],
  founding: readonly CaseCost[],
  env: CompareEnv,
): string[] {
  const out: string[] = [];
  const ok = main.costs.filter((c) => c.ok);
  const ws = winners(main);
  const w = ws[0];
  if (w) {
    const worst = [...ok].sort((a, b) => b.cpuNs - a.cpuNs)[0]!;
    const lead = ws.length > 1 ? `${tieName(ws)} tie as cheapest` : `${w.strategy} is cheapest`;
    const tail = ws.includes(worst)
      ? ''
      : `; ${worst.strategy} costs ${fmtNs(worst.cpuNs)} (${ratio(worst.cpuNs, w.cpuNs)})`;
    out.push(
      `At ${formatSize(main.size)} in ${main.chunk} chunks (${env.mode}, ${env.mapType}) ${lead}: ${fmtNs(w.cpuNs)} map+unmap${tail}.`,
    );
  }
  for (const c of main.costs)
    if (!c.ok) out.push(`${c.strategy} cannot map this pair: ${c.error}.`);
  for (const s of [loopSentence(main, env), busSentence(main, env), memorySentence(main)]) {
    if (s !== null) out.push(s);
  }
  out.push(...sizeSentences(sweep));
  const mail = mailCrossover(sweep, env);
  if (mail !== null) out.push(mail);
  founding.forEach((c, i) => {
    const fw = winners(c);
    if (fw.length === 0) return;
    const rest = c.costs
      .filter((k) => k.ok && !fw.includes(k))
      .map((k) => `${k.strategy} ${ratio(k.cpuNs, fw[0]!.cpuNs)}`);
    const what = i === 0 ? '≥2 MiB chunks' : 'a single 4 KiB page';
    out.push(
      `The mail's case "${what}" (${formatSize(c.size)} in ${c.chunk} chunks): ${tieName(fw)} ${fw.length > 1 ? 'tie' : 'wins'} at ${fmtNs(fw[0]!.cpuNs)}${rest.length > 0 ? `; ${rest.join(', ')} of that` : ''}.`,
    );
  });
  return out;
}

/** The cheapest of `xs` and every one tied with it, named `a≈b`. */
function bestOf(xs: readonly StrategyCost[]): { best: StrategyCost; name: string } | null {
  const sorted = [...xs].sort((a, b) => a.cpuNs - b.cpuNs);
  const best = sorted[0];
  if (best === undefined) return null;
  return {
    best,
    name: tieName(sorted.filter((x) => x.cpuNs <= best.cpuNs * (1 + TIE_TOLERANCE))),
  };
}

/** The founding mail's point: one IOVA allocation and IOTLB invalidation per dma_map_resource. */
function loopSentence(main: CaseCost, env: CompareEnv): string | null {
  const mr = main.costs.find((c) => c.strategy === 'map-resource' && c.ok);
  const group = bestOf(
    main.costs
      .filter((c) => c.ok && c.strategy !== 'map-resource' && c.strategy !== 'p2p-pages')
      .filter((c) => (c.map?.counts.iovaAllocs ?? 0) > 0),
  );
  const batched = group?.best;
  if (!mr?.map || !mr.unmap || mr.map.counts.iovaAllocs === 0 || !batched?.map) return null;
  const kind = env.mode === 'lazy' ? 'queued' : 'synchronous';
  const drains =
    env.mode === 'lazy' ? ` (${mr.unmap.counts.iotlbInvDomain} flush-queue drains)` : '';
  const verdict =
    mr.cpuNs > batched.cpuNs * (1 + TIE_TOLERANCE)
      ? `the loop costs ${ratio(mr.cpuNs, batched.cpuNs)} as much (${fmtNs(mr.cpuNs)} vs ${fmtNs(batched.cpuNs)})`
      : `with this few chunks the loop is no dearer (${fmtNs(mr.cpuNs)} vs ${fmtNs(batched.cpuNs)})`;
  return `A dma_map_resource loop (${plural(mr.map.counts.calls.dma_map_resource ?? 0, 'call')} for ${plural(chunkCount(main), 'chunk')}) makes ${mr.map.counts.iovaAllocs} IOVA allocations and ${invalidations(mr)} ${kind} IOTLB invalidations${drains}; ${group!.name} make${group!.name.includes('≈') ? '' : 's'} ${batched.map.counts.iovaAllocs} and ${invalidations(batched)}: ${verdict}.`;
}

/** BUS_ADDR under an IOMMU: who hands out bus addresses (no IOVA) and who sends TLPs to the IOMMU. */
function busSentence(main: CaseCost, env: CompareEnv): string | null {
  if (env.mapType !== 'BUS_ADDR' || !translating(env.mode)) return null;
  const ok = main.costs.filter((c) => c.ok && c.map);
  const bus = ok.filter((c) => c.map!.counts.iovaAllocs === 0).map((c) => c.strategy);
  const iova = ok.filter((c) => c.map!.counts.iovaAllocs > 0).map((c) => c.strategy);
  if (bus.length === 0) return null;
  return `The pair is BUS_ADDR: ${bus.join(' and ')} hand out bus addresses (no IOVA, no IOTLB work; the switch routes peer to peer)${iova.length > 0 ? `; ${iova.join(' and ')} hand out IOVAs, which send every transfer up to the root complex and the IOMMU` : ''}.`;
}

/** Struct pages cost memory and setup time; do they buy CPU time back, and after how many maps? */
function memorySentence(main: CaseCost): string | null {
  const pages = main.costs.find((c) => c.strategy === 'p2p-pages' && c.ok);
  if (!pages?.map) return null;
  const m = pages.map;
  const per = m.counts.structPages > 0 ? m.metadata.structPages / m.counts.structPages : 0;
  const head = `Memory vs CPU: p2p-pages needs ${fmtBytes(m.metadata.structPages)} of struct pages (${fmtBytes(per)} per 4 KiB) and ${fmtNs(pages.setupNs)} of memmap init before the first map`;
  const others = main.costs.filter((c) => c.ok && c.strategy !== 'p2p-pages');
  if (others.length === 0) return `${head}.`;
  const held = others.map((c) => c.metadataBytes);
  const [lo, hi] = [Math.min(...held), Math.max(...held)];
  const hold = fmtBytes(lo) === fmtBytes(hi) ? fmtBytes(lo) : `${fmtBytes(lo)}–${fmtBytes(hi)}`;
  const best = [...others].sort((a, b) => a.cpuNs - b.cpuNs)[0]!;
  const saved = best.cpuNs - pages.cpuNs;
  if (saved > pages.cpuNs * TIE_TOLERANCE) {
    const cycles = Math.ceil(pages.setupNs / saved);
    return `${head}; the page-less strategies hold ${hold}. In exchange p2p-pages saves ${fmtNs(saved)} per map+unmap against ${best.strategy} (${ratio(best.cpuNs, pages.cpuNs)}), so the memmap init pays for itself after ${cycles} map/unmap cycle(s): memory bought with CPU.`;
  }
  const same = -saved <= best.cpuNs * TIE_TOLERANCE;
  return `${head}; the page-less strategies hold ${hold}, and ${best.strategy} is ${same ? 'as cheap' : `also ${fmtNs(-saved)} cheaper`} per map+unmap: no trade-off here, the struct pages buy no CPU time.`;
}

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

/** Winner (with ties) along the sweep, and every change of winner as a crossover. */
function sizeSentences(sweep: readonly CaseCost[]): string[] {
  const runs = winnerRuns(sweep);
  if (runs.length === 0) return [];
  const span = (r: WinnerRun) =>
    r.from === r.to
      ? `at ${formatSize(r.from.size)}`
      : `${formatSize(r.from.size)}–${formatSize(r.to.size)}`;
  const out = [
    `Cheapest by export size (${sweep[0]!.chunk} chunks): ${runs.map((r) => `${r.name} ${span(r)}`).join('; ')}.`,
  ];
  if (runs.length === 1) {
    out.push(`No crossover: ${runs[0]!.name} is cheapest at every size swept.`);
    return out;
  }
  const steps = runs
    .slice(1)
    .map(
      (r, i) =>
        `at ${formatSize(r.from.size)} (${plural(chunkCount(r.from), 'chunk')}) ${runs[i]!.name} gives way to ${r.name}`,
    );
  out.push(`Crossover${steps.length > 1 ? 's' : ''}: ${steps.join('; ')}.`);
  return out;
}

/** The mail's question on the IOMMU path: up to which size does the dma_map_resource loop keep up? */
function mailCrossover(sweep: readonly CaseCost[], env: CompareEnv): string | null {
  if (!translating(env.mode)) return null;
  let lastCheaper: CaseCost | null = null;
  for (const c of sweep) {
    const mr = c.costs.find((k) => k.strategy === 'map-resource' && k.ok);
    // the single-IOVA strategies (phys-vec on a BUS_ADDR pair uses no IOVA at all)
    const others = c.costs.filter(
      (k) =>
        k.ok &&
        (k.strategy === 'iova-link' || k.strategy === 'phys-vec') &&
        (k.map?.counts.iovaAllocs ?? 0) > 0,
    );
    if (!mr || others.length === 0) return null;
    const { best, name } = bestOf(others)!;
    if (mr.cpuNs <= best.cpuNs * (1 + TIE_TOLERANCE)) lastCheaper = c;
    else if (lastCheaper === null) {
      return `The dma_map_resource loop never keeps up with ${name} here, not even at ${formatSize(c.size)}.`;
    } else {
      return `The dma_map_resource loop keeps up with the single-IOVA strategies only up to ${formatSize(lastCheaper.size)} (${plural(chunkCount(lastCheaper), 'chunk')}); from ${formatSize(c.size)} ${name} ${name.includes('≈') ? 'are' : 'is'} cheaper.`;
    }
  }
  return lastCheaper === null
    ? null
    : 'The dma_map_resource loop keeps up with the single-IOVA strategies at every size swept.';
}

/**
 * The conclusions of `map-cost` as data: which strategy is cheapest and by how much, what the
 * dma_map_resource loop costs against one IOVA range, who uses bus addresses, whether struct pages
 * buy CPU time back, the winner along the size sweep and its crossovers, the founding mail's cases.
 * Every number a sentence needs is in the evidence; src/report/findings.ts words them.
 */
import {
  type CaseCost,
  type CompareEnv,
  type StrategyCost,
  TIE_TOLERANCE,
  tieName,
  winnerRuns,
  winners,
} from '../dma/index.js';
import type { Finding, MapCostCode, Severity } from './findings.js';

const translating = (env: CompareEnv) => env.mode === 'strict' || env.mode === 'lazy';
const invalidations = (k: StrategyCost) =>
  (k.unmap?.counts.iotlbInvRange ?? 0) + (k.unmap?.counts.iotlbInvDeferred ?? 0);
const chunkCount = (c: CaseCost) => c.shape.classes.reduce((a, k) => a + k.count, 0n);

const finding = (
  code: MapCostCode,
  subject: readonly string[],
  evidence: Record<string, unknown>,
  severity: Severity = 'info',
): Finding<MapCostCode> => ({ code, severity, subject, evidence, hint: null });

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

function cheapest(main: CaseCost, env: CompareEnv): Finding<MapCostCode> | null {
  const ws = winners(main);
  const w = ws[0];
  if (!w) return null;
  const worst = [...main.costs.filter((c) => c.ok)].sort((a, b) => b.cpuNs - a.cpuNs)[0]!;
  return finding(
    'cheapest_strategy',
    ws.map((x) => x.strategy),
    {
      size: main.size,
      chunk: main.chunk,
      mode: env.mode,
      mapType: env.mapType,
      winners: tieName(ws),
      tie: ws.length > 1,
      cpuNs: w.cpuNs,
      worst: ws.includes(worst) ? null : { strategy: worst.strategy, cpuNs: worst.cpuNs },
    },
  );
}

/** The founding mail's point: one IOVA allocation and IOTLB invalidation per dma_map_resource. */
function loop(main: CaseCost, env: CompareEnv): Finding<MapCostCode> | null {
  const mr = main.costs.find((c) => c.strategy === 'map-resource' && c.ok);
  const group = bestOf(
    main.costs
      .filter((c) => c.ok && c.strategy !== 'map-resource' && c.strategy !== 'p2p-pages')
      .filter((c) => (c.map?.counts.iovaAllocs ?? 0) > 0),
  );
  const batched = group?.best;
  if (!mr?.map || !mr.unmap || mr.map.counts.iovaAllocs === 0 || !batched?.map) return null;
  const dearer = mr.cpuNs > batched.cpuNs * (1 + TIE_TOLERANCE);
  return finding(
    'map_resource_loop',
    ['map-resource', ...group!.name.split('≈')],
    {
      calls: mr.map.counts.calls.dma_map_resource ?? 0,
      chunks: chunkCount(main),
      iovaAllocs: mr.map.counts.iovaAllocs,
      invalidations: invalidations(mr),
      lazy: env.mode === 'lazy',
      drains: mr.unmap.counts.iotlbInvDomain,
      group: group!.name,
      groupIovaAllocs: batched.map.counts.iovaAllocs,
      groupInvalidations: invalidations(batched),
      loopCpuNs: mr.cpuNs,
      groupCpuNs: batched.cpuNs,
      dearer,
    },
    dearer ? 'warning' : 'info',
  );
}

/** BUS_ADDR under an IOMMU: who hands out bus addresses (no IOVA) and who sends TLPs to the IOMMU. */
function busAddr(main: CaseCost, env: CompareEnv): Finding<MapCostCode> | null {
  if (env.mapType !== 'BUS_ADDR' || !translating(env)) return null;
  const ok = main.costs.filter((c) => c.ok && c.map);
  const bus = ok.filter((c) => c.map!.counts.iovaAllocs === 0).map((c) => c.strategy);
  const iova = ok.filter((c) => c.map!.counts.iovaAllocs > 0).map((c) => c.strategy);
  if (bus.length === 0) return null;
  return finding('bus_addr_strategies', [...bus, ...iova], { bus, iova });
}

/** Struct pages cost memory and setup time; do they buy CPU time back, and after how many maps? */
function memory(main: CaseCost): Finding<MapCostCode> | null {
  const pages = main.costs.find((c) => c.strategy === 'p2p-pages' && c.ok);
  if (!pages?.map) return null;
  const m = pages.map;
  const base = {
    structPageBytes: m.metadata.structPages,
    perPageBytes: m.counts.structPages > 0 ? m.metadata.structPages / m.counts.structPages : 0,
    setupNs: pages.setupNs,
  };
  const others = main.costs.filter((c) => c.ok && c.strategy !== 'p2p-pages');
  if (others.length === 0)
    return finding('memory_vs_cpu', ['p2p-pages'], { ...base, others: null });
  const held = others.map((c) => c.metadataBytes);
  const best = [...others].sort((a, b) => a.cpuNs - b.cpuNs)[0]!;
  const savedNs = best.cpuNs - pages.cpuNs;
  const paysBack = savedNs > pages.cpuNs * TIE_TOLERANCE;
  return finding('memory_vs_cpu', ['p2p-pages', best.strategy], {
    ...base,
    others: {
      heldMin: Math.min(...held),
      heldMax: Math.max(...held),
      best: best.strategy,
      bestCpuNs: best.cpuNs,
      pagesCpuNs: pages.cpuNs,
      savedNs,
      paysBack,
      cycles: paysBack ? Math.ceil(pages.setupNs / savedNs) : null,
      asCheap: -savedNs <= best.cpuNs * TIE_TOLERANCE,
    },
  });
}

/** Winner (with ties) along the sweep, and every change of winner as a crossover. */
function bySize(sweep: readonly CaseCost[]): Finding<MapCostCode>[] {
  const runs = winnerRuns(sweep).map((r) => ({
    name: r.name,
    from: r.from.size,
    to: r.to.size,
    fromChunks: chunkCount(r.from),
  }));
  if (runs.length === 0) return [];
  const names = [...new Set(runs.map((r) => r.name))];
  return [
    finding('winner_by_size', names, { chunk: sweep[0]!.chunk, runs }),
    finding('size_crossover', names, { runs }),
  ];
}

/** The mail's question on the IOMMU path: up to which size does the dma_map_resource loop keep up? */
function mail(sweep: readonly CaseCost[], env: CompareEnv): Finding<MapCostCode> | null {
  if (!translating(env)) return null;
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
      return finding('mail_crossover', ['map-resource', ...name.split('≈')], {
        outcome: 'never',
        rival: name,
        size: c.size,
      });
    } else {
      return finding('mail_crossover', ['map-resource', ...name.split('≈')], {
        outcome: 'until',
        rival: name,
        upTo: lastCheaper.size,
        upToChunks: chunkCount(lastCheaper),
        from: c.size,
      });
    }
  }
  return lastCheaper === null
    ? null
    : finding('mail_crossover', ['map-resource'], { outcome: 'always' });
}

/** The founding mail's two cases: who wins each, and the others as multiples of the winner. */
function founding(cases: readonly CaseCost[]): Finding<MapCostCode>[] {
  return cases.flatMap((c, i) => {
    const fw = winners(c);
    if (fw.length === 0) return [];
    return [
      finding(
        'founding_case',
        fw.map((x) => x.strategy),
        {
          case: i === 0 ? 'large-chunks' : 'single-page',
          size: c.size,
          chunk: c.chunk,
          winners: tieName(fw),
          tie: fw.length > 1,
          cpuNs: fw[0]!.cpuNs,
          rest: c.costs
            .filter((k) => k.ok && !fw.includes(k))
            .map((k) => ({ strategy: k.strategy, cpuNs: k.cpuNs })),
        },
      ),
    ];
  });
}

/** Every conclusion, in reading order. */
export function mapCostFindings(
  main: CaseCost,
  sweep: readonly CaseCost[],
  cases: readonly CaseCost[],
  env: CompareEnv,
): Finding<MapCostCode>[] {
  const out: (Finding<MapCostCode> | null)[] = [cheapest(main, env)];
  for (const c of main.costs) {
    if (!c.ok)
      out.push(finding('strategy_cannot_map', [c.strategy], { error: c.error ?? '' }, 'warning'));
  }
  out.push(loop(main, env), busAddr(main, env), memory(main), ...bySize(sweep), mail(sweep, env));
  out.push(...founding(cases));
  return out.filter((f): f is Finding<MapCostCode> => f !== null);
}

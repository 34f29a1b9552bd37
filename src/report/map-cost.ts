/**
 * `peerdma map-cost` rendered: the strategies' cost ledgers (src/app/map-cost.ts) as a table, a
 * JSON document (schemaVersion 1), a log-log SVG chart and the worded conclusions.
 */
import type { MapCostReport } from '../app/map-cost.js';
import {
  CALIBRATION_ROWS,
  type CalibrationRow,
  type CaseCost,
  formatSegLimit,
  formatSize,
  type StrategyCost,
  type WinnerRun,
} from '../dma/index.js';
import type { PciFunction } from '../pci/types.js';
import { formatNs } from '../util/duration.js';
import { hex } from '../util/hex.js';
import { formatBytes } from '../util/size.js';
import { findingText } from './findings.js';
import { logLogChart, svgDocument } from './svg.js';

/** The compact one-line ledger (for the DMA-BUF demo) lives with the ledger in src/dma. */
export { ledgerLine } from '../dma/index.js';

export const MAP_COST_SCHEMA_VERSION = 1;

const label = (f: PciFunction) => (f.name ? `${f.name} (${f.bdf})` : f.bdf);

/** The conclusions, one sentence each. */
export const conclusionText = (r: MapCostReport): string[] => r.conclusion.map(findingText);

/**
 * Calibration rows with no published number behind them (e.g. a single dma_map_resource call on
 * the direct path), unless the user's file replaced them: the output says so and shows the value.
 */
function assumptions(r: MapCostReport): CalibrationRow[] {
  return CALIBRATION_ROWS.filter((k) => k.confidence === 'A' && !r.overridden.includes(k.key));
}

function assumptionLines(r: MapCostReport): string[] {
  const rows = assumptions(r);
  if (rows.length === 0) return [];
  return [
    'assumed (no published number exists; override with --calibration):',
    ...rows.map((k) => `  ${k.key} = ${k.value} ${k.unit}: ${k.what}`),
  ];
}

const costJson = (c: StrategyCost) => ({
  strategy: c.strategy,
  ok: c.ok,
  ...(c.error !== undefined ? { error: c.error } : {}),
  segments: c.segments,
  cpuNs: c.cpuNs,
  metadataBytes: c.metadataBytes,
  setupNs: c.setupNs,
  ...(c.map ? { map: c.map, unmap: c.unmap } : {}),
});

const caseJson = (c: CaseCost) => ({
  size: hex(c.size),
  chunk: c.chunk,
  chunks: c.shape.classes.map((k) => ({ size: hex(k.size), count: Number(k.count) })),
  strategies: c.costs.map(costJson),
});

export function mapCostJson(r: MapCostReport): object {
  return {
    schemaVersion: MAP_COST_SCHEMA_VERSION,
    machine: r.machine,
    provider: { bdf: r.provider.bdf, name: r.provider.name ?? null },
    client: {
      bdf: r.client.bdf,
      name: r.client.name ?? null,
      maxSegSize: hex(r.maxSegSize),
      maxSegSource: r.maxSegSource,
    },
    mapType: r.mapType,
    mapTypeSource: r.mapTypeNote,
    iommu: { mode: r.mode, source: r.modeSource },
    calibration: {
      file: r.calibrationFile,
      overridden: r.overridden,
      assumptions: assumptions(r).map((a) => ({ key: a.key, value: a.value, unit: a.unit })),
    },
    export: caseJson(r.main),
    foundingCases: r.founding.map(caseJson),
    sweep: r.sweep.map((c) => ({
      size: hex(c.size),
      strategies: c.costs.map((k) => ({
        strategy: k.strategy,
        ok: k.ok,
        cpuNs: k.cpuNs,
        metadataBytes: k.metadataBytes,
      })),
    })),
    conclusion: conclusionText(r),
  };
}

function table(c: CaseCost): string[] {
  const head = [
    'strategy',
    'calls',
    'IOVA',
    'PTEs 4K/2M/1G',
    'IOTLB inv',
    'DMA segs',
    'metadata',
    'map',
    'unmap',
    'setup',
  ];
  const rows = c.costs.map((k) => {
    if (!k.ok || !k.map || !k.unmap) return [k.strategy, `fails: ${k.error}`];
    const calls =
      Object.values(k.map.counts.calls).reduce((a, b) => a + b, 0) +
      Object.values(k.unmap.counts.calls).reduce((a, b) => a + b, 0);
    const p = k.map.counts.pteWrites;
    const u = k.unmap.counts;
    const inv =
      u.iotlbInvRange > 0
        ? `${u.iotlbInvRange} sync`
        : u.iotlbInvDeferred > 0
          ? `${u.iotlbInvDeferred} queued`
          : '0';
    return [
      k.strategy,
      String(calls),
      String(k.map.counts.iovaAllocs),
      `${p['4K']}/${p['2M']}/${p['1G']}`,
      inv,
      String(k.segments),
      formatBytes(k.metadataBytes),
      formatNs(k.map.cpu.totalNs),
      formatNs(k.unmap.cpu.totalNs),
      k.setupNs > 0 ? formatNs(k.setupNs) : '-',
    ];
  });
  const all = [head, ...rows];
  const width = head.map((_, i) =>
    Math.max(...all.map((r) => (r.length > 1 || i === 0 ? (r[i] ?? '').length : 0))),
  );
  return all.map((r) =>
    r.length === 2
      ? `${r[0]!.padEnd(width[0]!)}  ${r[1]}`
      : r
          .map((x, i) => x.padEnd(width[i]!))
          .join('  ')
          .trimEnd(),
  );
}

export function renderMapCost(r: MapCostReport): string {
  const out = [
    `machine ${r.machine}: provider ${label(r.provider)} → client ${label(r.client)}`,
    `P2PDMA map type: ${r.mapType} (${r.mapTypeNote})`,
    `IOMMU: ${r.mode} (${r.modeSource}); client max segment ${formatSegLimit(r.maxSegSize)} (${r.maxSegSource})`,
    `calibration: ${r.calibrationFile ? `${r.calibrationFile} overrides ${r.overridden.join(', ') || 'nothing'}` : 'built-in (docs/calibration.md)'}`,
    ...assumptionLines(r),
    '',
    `export ${formatSize(r.main.size)} in ${r.main.chunk} chunks (${r.main.shape.classes.map((k) => `${k.count}×${formatSize(k.size)}`).join(' + ')}):`,
    ...table(r.main).map((l) => `  ${l}`),
  ];
  for (const c of r.founding) {
    if (c.size === r.main.size && c.chunk === r.main.chunk) continue;
    out.push(
      '',
      `founding case: ${formatSize(c.size)} in ${c.chunk} chunks:`,
      ...table(c).map((l) => `  ${l}`),
    );
  }
  out.push('', 'conclusion:', ...conclusionText(r).map((s) => `  - ${s}`));
  return `${out.join('\n')}\n`;
}

const NS_UNITS = ['ns', 'µs', 'ms', 's'] as const;
/** A power of ten of nanoseconds as `100 ns`, `1 µs`, `10 s`. */
export function nsDecade(v: number): string {
  const e = Math.round(Math.log10(v));
  const u = Math.min(Math.max(Math.floor(e / 3), 0), NS_UNITS.length - 1);
  return `${10 ** (e - 3 * u)} ${NS_UNITS[u]}`;
}

/** Powers of two at every 5th exponent (1B, 32B, 1KiB, 32KiB, …) covering [lo, hi]. */
function byteTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  let e = Math.floor(Math.log2(Math.max(lo, 1)) / 5) * 5;
  for (; 2 ** e < hi * 32; e += 5) out.push(2 ** e);
  return out;
}

/** Crossovers along the sweep (where the cheapest strategy changes), labelled with the new one. */
const crossoverMarks = (runs: readonly WinnerRun[]) =>
  runs
    .slice(1)
    .map((r) => ({ x: Number(r.from.size), label: `${formatSize(r.from.size)}: → ${r.name}` }));

const CHART_WIDTH = 800;

/** The chart: map+unmap CPU and metadata memory against export size, one line per strategy. */
export function renderMapCostSvg(r: MapCostReport): string {
  const list = r.main.costs.map((c) => c.strategy);
  const series = (pick: (c: StrategyCost) => number) =>
    list.map((n) => {
      const points = r.sweep.flatMap((c) => {
        const k = c.costs.find((x) => x.strategy === n);
        return k?.ok ? [[Number(c.size), pick(k)] as const] : [];
      });
      return { name: points.length > 0 ? n : `${n} (cannot map)`, points };
    });
  // Byte-size ticks: every third power of two of the sweep (×8), labelled exactly.
  const ticks = r.sweep.map((c) => c.size).filter((_, i) => i % 3 === 0);
  const axis = {
    xTicks: ticks.map(Number),
    xTick: (v: number) => formatSize(BigInt(Math.round(v))),
    width: CHART_WIDTH,
  };
  const pair = `${r.provider.name ?? r.provider.bdf} → ${r.client.name ?? r.client.bdf}`;
  const cpu = logLogChart({
    title: `map+unmap CPU estimate — ${pair}, ${r.main.chunk} chunks, ${r.mode}, ${r.mapType}`,
    xLabel: 'export size',
    yLabel: 'CPU time (map + unmap)',
    series: series((k) => k.cpuNs),
    yTick: nsDecade,
    marks: crossoverMarks(r.runs),
    ...axis,
  });
  const memSeries = series((k) => k.metadataBytes);
  const mem = memSeries.flatMap((x) => x.points.map((p) => p[1])).filter((v) => v > 0);
  const mem0 = mem.length > 0 ? Math.min(...mem) : 1;
  const mem1 = mem.length > 0 ? Math.max(...mem) : 1024;
  const memChart = logLogChart({
    title: 'metadata held while mapped (struct pages, sg table, page tables, IOVA)',
    xLabel: 'export size',
    yLabel: 'bytes',
    series: memSeries,
    yTicks: byteTicks(mem0, mem1),
    yTick: (v: number) => formatSize(BigInt(Math.round(v))),
    ...axis,
  });
  return svgDocument([cpu, memChart], CHART_WIDTH);
}

/** For `peerdma report`: the pair, the export's table and the conclusions, compactly. */
export function renderMapCostSection(r: MapCostReport): string {
  const out = [
    `${label(r.provider)} → ${label(r.client)}: ${r.mapType}, IOMMU ${r.mode}`,
    `export ${formatSize(r.main.size)} in ${r.main.chunk} chunks:`,
    ...table(r.main).map((l) => `  ${l}`),
    '',
    ...conclusionText(r).map((s) => `- ${s}`),
  ];
  return `${out.join('\n')}\n`;
}

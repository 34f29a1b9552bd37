/**
 * `peerdma map-cost`: the mapping strategies' cost ledgers for one provider/client pair of a
 * machine, as a table, a JSON document (schemaVersion 1), a log-log SVG chart and generated
 * conclusions. All numbers come from the closed-form ledgers of src/dma (no per-page work).
 */
import {
  CALIBRATION_ROWS,
  type Calibration,
  type CalibrationKey,
  type CalibrationRow,
  type CaseCost,
  type CompareEnv,
  conclude,
  costCase,
  DEFAULT_CALIBRATION,
  DEFAULT_MAX_SEG_SIZE,
  DRIVER_MAX_SEG_SIZE,
  fmtBytes,
  fmtNs,
  formatSize,
  type MapType,
  STRATEGY_NAMES,
  type StrategyCost,
  type StrategyName,
  sweepSizes,
  winnerRuns,
} from '../dma/index.js';
import { PeerdmaError } from '../errors/index.js';
import { machineIommuMode } from '../iommu/machine-mode.js';
import { type IommuMode, maxBig } from '../iommu/types.js';
import { P2pdma } from '../p2pdma/index.js';
import { categoryOf } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { logLogChart, svgDocument } from './svg.js';

/** The compact one-line ledger (for the DMA-BUF demo) lives with the ledger in src/dma. */
export { ledgerLine } from '../dma/index.js';

export const MAP_COST_SCHEMA_VERSION = 1;

export interface MapCostOptions {
  readonly provider?: string;
  readonly client?: string;
  /** Export size (default 64 GiB). */
  readonly size?: bigint;
  /** `--chunk` spec (default 2MiB). */
  readonly chunk?: string;
  /** Default: from the machine's IOMMU facts. */
  readonly iommu?: IommuMode;
  readonly strategies?: readonly StrategyName[];
  /** Importer's max segment size; default from its driver (mlx5 2 GiB) or the kernel's 64 KiB. */
  readonly maxSegSize?: bigint;
  readonly calibration?: Calibration;
  readonly calibrationFile?: string;
  readonly overridden?: readonly CalibrationKey[];
}

export interface MapCostReport {
  readonly machine: string;
  readonly provider: PciFunction;
  readonly client: PciFunction;
  readonly mapType: MapType;
  readonly mapTypeNote: string;
  readonly mode: IommuMode;
  readonly modeSource: string;
  readonly maxSegSize: bigint;
  readonly maxSegSource: string;
  readonly main: CaseCost;
  readonly founding: readonly CaseCost[];
  readonly sweep: readonly CaseCost[];
  readonly conclusion: readonly string[];
  readonly calibrationFile: string | null;
  readonly overridden: readonly CalibrationKey[];
}

/** A segment limit such as 0xffffffff reads as `4GiB − 1`. */
const segSize = (v: bigint) =>
  ((v + 1n) & v) === 0n && v > 4096n ? `${formatSize(v + 1n)} − 1` : formatSize(v);
const label = (f: PciFunction) => (f.name ? `${f.name} (${f.bdf})` : f.bdf);
const endpoint = (f: PciFunction) => f.kind === 'endpoint' || f.kind === 'rc-integrated-endpoint';
const largestBar = (f: PciFunction) =>
  f.bars.filter((b) => b.space === 'mem').reduce((a, b) => maxBig(a, b.size), 0n);

/** Default pair: the first accelerator (else GPU, NVMe) with a BAR, and the NIC closest to it. */
export function pickPair(
  fabric: Fabric,
  provider?: string,
  client?: string,
): [PciFunction, PciFunction] {
  const byCat = (cats: string[]) =>
    cats.flatMap((c) =>
      fabric.functions.filter((f) => endpoint(f) && categoryOf(f) === c && largestBar(f) > 0n),
    );
  const p = provider !== undefined ? fabric.resolve(provider) : byCat(['accel', 'gpu', 'nvme'])[0];
  if (p === undefined)
    throw new PeerdmaError(
      'E_NOT_FOUND',
      'no accelerator, GPU or NVMe device with a memory BAR; name one with --provider',
    );
  if (largestBar(p) === 0n)
    throw new PeerdmaError('E_USAGE', `--provider ${label(p)} has no memory BAR to export`);
  if (client !== undefined) return [p, fabric.resolve(client)];
  const nics = fabric.functions.filter((f) => endpoint(f) && categoryOf(f) === 'nic' && f !== p);
  const others = fabric.functions.filter(
    (f) => endpoint(f) && f !== p && categoryOf(f) !== 'bridge',
  );
  const pool = nics.length > 0 ? nics : others;
  const c = [...pool].sort((a, b) => fabric.path(p, a).length - fabric.path(p, b).length)[0];
  if (c === undefined)
    throw new PeerdmaError('E_NOT_FOUND', 'no client device; name one with --client');
  return [p, c];
}

/** The IOMMU mode the machine runs, and where that came from. */
export function machineMode(fabric: Fabric): [IommuMode, string] {
  const m = machineIommuMode(fabric);
  return [m.mode, m.source];
}

function pairMapType(fabric: Fabric, p: PciFunction, c: PciFunction): [MapType, string] {
  const p2p = new P2pdma(fabric);
  p2p.addProvider(p);
  const v = p2p.verdict(p, c);
  if (v.mapType !== 'uncertain') return [v.mapType, `p2pdma (${v.ruleSet ?? 'default rules'})`];
  return ['UNKNOWN', `undecided: one of ${v.possible.join(', ')} (missing: ${v.missing.fact})`];
}

export function buildMapCost(fabric: Fabric, opts: MapCostOptions = {}): MapCostReport {
  const [provider, client] = pickPair(fabric, opts.provider, opts.client);
  const [mapType, mapTypeNote] = pairMapType(fabric, provider, client);
  const [mode, modeSource] =
    opts.iommu !== undefined ? [opts.iommu, '--iommu'] : machineMode(fabric);
  const drv = client.driver !== null && isKnown(client.driver) ? client.driver : null;
  const known = drv !== null ? DRIVER_MAX_SEG_SIZE[drv] : undefined;
  const [maxSegSize, maxSegSource] =
    opts.maxSegSize !== undefined
      ? [opts.maxSegSize, '--max-seg']
      : known !== undefined
        ? [known, `${drv} sets ${segSize(known)}`]
        : [DEFAULT_MAX_SEG_SIZE, `kernel default (driver ${drv ?? 'unknown'} sets none known)`];
  const env: CompareEnv = {
    mode,
    mapType,
    maxSegSize,
    calibration: opts.calibration ?? DEFAULT_CALIBRATION,
  };
  const strategies = opts.strategies ?? STRATEGY_NAMES;
  const size = opts.size ?? 64n << 30n;
  const chunk = opts.chunk ?? '2MiB';
  const main = costCase(strategies, size, chunk, env);
  const founding = [
    costCase(strategies, size, '2MiB', env),
    costCase(strategies, 4096n, '4KiB', env),
  ];
  const sweep = sweepSizes(chunk, size).map((s) => costCase(strategies, s, chunk, env));
  return {
    machine: fabric.machine.name ?? fabric.machine.source,
    provider,
    client,
    mapType,
    mapTypeNote,
    mode,
    modeSource,
    maxSegSize,
    maxSegSource,
    main,
    founding,
    sweep,
    conclusion: conclude(main, sweep, founding, env),
    calibrationFile: opts.calibrationFile ?? null,
    overridden: opts.overridden ?? [],
  };
}

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
/** 64-bit byte values as hex strings, the convention of every `--json` document (docs/json.md). */
const hexBytes = (n: bigint): string => `0x${n.toString(16)}`;

const caseJson = (c: CaseCost) => ({
  size: hexBytes(c.size),
  chunk: c.chunk,
  chunks: c.shape.classes.map((k) => ({ size: hexBytes(k.size), count: Number(k.count) })),
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
      maxSegSize: hexBytes(r.maxSegSize),
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
      size: hexBytes(c.size),
      strategies: c.costs.map((k) => ({
        strategy: k.strategy,
        ok: k.ok,
        cpuNs: k.cpuNs,
        metadataBytes: k.metadataBytes,
      })),
    })),
    conclusion: r.conclusion,
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
      fmtBytes(k.metadataBytes),
      fmtNs(k.map.cpu.totalNs),
      fmtNs(k.unmap.cpu.totalNs),
      k.setupNs > 0 ? fmtNs(k.setupNs) : '-',
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
    `IOMMU: ${r.mode} (${r.modeSource}); client max segment ${segSize(r.maxSegSize)} (${r.maxSegSource})`,
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
  out.push('', 'conclusion:', ...r.conclusion.map((s) => `  - ${s}`));
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
const crossoverMarks = (sweep: readonly CaseCost[]) =>
  winnerRuns(sweep)
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
    marks: crossoverMarks(r.sweep),
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

/** For `peerdma report`: the founding cases and the conclusion, compactly. */
export function renderMapCostSection(fabric: Fabric, opts: MapCostOptions = {}): string {
  const r = buildMapCost(fabric, opts);
  const out = [
    `${label(r.provider)} → ${label(r.client)}: ${r.mapType}, IOMMU ${r.mode}`,
    `export ${formatSize(r.main.size)} in ${r.main.chunk} chunks:`,
    ...table(r.main).map((l) => `  ${l}`),
    '',
    ...r.conclusion.map((s) => `- ${s}`),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * Cost ledgers of all four mapping strategies for a 1 TiB export at 4 KiB granularity (268 M
 * pages), in strict and lazy mode, with the kernel-default 64 KiB importer segment (the worst case
 * for dma_map_sg's segment merge). Closed forms over extents: no per-page objects.
 * Goal: median ≤ 1 s and ≤ 256 MB peak RSS (measured in a child: `--child`).
 */
import { fileURLToPath } from 'node:url';
import { buildMapCost } from '../src/app/map-cost.js';
import { closedFormLedger } from '../src/dma/closed-form.js';
import { parseChunkSpec } from '../src/dma/shape.js';
import { STRATEGY_NAMES } from '../src/dma/strategies/types.js';
import { testFabric } from '../src/iommu/testing/fabric.js';
import { renderMapCost, renderMapCostSvg } from '../src/report/map-cost.js';
import { type BenchRow, childPeakRssMb, reportPeakRss, timeMedian } from './lib.js';

const TiB = 1n << 40n;

function ledgers(): number {
  const shape = parseChunkSpec('4KiB', TiB);
  let pages = 0;
  for (const lazy of [false, true]) {
    for (const s of STRATEGY_NAMES) {
      const r = closedFormLedger(s, shape, {
        translating: true,
        lazy,
        mapType: 'THRU_HOST_BRIDGE',
        maxSegSize: 64n * 1024n,
      });
      if (!r.ok || r.map.method !== 'closed-form') throw new Error(`${s}: no closed-form ledger`);
      pages = Math.max(pages, r.map.counts.pteWrites['4K']);
    }
  }
  return pages;
}

/**
 * What `peerdma map-cost --size 1TiB` computes: the export, both founding cases and the whole
 * log-log sweep (4 KiB … 1 TiB) for all strategies, rendered as text and SVG — once at 4 KiB
 * chunks, once with a mixed layout and an odd 12 KiB importer segment (the merge's slow shape).
 */
function fullReport(chunk: string, maxSegSize: bigint): number {
  const fabric = testFabric({ redirect: true });
  const r = buildMapCost(fabric, { size: TiB, chunk, iommu: 'strict', maxSegSize });
  return renderMapCost(r).length + renderMapCostSvg(r).length;
}

export default async function run(): Promise<BenchRow[]> {
  const reports: BenchRow[] = [];
  for (const [chunk, seg] of [
    ['4KiB', 64n * 1024n],
    ['mixed:1GiB*50%,8KiB*50%', 12n * 1024n],
  ] as const) {
    const ms = await timeMedian(() => fullReport(chunk, seg), 3);
    const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child-report', chunk, `${seg}`]);
    reports.push({
      name: `map-cost report, 1 TiB in ${chunk} chunks, max seg ${seg / 1024n} KiB, full sweep`,
      medianMs: ms,
      peakRssMb: rss,
      goal: '≤ 1000 ms, ≤ 256 MB',
      met: ms <= 1000 && rss <= 256,
      note: 'export + founding cases + 29-size sweep × 4 strategies, text + SVG',
    });
  }
  let pages = 0;
  const ms = await timeMedian(() => {
    pages = ledgers();
  }, 5);
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  return [
    ...reports,
    {
      name: 'map-cost ledgers, 1 TiB at 4 KiB, 4 strategies × strict/lazy',
      medianMs: ms,
      peakRssMb: rss,
      goal: '≤ 1000 ms, ≤ 256 MB',
      met: ms <= 1000 && rss <= 256 && pages === 268_435_456,
      note: `${(pages / 1e6).toFixed(1)} M PTEs counted, closed form`,
    },
  ];
}

if (process.argv.includes('--child')) {
  ledgers();
  reportPeakRss();
}
const childReport = process.argv.indexOf('--child-report');
if (childReport >= 0) {
  fullReport(process.argv[childReport + 1]!, BigInt(process.argv[childReport + 2]!));
  reportPeakRss();
}

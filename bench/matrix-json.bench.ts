/**
 * `peerdma matrix --all --json` on ~4,096 endpoints (the generated bench machine): matrix, group
 * walks and the streamed compact document (schemaVersion 2), CPU time (user + system) as medians,
 * paired in one run with the same pipeline on a quarter of the machine; peak RSS in a child.
 * Goal (issue 11): ≤ 2 s, ≤ 1 GB, ≤ 64 bytes per pair.
 */
import { fileURLToPath } from 'node:url';
import { buildMatrix, compactMatrix } from '../src/app/matrix.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import { matrixJsonChunks } from '../src/report/p2p-matrix.js';
import { type BenchRow, childPeakRssMb, cpuTimeMedian, reportPeakRss } from './lib.js';

/** The whole command after loading: verdicts, compact record, every byte of the document. */
function pipeline(domains: number): { n: number; bytes: number; walked: number; groups: number } {
  const view = buildMatrix(benchFabric(domains, 8), 'linux-6.19', undefined, { all: true });
  const c = compactMatrix(view);
  let bytes = 0;
  for (const chunk of matrixJsonChunks(view, c)) bytes += chunk.length;
  return { n: c.n, bytes, walked: c.walked, groups: c.groups };
}

export default async function run(): Promise<BenchRow[]> {
  let big = { n: 0, bytes: 0, walked: 0, groups: 0 };
  let small = big;
  const quarterMs = cpuTimeMedian(() => {
    small = pipeline(4);
  }, 3);
  const fullMs = cpuTimeMedian(() => {
    big = pipeline(16);
  }, 3);
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  const perPair = big.bytes / big.n ** 2;
  return [
    {
      name: `matrix --all --json (${big.n} endpoints, ${(big.n ** 2 / 1e6).toFixed(1)} M pairs)`,
      medianMs: fullMs,
      peakRssMb: rss,
      goal: '≤ 2000 ms CPU, ≤ 1024 MB, ≤ 64 B/pair',
      met: fullMs <= 2000 && rss <= 1024 && perPair <= 64,
      note: `${perPair.toFixed(1)} B/pair, ${big.groups} groups, ${big.walked} walks; ${small.n} endpoints: ${quarterMs.toFixed(0)} ms CPU`,
    },
  ];
}

if (process.argv.includes('--child')) {
  pipeline(16);
  reportPeakRss();
}

/**
 * `peerdma matrix --all --json` on ~4,096 endpoints (the generated bench machine): matrix, group
 * pairs (walks shared by verdict key) and the streamed compact document (schemaVersion 2), CPU
 * time (user + system) as medians, paired in one run with a quarter of the machine with and
 * without shared walks (baseline); peak RSS in a child.
 * Goal (issue 11): ≤ 2 s, ≤ 1 GB, ≤ 64 bytes per pair.
 */
import { fileURLToPath } from 'node:url';
import { buildMatrix, compactMatrix } from '../src/app/matrix.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import { matrixJsonChunks } from '../src/report/p2p-matrix.js';
import { type BenchRow, childPeakRssMb, cpuTimeMedian, reportPeakRss } from './lib.js';

interface Run {
  n: number;
  bytes: number;
  walked: number;
  computed: number;
  groups: number;
}

/**
 * The whole command after loading: verdicts, compact record, every byte of the document.
 * `shareWalks: false` is the baseline: one per-pair walk for every group pair with findings.
 */
function pipeline(domains: number, shareWalks = true): Run {
  const view = buildMatrix(benchFabric(domains, 8), 'linux-6.19', undefined, { all: true });
  const c = compactMatrix(view, { shareWalks });
  let bytes = 0;
  for (const chunk of matrixJsonChunks(view, c)) bytes += chunk.length;
  return { n: c.n, bytes, walked: c.walked, computed: c.computed, groups: c.groups };
}

export default async function run(): Promise<BenchRow[]> {
  let big: Run = { n: 0, bytes: 0, walked: 0, computed: 0, groups: 0 };
  let small = big;
  // Baseline in the same run, on a quarter of the machine (the whole one takes ~10 s a run).
  const quarterAloneMs = cpuTimeMedian(() => pipeline(4, false), 3);
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
      note: `${perPair.toFixed(1)} B/pair, ${big.groups} groups, ${big.walked} group pairs answered by ${big.computed} walks; ${small.n} endpoints: ${quarterMs.toFixed(0)} ms CPU vs ${quarterAloneMs.toFixed(0)} ms with a walk per group pair (baseline)`,
    },
  ];
}

if (process.argv.includes('--child')) {
  pipeline(16);
  reportPeakRss();
}

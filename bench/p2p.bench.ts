/**
 * All-pairs P2P verdicts on a generated fabric of 4,096 endpoints (16.8 M ordered pairs): the fast
 * path (typed arrays, level-by-level range fills) side by side with the straightforward per-pair
 * walk of the kernel algorithm. The walk is timed on a sample of provider rows and scaled to the full
 * matrix (running all 16.8 M pairs through it takes about a minute); the ratio is reported.
 * Goal: fast median ≤ 2 s and ≤ 1 GB peak RSS (measured in a child process).
 * Also measured (no goal): `matrix --json` on 256 endpoints — map type and distance from the fast
 * matrix, the per-pair walk only for pairs that have findings, then JSON.stringify.
 */
import { fileURLToPath } from 'node:url';
import { buildMatrix } from '../src/app/matrix.js';
import { P2pEnv } from '../src/p2pdma/env.js';
import { fastMatrix, matrixDevices, referenceMatrix } from '../src/p2pdma/matrix.js';
import { getRuleSet } from '../src/p2pdma/rulesets.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import { matrixJson } from '../src/report/p2p.js';
import { type BenchRow, childPeakRssMb, reportPeakRss, timeMedian } from './lib.js';

const SAMPLE_ROWS = 64;

function setup() {
  const fabric = benchFabric();
  const env = new P2pEnv(fabric, getRuleSet('linux-6.19'));
  const devices = matrixDevices(fabric);
  return { env, devices };
}

export default async function run(): Promise<BenchRow[]> {
  const { env, devices } = setup();
  const n = devices.length;
  let rows = 0;
  const fast = await timeMedian(() => {
    // Every cell: the fast matrix fills its n×n tables on first read (`mapTypes`).
    const m = fastMatrix(env, devices);
    rows = m.stats.fastRows;
    return m.mapTypes.length;
  }, 5);
  const sample = await timeMedian(() => referenceMatrix(env, devices, SAMPLE_ROWS), 3);
  const walk = (sample * n) / SAMPLE_ROWS;
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  const small = buildMatrix(benchFabric(1, 8), 'linux-6.19', undefined, {});
  let walked = 0;
  const json = await timeMedian(() => {
    const doc = matrixJson(small) as { stats: { walked: number } };
    walked = doc.stats.walked;
    return JSON.stringify(doc).length;
  }, 3);
  const pairs = `${n} endpoints, ${((n * n) / 1e6).toFixed(1)} M pairs`;
  return [
    {
      name: `p2p all-pairs fast path (${pairs})`,
      medianMs: fast,
      peakRssMb: rss,
      goal: '≤ 2000 ms, ≤ 1024 MB',
      met: fast <= 2000 && rss <= 1024 && rows === n,
      note: `per-pair walk ${(walk / fast).toFixed(0)}× slower`,
    },
    {
      name: `p2p all-pairs per-pair reference walk (${pairs})`,
      medianMs: walk,
      peakRssMb: Number.NaN,
      goal: 'baseline',
      note: `scaled from ${SAMPLE_ROWS} rows, median ${sample.toFixed(0)} ms`,
    },
    {
      name: `p2p matrix --json (${small.matrix.n} endpoints, ${small.matrix.n ** 2} pairs)`,
      medianMs: json,
      peakRssMb: Number.NaN,
      goal: 'measured',
      note: `per-pair walk for ${walked} pairs with findings; the rest from the fast matrix`,
    },
  ];
}

if (process.argv.includes('--child')) {
  const { env, devices } = setup();
  void fastMatrix(env, devices).mapTypes;
  reportPeakRss();
}

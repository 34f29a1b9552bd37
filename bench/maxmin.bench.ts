/**
 * Max-min fair sharing of 100,000 flows over 10,000 links (routes of 1–6 links; 10 % of flows
 * bounded, 20 % with a sharing weight other than 1, 10 % of uses with a coefficient other than 1),
 * side by side with SimGrid's own solver (libsimgrid's MaxMin::maxmin_solve, through
 * src/sim/testing/simgrid_lmm.py) on the same system in the same run: both medians are CPU time of
 * the solve alone (SimGrid's excludes building its system through ctypes). The rates are compared too.
 * Goal: median ≤ 1 s CPU and ≤ 512 MB peak RSS (child process).
 * Also (no goal): a "hot link" — 10,000 flows on one link, 90 % with distinct bounds under their
 * share — where SimGrid rescans the link's flows every round (quadratic) and we read the next bound
 * off a sorted list; same rates, measured side by side.
 */
import { fileURLToPath } from 'node:url';
import { MaxMinBuilder, type MaxMinSystem, solveMaxMin } from '../src/sim/maxmin.js';
import { randomSystem, seededRandom } from '../src/sim/testing/random.js';
import { findSimgrid, solveWithSimgrid } from '../src/sim/testing/simgrid.js';
import { type BenchRow, childPeakRssMb, cpuTimeMedian, median, reportPeakRss } from './lib.js';

const LINKS = 10_000;
const FLOWS = 100_000;

function system() {
  return randomSystem(seededRandom(10_100_000), {
    constraints: LINKS,
    flows: FLOWS,
    maxHops: 6,
    boundShare: 0.1,
    weightShare: 0.2,
    coefficientShare: 0.1,
  });
}

const HOT_FLOWS = 10_000;

function hotLink(): MaxMinSystem {
  const rand = seededRandom(20_000);
  const b = new MaxMinBuilder();
  const link = b.addConstraint(10 * HOT_FLOWS);
  const side = b.addConstraint(HOT_FLOWS);
  for (let i = 0; i < HOT_FLOWS; i++) {
    const bound = rand() < 0.9 ? 1 + 19 * rand() : Number.POSITIVE_INFINITY;
    b.addFlow(i % 10 === 0 ? [link, side] : [link], { bound });
  }
  return b.build();
}

function worstRelative(a: Float64Array, b: readonly number[]): number {
  let worst = 0;
  for (let f = 0; f < a.length; f++) {
    const x = a[f]!;
    const y = b[f]!;
    if (x !== y) worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  }
  return worst;
}

export default async function run(): Promise<BenchRow[]> {
  const sys = system();
  const entries = sys.flowConstraints.length;
  const ours = cpuTimeMedian(() => solveMaxMin(sys), 7);
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  const input = `${FLOWS.toLocaleString('en')} flows, ${LINKS.toLocaleString('en')} links, ${entries.toLocaleString('en')} uses`;
  const rows: BenchRow[] = [
    {
      name: `max-min solve (${input})`,
      medianMs: ours,
      peakRssMb: rss,
      goal: '≤ 1000 ms CPU, ≤ 512 MB',
      met: ours <= 1000 && rss <= 512,
    },
  ];
  const sg = findSimgrid();
  if ('skip' in sg) {
    rows.push({
      name: 'max-min solve, SimGrid (same system)',
      medianMs: Number.NaN,
      peakRssMb: Number.NaN,
      goal: 'baseline',
      note: `not run: ${sg.skip}`,
    });
    return rows;
  }
  const hot = hotLink();
  const oursHot = cpuTimeMedian(() => solveMaxMin(hot), 7);
  const got = solveWithSimgrid(sg, [sys, hot], 3);
  const theirs = median(got.results[0]!.solveCpuSeconds) * 1000;
  const theirsHot = median(got.results[1]!.solveCpuSeconds) * 1000;
  const worst = worstRelative(solveMaxMin(sys).rates, got.results[0]!.rates);
  const worstHot = worstRelative(solveMaxMin(hot).rates, got.results[1]!.rates);
  rows.push(
    {
      name: `max-min solve, SimGrid ${got.simgrid} MaxMin (same system)`,
      medianMs: theirs,
      peakRssMb: Number.NaN,
      goal: 'baseline',
      note: `ours ${(theirs / ours).toFixed(2)}× faster; rates agree to ${worst.toExponential(1)} relative`,
    },
    {
      name: `max-min hot link (${HOT_FLOWS.toLocaleString('en')} flows, 90 % bounded)`,
      medianMs: oursHot,
      peakRssMb: Number.NaN,
      goal: 'measured',
    },
    {
      name: `max-min hot link, SimGrid ${got.simgrid} (same system)`,
      medianMs: theirsHot,
      peakRssMb: Number.NaN,
      goal: 'baseline',
      note: `ours ${(theirsHot / oursHot).toFixed(0)}× faster; rates agree to ${worstHot.toExponential(1)} relative`,
    },
  );
  return rows;
}

if (process.argv.includes('--child')) {
  solveMaxMin(system());
  reportPeakRss();
}

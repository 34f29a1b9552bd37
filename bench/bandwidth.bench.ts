/**
 * All-pairs bandwidth matrices (uni + bidirectional, P2P enabled and disabled, both ends of the
 * published ranges) and the latency matrices for 4,096 endpoints (16.8 M ordered pairs): the closed
 * form of src/perf/matrix.ts side by side with the max-min solver (src/sim) on the same cells — the
 * solver timed on a sample of rows and scaled. Medians of CPU time (user + system). Goal: closed form
 * median ≤ 2 s on the 2-core reference machine. Paired baselines: the kernel map types of every
 * cell alone (`fastMatrix`, the part of the result that stays n × n), and writing ten dense n × n
 * float32 matrices (the layout before the figures were kept per pair of groups).
 */
import { fileURLToPath } from 'node:url';
import { fastMatrix, matrixDevices } from '../src/p2pdma/matrix.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import { bandwidthMatrices } from '../src/perf/matrix.js';
import { PerfModel } from '../src/perf/model.js';
import { type BenchRow, childPeakRssMb, cpuTimeMedian, reportPeakRss } from './lib.js';

const SAMPLE_ROWS = 2;

function setup() {
  const fabric = benchFabric();
  const model = new PerfModel(fabric);
  return { model, devices: matrixDevices(fabric) };
}

/** The solver on `rows` source rows: per cell uni P2P, uni bounce, bidi P2P, bidi bounce. */
function solverRows(model: PerfModel, devices: ReturnType<typeof matrixDevices>, rows: number) {
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < devices.length; j++) {
      if (i === j) continue;
      const [s, d] = [devices[i]!, devices[j]!];
      for (const mode of ['p2p', 'bounce'] as const) {
        sum += model.solve([{ src: s, dst: d, mode }])[0]!.rate.lo;
        const b = model.solve([
          { src: s, dst: d, mode },
          { src: d, dst: s, mode },
        ]);
        sum += b[0]!.rate.lo + b[1]!.rate.lo;
      }
    }
  }
  return sum;
}

export default async function run(): Promise<BenchRow[]> {
  const { model, devices } = setup();
  const n = devices.length;
  const fast = cpuTimeMedian(() => bandwidthMatrices(model, devices), 5);
  const groups = bandwidthMatrices(model, devices).groups;
  const readModel = new PerfModel(model.fabric, { op: 'read' });
  const reads = cpuTimeMedian(() => bandwidthMatrices(readModel, devices), 5);
  // Every cell: the fast matrix fills its n×n table on first read (`mapTypes`).
  const mapTypes = cpuTimeMedian(() => fastMatrix(model.env, devices).mapTypes, 5);
  // the dense layout's floor: allocate and write ten n × n Float32 matrices
  const floor = cpuTimeMedian(() => {
    const out: Float32Array[] = [];
    for (let k = 0; k < 10; k++) {
      const a = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) a[i] = i;
      out.push(a);
    }
    return out.length;
  }, 5);
  const sample = cpuTimeMedian(() => solverRows(model, devices, SAMPLE_ROWS), 3);
  const solver = (sample * n) / SAMPLE_ROWS / 2; // the closed form fills two cells per pair visit
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  const pairs = `${n} endpoints, ${((n * n) / 1e6).toFixed(1)} M pairs`;
  return [
    {
      name: `bandwidth matrices, closed form (${pairs})`,
      medianMs: fast,
      peakRssMb: rss,
      goal: '≤ 2000 ms',
      met: fast <= 2000,
      note: `${groups} groups; solver per cell ≈ ${(solver / fast).toFixed(0)}× slower; kernel map types alone ${mapTypes.toFixed(0)} ms; dense floor ${floor.toFixed(0)} ms`,
    },
    {
      name: `bandwidth matrices, closed form, DMA reads (${pairs})`,
      medianMs: reads,
      peakRssMb: Number.NaN,
      goal: '≤ 2000 ms',
      met: reads <= 2000,
    },
    {
      name: `kernel map types of every cell alone, fastMatrix (${pairs})`,
      medianMs: mapTypes,
      peakRssMb: Number.NaN,
      goal: 'baseline',
    },
    {
      name: `dense layout floor: write ten n × n float32 matrices (${pairs})`,
      medianMs: floor,
      peakRssMb: Number.NaN,
      goal: 'baseline',
    },
    {
      name: `bandwidth matrices, max-min solver per cell (${pairs})`,
      medianMs: solver,
      peakRssMb: Number.NaN,
      goal: 'baseline',
      note: `scaled from ${SAMPLE_ROWS} rows, median ${sample.toFixed(0)} ms`,
    },
  ];
}

if (process.argv.includes('--child')) {
  const { model, devices } = setup();
  bandwidthMatrices(model, devices);
  reportPeakRss();
}

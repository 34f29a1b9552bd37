/**
 * Start-up: the CPU time (user + system, whole process) of `peerdma --version` and of
 * `peerdma check accel0 nic0` on the default example, paired in one run with a bare `node -e 0`
 * (runs interleaved, medians). Measured with `perf stat -e task-clock` (0.01 ms resolution), else
 * `/usr/bin/time` (10 ms). Needs the built CLI (`npm run build`). Goals (issue 11): ≤ 1.5× and
 * ≤ 3× the bare node.
 */
import { spawnSync } from 'node:child_process';
import {
  type BenchRow,
  cliMissing,
  CLI as MAIN,
  median,
  skippedRow,
  timedNode,
  timedNodeMissing,
} from './lib.js';

const RUNS = 11;

type Meter = (args: readonly string[]) => number;

function perfMeter(): Meter | null {
  const probe = spawnSync(
    'perf',
    ['stat', '-x,', '-e', 'task-clock', process.execPath, '-e', '0'],
    {
      encoding: 'utf8',
    },
  );
  if (probe.status !== 0 || !/task-clock/.test(probe.stderr)) return null;
  return (args) => {
    const r = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', process.execPath, ...args], {
      encoding: 'utf8',
    });
    const line = r.stderr.split('\n').find((l) => l.includes('task-clock'));
    // As `timedNode`: a child that fails measures nothing.
    if (r.status !== 0 || line === undefined) throw new Error(`bench child failed: ${r.stderr}`);
    return Number(line.split(',')[0]);
  };
}

export default async function run(): Promise<BenchRow[]> {
  const timeMeter: Meter | null = timedNodeMissing() === null ? (a) => timedNode(a).ms : null;
  const meter = perfMeter() ?? timeMeter;
  if (meter === null) return [skippedRow('start-up', 'no perf or /usr/bin/time')];
  const missing = cliMissing();
  if (missing !== null) return [skippedRow('start-up', missing)];
  const cases = {
    node: ['-e', '0'],
    version: [MAIN, '--version'],
    check: [MAIN, 'check', 'accel0', 'nic0'],
  };
  const t: Record<keyof typeof cases, number[]> = { node: [], version: [], check: [] };
  for (let i = 0; i < RUNS; i++)
    for (const k of Object.keys(cases) as (keyof typeof cases)[]) t[k].push(meter(cases[k]));
  const base = median(t.node);
  const row = (k: 'version' | 'check', goal: number): BenchRow => {
    const m = median(t[k]);
    return {
      name: `start-up: peerdma ${cases[k].slice(1).join(' ')}`,
      medianMs: m,
      peakRssMb: Number.NaN,
      goal: `≤ ${goal}× node -e 0 (CPU)`,
      met: m <= goal * base,
      note: `${(m / base).toFixed(2)}× node -e 0 = ${base.toFixed(1)} ms CPU`,
    };
  };
  return [row('version', 1.5), row('check', 3)];
}

/**
 * Start-up: the CPU time (user + system, whole process) of `peerdma --version` and of
 * `peerdma check accel0 nic0` on the default example, paired in one run with a bare `node -e 0`
 * (runs interleaved, medians). Measured with `perf stat -e task-clock` (0.01 ms resolution), else
 * `/usr/bin/time` (10 ms). Needs the built CLI (`npm run build`). Goals (issue 11): ≤ 1.5× and
 * ≤ 3× the bare node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchRow, median } from './lib.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
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
    return Number(line?.split(',')[0]);
  };
}

function timeMeter(): Meter | null {
  if (!existsSync('/usr/bin/time')) return null;
  return (args) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], {
      encoding: 'utf8',
    });
    const [u, s] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    return ((u ?? Number.NaN) + (s ?? Number.NaN)) * 1000;
  };
}

export default async function run(): Promise<BenchRow[]> {
  const meter = perfMeter() ?? timeMeter();
  if (meter === null || !existsSync(MAIN)) {
    const why = meter === null ? 'no perf or /usr/bin/time' : 'dist/ missing: npm run build';
    return [
      { name: 'start-up', medianMs: Number.NaN, peakRssMb: Number.NaN, goal: 'skipped', note: why },
    ];
  }
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

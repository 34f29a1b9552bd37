/**
 * Runs SimGrid's own max-min solver on a batch of systems (one Python process per batch, never one
 * per system) through `simgrid_lmm.py`, for the differential test and the benchmark.
 * Needs Debian's python3-simgrid (which brings libsimgrid); `findSimgrid` says why when it is absent.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MaxMinSystem } from '../maxmin.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'simgrid_lmm.py');

export interface SimgridRunner {
  readonly python: string;
  readonly library: string;
}

/** Find a Python 3 with ctypes that can locate libsimgrid; otherwise the reason it cannot. */
export function findSimgrid(): SimgridRunner | { readonly skip: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(
      python,
      ['-c', "import ctypes.util; print(ctypes.util.find_library('simgrid') or '')"],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) continue;
    const library = r.stdout.trim();
    if (library === '')
      return { skip: 'SimGrid is not installed (apt-get install python3-simgrid)' };
    // An empty batch: proves the library has the lmm entry points the harness calls.
    const probe = spawnSync(python, [SCRIPT, library], {
      input: '{"systems":[]}',
      encoding: 'utf8',
    });
    if (probe.status === 4) return { skip: probe.stderr.trim() };
    return { python, library };
  }
  return { skip: 'no python3 to drive SimGrid' };
}

export interface SimgridBatchResult {
  readonly simgrid: string;
  readonly results: readonly { readonly rates: number[]; readonly solveCpuSeconds: number[] }[];
}

/** Encode one system in the script's input format: [penalty, bound|null, [c, a, c, a, ...]] per flow. */
function encode(sys: MaxMinSystem): unknown {
  const nF = sys.flowOffsets.length - 1;
  const flows: unknown[] = [];
  for (let f = 0; f < nF; f++) {
    const uses: number[] = [];
    for (let e = sys.flowOffsets[f]!; e < sys.flowOffsets[f + 1]!; e++) {
      uses.push(sys.flowConstraints[e]!, sys.flowCoefficients?.[e] ?? 1);
    }
    const bound = sys.flowBounds?.[f] ?? Number.POSITIVE_INFINITY;
    flows.push([sys.flowWeights?.[f] ?? 1, Number.isFinite(bound) ? bound : null, uses]);
  }
  const fatpipe: number[] = [];
  sys.constraintFatpipe?.forEach((v, c) => {
    if (v) fatpipe.push(c);
  });
  return { capacities: Array.from(sys.capacities), fatpipe, flows };
}

/** Solve every system with SimGrid in one process; `runs` fresh solves per system for timing. */
export function solveWithSimgrid(
  runner: SimgridRunner,
  systems: readonly MaxMinSystem[],
  runs = 1,
): SimgridBatchResult {
  const input = JSON.stringify({ systems: systems.map(encode), runs });
  const r = spawnSync(runner.python, [SCRIPT, runner.library], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) {
    throw new Error(`SimGrid harness failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
  }
  return JSON.parse(r.stdout) as SimgridBatchResult;
}

/**
 * Run parameters of the fuzz properties: a bounded run in `npm test`, a longer one in
 * `npm run fuzz` (PEERDMA_FUZZ_RUNS), reproducible from the seed every run prints
 * (PEERDMA_FUZZ_SEED=<seed> replays it; fast-check's failure message adds the shrunk path).
 */
import type { Parameters } from 'fast-check';

export interface FuzzRun {
  readonly seed: number;
  readonly numRuns: number;
}

/** `runs` properties in the bounded run, scaled by PEERDMA_FUZZ_RUNS / 100 in `npm run fuzz`. */
export function fuzzRun(runs: number): FuzzRun {
  const env = process.env['PEERDMA_FUZZ_SEED'];
  const seed =
    env !== undefined && env !== '' ? Number(env) : (Date.now() ^ (process.pid << 8)) | 0;
  const scale = Number(process.env['PEERDMA_FUZZ_RUNS'] ?? '');
  const numRuns = Number.isFinite(scale) && scale > 0 ? Math.ceil((runs * scale) / 100) : runs;
  return { seed, numRuns };
}

/** fast-check parameters for a run, and a line recording the seed for the test's diagnostics. */
export function fuzzParams<T>(run: FuzzRun): Parameters<T> & { diagnostic: string } {
  return {
    seed: run.seed,
    numRuns: run.numRuns,
    endOnFailure: false,
    diagnostic: `seed ${run.seed}, ${run.numRuns} runs (replay: PEERDMA_FUZZ_SEED=${run.seed})`,
  };
}

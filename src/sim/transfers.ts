/**
 * Fluid transfers over a max-min system: every flow starts at time 0 with an amount of work (bytes,
 * if capacities are bytes/s), shares the constraints as {@link solveMaxMin} says, and when the
 * first flows finish the rest are re-solved without them — SimGrid's fluid network model with zero
 * latency, as its surf loop runs it (solve, advance to the next completion, remove, solve again).
 *
 * Cost: one solve per distinct completion time, each on the flows still running.
 */
import { PeerdmaError } from '../errors/index.js';
import {
  type MaxMinOptions,
  type MaxMinSystem,
  SG_PRECISION_WORKAMOUNT,
  solveMaxMin,
  validateMaxMinSystem,
} from './maxmin.js';

export interface TransferOptions extends MaxMinOptions {
  /** Work left under which a flow counts as finished (default SimGrid's `precision/work-amount`). */
  readonly workPrecision?: number;
}

export interface TransferResult {
  /** Per flow: the time its work is done (Infinity when it can never finish). */
  readonly finish: Float64Array;
  /** Per flow: its rate with every flow present (the steady state the transfers start from). */
  readonly initialRates: Float64Array;
  /** How many times the system was solved. */
  readonly solves: number;
}

/** Keep only the flows whose `keep` flag is set (same constraints, flows renumbered in order). */
function subsystem(sys: MaxMinSystem, keep: Uint8Array, index: number[]): MaxMinSystem {
  index.length = 0;
  const off = sys.flowOffsets;
  const offsets: number[] = [0];
  const cons: number[] = [];
  const coefs: number[] = [];
  const bounds: number[] = [];
  const weights: number[] = [];
  for (let f = 0; f + 1 < off.length; f++) {
    if (!keep[f]) continue;
    index.push(f);
    for (let e = off[f]!; e < off[f + 1]!; e++) {
      cons.push(sys.flowConstraints[e]!);
      coefs.push(sys.flowCoefficients?.[e] ?? 1);
    }
    offsets.push(cons.length);
    bounds.push(sys.flowBounds?.[f] ?? Number.POSITIVE_INFINITY);
    weights.push(sys.flowWeights?.[f] ?? 1);
  }
  return {
    capacities: sys.capacities,
    flowOffsets: Uint32Array.from(offsets),
    flowConstraints: Uint32Array.from(cons),
    ...(sys.flowCoefficients ? { flowCoefficients: Float64Array.from(coefs) } : {}),
    ...(sys.flowBounds ? { flowBounds: Float64Array.from(bounds) } : {}),
    ...(sys.flowWeights ? { flowWeights: Float64Array.from(weights) } : {}),
  };
}

/** Completion time of every flow when all start together with the given amounts of work. */
export function simulateTransfers(
  sys: MaxMinSystem,
  sizes: Float64Array,
  options: TransferOptions = {},
): TransferResult {
  validateMaxMinSystem(sys);
  const nF = sys.flowOffsets.length - 1;
  if (sizes.length !== nF) {
    throw new PeerdmaError('E_SCHEMA', `length ${sizes.length}, expected ${nF}`, {
      field: 'sizes',
    });
  }
  for (let f = 0; f < nF; f++) {
    const s = sizes[f]!;
    if (!(s >= 0) || !Number.isFinite(s)) {
      throw new PeerdmaError('E_SCHEMA', `size ${s} is not a finite number >= 0`, {
        field: `sizes[${f}]`,
      });
    }
  }
  const eps = options.workPrecision ?? SG_PRECISION_WORKAMOUNT;
  const finish = new Float64Array(nF).fill(Number.POSITIVE_INFINITY);
  const left = Float64Array.from(sizes);
  const running = new Uint8Array(nF);
  let active = 0;
  for (let f = 0; f < nF; f++) {
    if (left[f]! <= eps) finish[f] = 0;
    else {
      running[f] = 1;
      active++;
    }
  }
  const initialRates = solveMaxMin(sys, options).rates;
  let solves = 1;
  const index: number[] = [];
  let now = 0;
  while (active > 0) {
    const part = subsystem(sys, running, index);
    const { rates } = solveMaxMin(part, options);
    solves++;
    let dt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < index.length; i++) {
      const r = rates[i]!;
      if (r > 0) dt = Math.min(dt, left[index[i]!]! / r);
    }
    if (dt === Number.POSITIVE_INFINITY) break; // nothing moves any more: the rest never finish
    now += dt;
    for (let i = 0; i < index.length; i++) {
      const f = index[i]!;
      const r = rates[i]!;
      // The flows that set dt finish exactly now, whatever the rounding of left − r·dt.
      const done = r > 0 && left[f]! / r <= dt;
      left[f] = r === Number.POSITIVE_INFINITY ? 0 : left[f]! - r * dt;
      if (done || left[f]! <= eps) {
        finish[f] = now;
        running[f] = 0;
        active--;
      }
    }
  }
  return { finish, initialRates, solves };
}

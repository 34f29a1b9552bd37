/**
 * Seeded random max-min systems for the differential test against SimGrid and the benchmark.
 * Deterministic: the same seed gives the same system on every machine.
 */
import { rng } from '../../util/rng.js';
import { MaxMinBuilder, type MaxMinSystem, type MaxMinUse } from '../maxmin.js';

/** The project's seeded PRNG (mulberry32, floats in [0, 1)), shared with the fabric generator. */
export const seededRandom: (seed: number) => () => number = rng;

export interface RandomSystemShape {
  readonly constraints: number;
  readonly flows: number;
  /** Most constraints one flow uses (at least 1, distinct). */
  readonly maxHops: number;
  /** Share of flows with a bound, with a weight other than 1, with a coefficient other than 1. */
  readonly boundShare: number;
  readonly weightShare: number;
  readonly coefficientShare: number;
  /** All capacities integers and every weight/coefficient 1 on its own: many exact ties. */
  readonly integral?: boolean;
  /** Capacities and bounds are multiplied by this (units: bytes/s vs GB/s). */
  readonly scale?: number;
  /** Share of constraints with SimGrid's FATPIPE policy (default 0). */
  readonly fatpipeShare?: number;
}

/** A random system of the given shape; constraints used by a flow are distinct. */
export function randomSystem(rand: () => number, shape: RandomSystemShape): MaxMinSystem {
  const b = new MaxMinBuilder();
  const scale = shape.scale ?? 1;
  const pick = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const int = (lo: number, hi: number): number => lo + Math.floor((hi - lo + 1) * rand());
  for (let c = 0; c < shape.constraints; c++) {
    const capacity = (shape.integral ? int(1, 20) : pick(0.5, 100)) * scale;
    b.addConstraint(capacity, { fatpipe: rand() < (shape.fatpipeShare ?? 0) });
  }
  const chosen = new Set<number>();
  for (let f = 0; f < shape.flows; f++) {
    const hops = int(1, Math.min(shape.maxHops, shape.constraints));
    chosen.clear();
    while (chosen.size < hops) chosen.add(int(0, shape.constraints - 1));
    const uses: MaxMinUse[] = [];
    for (const c of chosen) {
      const coefficient = !shape.integral && rand() < shape.coefficientShare ? pick(0.25, 4) : 1;
      uses.push({ constraint: c, coefficient });
    }
    const weight = rand() < shape.weightShare ? (shape.integral ? int(2, 4) : pick(0.5, 4)) : 1;
    const bound =
      rand() < shape.boundShare
        ? (shape.integral ? int(1, 6) : Math.exp(pick(Math.log(0.01), Math.log(50)))) * scale
        : Number.POSITIVE_INFINITY;
    b.addFlow(uses, { weight, bound });
  }
  return b.build();
}

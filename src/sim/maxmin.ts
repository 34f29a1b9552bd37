/**
 * Weighted max-min fair sharing with per-flow bounds: the same linear max-min system SimGrid's
 * `lmm` solver (`MaxMin::maxmin_solve`, src/kernel/lmm/maxmin.cpp, SimGrid 3.32) solves, with the
 * same iteration order and the same precision thresholds, so its rates agree with SimGrid's to
 * rounding (the differential test in `simgrid.test.ts` checks 1e-9 relative on random systems).
 *
 * Constraints are SHARED (the sum of a × rate is limited) or, as SimGrid's FATPIPE policy, each flow
 * alone is limited (the max of a × rate).
 *
 * Domain-free: a constraint is any shared resource with a capacity (a link direction, a
 * root-complex forwarding engine), a flow is anything consuming some of several resources.
 *
 * The system, in SimGrid's terms:
 *   - constraint c has capacity C_c (SimGrid: the constraint's bound);
 *   - flow f has a sharing weight p_f (SimGrid: the variable's *sharing penalty*: the larger it
 *     is, the smaller the flow's share — two flows on one link with p = 1 and p = 2 get 2/3 and 1/3),
 *     an optional upper bound b_f, and consumes a_{f,c} units of c per unit of rate (consumption
 *     weight, default 1);
 *   - for every c: sum_f a_{f,c} * rate_f <= C_c, and the vector (rate_f * p_f) is max-min fair.
 *
 * The algorithm is progressive filling: every round finds the constraint(s) with the smallest
 * fair level  m = remaining_c / usage_c  (usage_c = sum over unfixed flows of a/p), where every
 * flow on them would get  m / p_f. If one of those flows has a bound b_f with b_f * p_f < m, only the
 * flows with the smallest such b_f * p_f are fixed at their bound this round; otherwise all of them
 * are fixed at m / p_f. Fixing a flow subtracts its share from every constraint it uses; a
 * constraint leaves the active set when its remaining capacity or usage falls under the precision.
 *
 * Units: as in SimGrid, the precision is relative for remaining capacity but *absolute* for usages
 * (sums of a/p) and bound levels (b·p): two bounds within 1e-5 of each other are reached together.
 * Keep weights and coefficients near 1 (within ~1e4 of each other) and rates in a unit where bounds
 * are well above 1e-5 (GB/s, MB/s or bytes/s all fit PCIe); otherwise pass a smaller `precision`.
 *
 * Two departures from SimGrid, both for flows SimGrid cannot represent usefully:
 *   - a flow that uses no constraint with a positive coefficient is *unconstrained*: its rate is its
 *     bound (bottleneck -1) or Infinity (bottleneck -2). SimGrid's solver never visits such a
 *     variable and leaves its value at 0;
 *   - zero or negative capacities, weights and bounds are rejected (SimGrid reads a weight of 0 as
 *     "disabled" and a bound <= 0 as "none"; here "none" is Infinity).
 */
import { PeerdmaError } from '../errors/index.js';

/**
 * SimGrid's `maxmin/precision` configuration default (`sg_maxmin_precision`): a constraint whose
 * remaining capacity is at most capacity × this, or whose usage (sum of a/p) is at most this, is
 * saturated; two bounds b·p within this of each other are reached in the same round.
 */
export const SG_MAXMIN_PRECISION = 1e-5;
/**
 * SimGrid's `precision/work-amount` default (`sg_precision_workamount`, formerly `surf/precision`):
 * the amount of remaining work under which an action counts as finished. The solver itself does not
 * use it; it is named here for the simulations built on rates from this solver.
 */
export const SG_PRECISION_WORKAMOUNT = 1e-5;

/** Bottleneck code: the flow runs at its own bound. */
export const BOTTLENECK_OWN_BOUND = -1;
/** Bottleneck code: the flow uses no constraint with a positive coefficient and has no bound. */
export const BOTTLENECK_UNCONSTRAINED = -2;

export interface MaxMinSystem {
  /** Per constraint (resource), > 0 and finite. */
  readonly capacities: Float64Array;
  /** CSR: flow f uses entries [flowOffsets[f], flowOffsets[f+1]); length = flows + 1. */
  readonly flowOffsets: Uint32Array;
  /** Constraint index per entry. */
  readonly flowConstraints: Uint32Array;
  /** Consumption weight per entry (default 1), >= 0 and finite; 0 means "listed but not consumed". */
  readonly flowCoefficients?: Float64Array;
  /** Per flow upper bound (Infinity = none), > 0. */
  readonly flowBounds?: Float64Array;
  /** Per flow sharing weight with SimGrid's *penalty* semantics (share ∝ 1/weight), default 1, > 0. */
  readonly flowWeights?: Float64Array;
  /**
   * Per constraint, non-zero = SimGrid's FATPIPE sharing policy: the capacity limits each flow on
   * its own (max over flows of a × rate <= C) instead of their sum. Default: all shared.
   */
  readonly constraintFatpipe?: Uint8Array;
}

export interface MaxMinSolution {
  /** Per flow rate, in the capacities' unit. */
  readonly rates: Float64Array;
  /** Per flow: the constraint index that fixed its rate, -1 = own bound, -2 = unconstrained. */
  readonly bottleneck: Int32Array;
}

export interface MaxMinOptions {
  /** SimGrid's `maxmin/precision` (default {@link SG_MAXMIN_PRECISION}). */
  readonly precision?: number;
}

function bad(field: string, message: string): PeerdmaError {
  return new PeerdmaError('E_SCHEMA', message, { field });
}

/** Check shapes and ranges; throws a typed `E_SCHEMA` error naming the field and index. */
export function validateMaxMinSystem(sys: MaxMinSystem): void {
  const nC = sys.capacities.length;
  const nF = sys.flowOffsets.length - 1;
  if (nF < 0) throw bad('flowOffsets', 'must hold flows + 1 offsets (at least one: 0)');
  const nE = sys.flowConstraints.length;
  if (sys.flowOffsets[0] !== 0) throw bad('flowOffsets[0]', 'must be 0');
  if (sys.flowOffsets[nF] !== nE) {
    throw bad(`flowOffsets[${nF}]`, `must equal the number of entries (${nE})`);
  }
  for (let c = 0; c < nC; c++) {
    const cap = sys.capacities[c]!;
    if (!(cap > 0) || !Number.isFinite(cap)) {
      throw bad(`capacities[${c}]`, `capacity ${cap} is not a finite number > 0`);
    }
  }
  for (let f = 0; f < nF; f++) {
    if (sys.flowOffsets[f + 1]! < sys.flowOffsets[f]!) {
      throw bad(`flowOffsets[${f + 1}]`, 'offsets must not decrease');
    }
  }
  for (let e = 0; e < nE; e++) {
    if (sys.flowConstraints[e]! >= nC) {
      throw bad(
        `flowConstraints[${e}]`,
        `constraint ${sys.flowConstraints[e]} does not exist (${nC})`,
      );
    }
  }
  const fp = sys.constraintFatpipe;
  if (fp !== undefined && fp.length !== nC) {
    throw bad('constraintFatpipe', `length ${fp.length}, expected ${nC}`);
  }
  const co = sys.flowCoefficients;
  if (co !== undefined) {
    if (co.length !== nE) throw bad('flowCoefficients', `length ${co.length}, expected ${nE}`);
    for (let e = 0; e < nE; e++) {
      const a = co[e]!;
      if (!(a >= 0) || !Number.isFinite(a)) {
        throw bad(`flowCoefficients[${e}]`, `coefficient ${a} is not a finite number >= 0`);
      }
    }
  }
  const bo = sys.flowBounds;
  if (bo !== undefined) {
    if (bo.length !== nF) throw bad('flowBounds', `length ${bo.length}, expected ${nF}`);
    for (let f = 0; f < nF; f++) {
      if (!(bo[f]! > 0)) throw bad(`flowBounds[${f}]`, `bound ${bo[f]} is not > 0 (use Infinity)`);
    }
  }
  const we = sys.flowWeights;
  if (we !== undefined) {
    if (we.length !== nF) throw bad('flowWeights', `length ${we.length}, expected ${nF}`);
    for (let f = 0; f < nF; f++) {
      const p = we[f]!;
      if (!(p > 0) || !Number.isFinite(p)) {
        throw bad(`flowWeights[${f}]`, `weight ${p} is not a finite number > 0`);
      }
    }
  }
}

/**
 * Indexed binary min-heap of constraint indices keyed by their fair level. `pos[c]` is c's slot or
 * -1 when c is not (or no longer) in the heap.
 */
class LevelHeap {
  readonly items: Int32Array;
  readonly pos: Int32Array;
  readonly key: Float64Array;
  size = 0;

  constructor(n: number) {
    this.items = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
    this.key = new Float64Array(n);
  }

  push(c: number, k: number): void {
    this.key[c] = k;
    const i = this.size++;
    this.items[i] = c;
    this.pos[c] = i;
    this.up(i);
  }

  update(c: number, k: number): void {
    const old = this.key[c]!;
    this.key[c] = k;
    const i = this.pos[c]!;
    if (k < old) this.up(i);
    else if (k > old) this.down(i);
  }

  remove(c: number): void {
    const i = this.pos[c]!;
    this.pos[c] = -1;
    const last = --this.size;
    if (i === last) return;
    const moved = this.items[last]!;
    this.items[i] = moved;
    this.pos[moved] = i;
    this.up(i);
    this.down(this.pos[moved]!);
  }

  /** Every constraint whose key equals the minimum exactly (SimGrid compares levels with ==). */
  collectMin(out: number[]): number {
    out.length = 0;
    if (this.size === 0) return Number.NaN;
    const m = this.key[this.items[0]!]!;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const c = this.items[i]!;
      if (this.key[c] !== m) continue;
      out.push(c);
      const l = 2 * i + 1;
      if (l < this.size) stack.push(l);
      if (l + 1 < this.size) stack.push(l + 1);
    }
    return m;
  }

  private up(i: number): void {
    const { items, pos, key } = this;
    const c = items[i]!;
    const k = key[c]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pc = items[parent]!;
      if (key[pc]! <= k) break;
      items[i] = pc;
      pos[pc] = i;
      i = parent;
    }
    items[i] = c;
    pos[c] = i;
  }

  private down(i: number): void {
    const { items, pos, key } = this;
    const n = this.size;
    const c = items[i]!;
    const k = key[c]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && key[items[child + 1]!]! < key[items[child]!]!) child++;
      const cc = items[child]!;
      if (key[cc]! >= k) break;
      items[i] = cc;
      pos[cc] = i;
      i = child;
    }
    items[i] = c;
    pos[c] = i;
  }
}

/** Solve the weighted max-min fair sharing problem (see the module comment for the semantics). */
export function solveMaxMin(sys: MaxMinSystem, options: MaxMinOptions = {}): MaxMinSolution {
  validateMaxMinSystem(sys);
  const precision = options.precision ?? SG_MAXMIN_PRECISION;
  const caps = sys.capacities;
  const nC = caps.length;
  const off = sys.flowOffsets;
  const nF = off.length - 1;
  const fc = sys.flowConstraints;
  const nE = fc.length;
  const coef = sys.flowCoefficients;
  const bounds = sys.flowBounds;
  const weights = sys.flowWeights;
  const fatpipe = sys.constraintFatpipe;

  // Transpose to constraint → active entries (only entries with a positive coefficient are ever
  // active, as in SimGrid's `elem.make_active()` guard). Stored as flow indices; the coefficient is
  // not needed for scanning.
  const cOff = new Uint32Array(nC + 1);
  for (let e = 0; e < nE; e++) if (coef === undefined || coef[e]! > 0) cOff[fc[e]! + 1]!++;
  for (let c = 0; c < nC; c++) cOff[c + 1]! += cOff[c]!;
  const cFlows = new Uint32Array(cOff[nC]!);
  const cEnd = cOff.slice(0, nC); // live end of each constraint's list (fixed flows are compacted out)
  const remaining = new Float64Array(nC);
  const usage = new Float64Array(nC);
  const rates = new Float64Array(nF);
  const bottleneck = new Int32Array(nF).fill(BOTTLENECK_UNCONSTRAINED);
  const fixed = new Uint8Array(nF);
  const constrained = new Uint8Array(nF);
  for (let f = 0; f < nF; f++) {
    const p = weights === undefined ? 1 : weights[f]!;
    for (let e = off[f]!; e < off[f + 1]!; e++) {
      const a = coef === undefined ? 1 : coef[e]!;
      if (!(a > 0)) continue;
      const c = fc[e]!;
      cFlows[cEnd[c]!++] = f;
      // SHARED: usage is the sum of a/p; FATPIPE: the largest a/p.
      if (fatpipe?.[c]) usage[c] = Math.max(usage[c]!, a / p);
      else usage[c]! += a / p;
      constrained[f] = 1;
    }
  }

  const heap = new LevelHeap(nC);
  for (let c = 0; c < nC; c++) {
    remaining[c] = caps[c]!;
    if (usage[c]! > 0) heap.push(c, remaining[c]! / usage[c]!);
  }

  // FATPIPE constraints: their (flow, a/p) entries sorted by a/p, largest first; the usage after a
  // flow is fixed is the first entry whose flow is still unfixed (SimGrid rescans all of them).
  const fpOff = new Uint32Array(nC + 1);
  let fpFlow = new Uint32Array(0);
  let fpVal = new Float64Array(0);
  if (fatpipe !== undefined) {
    for (let c = 0; c < nC; c++) fpOff[c + 1] = fpOff[c]! + (fatpipe[c] ? cEnd[c]! - cOff[c]! : 0);
    fpFlow = new Uint32Array(fpOff[nC]!);
    fpVal = new Float64Array(fpOff[nC]!);
    const fill = fpOff.slice(0, nC);
    const order: number[] = [];
    const vals: number[] = [];
    for (let f = 0; f < nF; f++) {
      const p = weights === undefined ? 1 : weights[f]!;
      for (let e = off[f]!; e < off[f + 1]!; e++) {
        const c = fc[e]!;
        const a = coef === undefined ? 1 : coef[e]!;
        if (!fatpipe[c] || !(a > 0)) continue;
        fpFlow[fill[c]!] = f;
        fpVal[fill[c]!++] = a / p;
      }
    }
    for (let c = 0; c < nC; c++) {
      const lo = fpOff[c]!;
      const hi = fpOff[c + 1]!;
      if (hi - lo < 2) continue;
      order.length = 0;
      vals.length = 0;
      for (let i = lo; i < hi; i++) order.push(i);
      order.sort((x, y) => fpVal[y]! - fpVal[x]! || fpFlow[x]! - fpFlow[y]!);
      const flows = order.map((i) => fpFlow[i]!);
      for (const i of order) vals.push(fpVal[i]!);
      fpFlow.set(flows, lo);
      fpVal.set(vals, lo);
    }
  }
  const fpHead = fpOff.slice(0, nC);
  const fatpipeUsage = (c: number): number => {
    let h = fpHead[c]!;
    const end = fpOff[c + 1]!;
    while (h < end && fixed[fpFlow[h]!]) h++;
    fpHead[c] = h;
    return h < end ? fpVal[h]! : 0;
  };

  const argmin: number[] = [];
  const satFlows: number[] = [];
  const satFrom: number[] = [];
  const mark = new Uint8Array(nF); // flow is in this round's saturated set

  const fix = (f: number, value: number, why: number): void => {
    rates[f] = value;
    bottleneck[f] = why;
    fixed[f] = 1;
    const p = weights === undefined ? 1 : weights[f]!;
    for (let e = off[f]!; e < off[f + 1]!; e++) {
      const c = fc[e]!;
      const a = coef === undefined ? 1 : coef[e]!;
      const cap = caps[c]!;
      if (fatpipe?.[c]) {
        // FATPIPE: nothing is subtracted; the usage becomes the largest a/p of the flows not yet fixed.
        const u = fatpipeUsage(c);
        usage[c] = u;
        if (heap.pos[c]! < 0) continue;
        if (!(u > precision) || !(remaining[c]! > cap * precision)) heap.remove(c);
        else heap.update(c, remaining[c]! / u);
        continue;
      }
      // SimGrid's double_update: subtract, then snap to 0 under the precision.
      let r = remaining[c]! - a * value;
      if (r < cap * precision) r = 0;
      remaining[c] = r;
      let u = usage[c]! - a / p;
      if (u < precision) u = 0;
      usage[c] = u;
      if (heap.pos[c]! < 0) continue;
      if (!(u > precision) || !(r > cap * precision)) heap.remove(c);
      else heap.update(c, r / u);
    }
  };

  // Bounded flows of each constraint sorted by b·p, so a round's smallest bound is read off the
  // heads of the minimum-level constraints instead of rescanning all their flows (SimGrid rescans,
  // which is quadratic when many flows on one link have distinct bounds under their share).
  const bp = new Float64Array(nF).fill(Number.POSITIVE_INFINITY);
  if (bounds !== undefined) {
    for (let f = 0; f < nF; f++) bp[f] = bounds[f]! * (weights === undefined ? 1 : weights[f]!);
  }
  const bOff = new Uint32Array(nC + 1);
  for (let c = 0; c < nC; c++) {
    let k = 0;
    for (let i = cOff[c]!; i < cEnd[c]!; i++) if (bp[cFlows[i]!]! < Number.POSITIVE_INFINITY) k++;
    bOff[c + 1] = bOff[c]! + k;
  }
  const bFlows = new Uint32Array(bOff[nC]!);
  const bHead = bOff.slice(0, nC);
  if (bFlows.length > 0) {
    const seg: number[] = [];
    for (let c = 0; c < nC; c++) {
      seg.length = 0;
      for (let i = cOff[c]!; i < cEnd[c]!; i++) {
        const f = cFlows[i]!;
        if (bp[f]! < Number.POSITIVE_INFINITY) seg.push(f);
      }
      seg.sort((x, y) => bp[x]! - bp[y]! || x - y);
      bFlows.set(seg, bOff[c]!);
    }
  }
  /** Smallest b·p among c's unfixed bounded flows (Infinity if none); skips fixed heads for good. */
  const headBound = (c: number): number => {
    let h = bHead[c]!;
    const end = bOff[c + 1]!;
    while (h < end && fixed[bFlows[h]!]) h++;
    bHead[c] = h;
    return h < end ? bp[bFlows[h]!]! : Number.POSITIVE_INFINITY;
  };

  while (heap.size > 0) {
    const m = heap.collectMin(argmin);
    argmin.sort((x, y) => x - y);
    // SimGrid: among the flows on the minimum-level constraints, the smallest b·p under m. If there
    // is one, only flows with b·p within the precision of it are fixed (at their bounds) this round.
    let minBound = Number.POSITIVE_INFINITY;
    for (const c of argmin) {
      const h = headBound(c);
      if (h < m && h < minBound) minBound = h;
    }
    if (minBound < Number.POSITIVE_INFINITY) {
      for (const c of argmin) {
        const end = bOff[c + 1]!;
        for (let i = bHead[c]!; i < end; i++) {
          const f = bFlows[i]!;
          if (!(Math.abs(minBound - bp[f]!) < precision)) break;
          if (!fixed[f]) fix(f, bounds![f]!, BOTTLENECK_OWN_BOUND);
        }
      }
      continue;
    }
    // Otherwise every unfixed flow on a minimum-level constraint gets the level: m / p.
    satFlows.length = 0;
    satFrom.length = 0;
    for (const c of argmin) {
      let w = cOff[c]!;
      const end = cEnd[c]!;
      for (let i = cOff[c]!; i < end; i++) {
        const f = cFlows[i]!;
        if (fixed[f]) continue;
        cFlows[w++] = f;
        if (mark[f]) continue;
        mark[f] = 1;
        satFlows.push(f);
        satFrom.push(c);
      }
      cEnd[c] = w;
      // Defensive: a constraint left with no unfixed flow can never be saturated further.
      if (w === cOff[c]!) heap.remove(c);
    }
    for (let i = 0; i < satFlows.length; i++) {
      const f = satFlows[i]!;
      mark[f] = 0;
      fix(f, m / (weights === undefined ? 1 : weights[f]!), satFrom[i]!);
    }
  }

  for (let f = 0; f < nF; f++) {
    if (fixed[f]) continue;
    if (!constrained[f]) {
      const b = bounds === undefined ? Number.POSITIVE_INFINITY : bounds[f]!;
      rates[f] = b;
      bottleneck[f] =
        b === Number.POSITIVE_INFINITY ? BOTTLENECK_UNCONSTRAINED : BOTTLENECK_OWN_BOUND;
      continue;
    }
    // Every constraint this flow uses left the active set before the flow was reached (rounding
    // under the precision): SimGrid leaves its value at 0. Name the tightest of its constraints.
    let best = -1;
    let bestSlack = Number.POSITIVE_INFINITY;
    for (let e = off[f]!; e < off[f + 1]!; e++) {
      if (coef !== undefined && !(coef[e]! > 0)) continue;
      const c = fc[e]!;
      const slack = remaining[c]! / caps[c]!;
      if (slack < bestSlack) {
        bestSlack = slack;
        best = c;
      }
    }
    rates[f] = 0;
    bottleneck[f] = best;
  }
  return { rates, bottleneck };
}

/**
 * Per constraint, the capacity the given rates consume: the sum over its entries of coefficient ×
 * rate (FATPIPE: the largest of them).
 */
export function constraintLoads(sys: MaxMinSystem, rates: Float64Array): Float64Array {
  const load = new Float64Array(sys.capacities.length);
  const off = sys.flowOffsets;
  const coef = sys.flowCoefficients;
  for (let f = 0; f + 1 < off.length; f++) {
    const r = rates[f]!;
    for (let e = off[f]!; e < off[f + 1]!; e++) {
      const a = coef === undefined ? 1 : coef[e]!;
      if (!(a > 0)) continue;
      const c = sys.flowConstraints[e]!;
      if (sys.constraintFatpipe?.[c]) load[c] = Math.max(load[c]!, a * r);
      else load[c]! += a * r;
    }
  }
  return load;
}

/** One use of a constraint by a flow: which constraint, and how much of it per unit of rate. */
export interface MaxMinUse {
  readonly constraint: number;
  readonly coefficient: number;
}

export interface MaxMinFlowOptions {
  /** Upper bound on the flow's rate (default Infinity = none). */
  readonly bound?: number;
  /** Sharing weight, SimGrid penalty semantics (default 1). */
  readonly weight?: number;
}

/** Incremental construction of a {@link MaxMinSystem}. */
export class MaxMinBuilder {
  private readonly caps: number[] = [];
  private readonly fatpipe: number[] = [];
  private readonly offsets: number[] = [0];
  private readonly constraints: number[] = [];
  private readonly coefficients: number[] = [];
  private readonly bounds: number[] = [];
  private readonly weights: number[] = [];
  private anyCoefficient = false;
  private anyBound = false;
  private anyWeight = false;

  get constraintCount(): number {
    return this.caps.length;
  }

  get flowCount(): number {
    return this.bounds.length;
  }

  /**
   * Add a constraint (resource) with this capacity; returns its index. `fatpipe`: SimGrid's FATPIPE
   * policy (the capacity limits each flow alone, it is not shared).
   */
  addConstraint(capacity: number, options: { readonly fatpipe?: boolean } = {}): number {
    this.caps.push(capacity);
    this.fatpipe.push(options.fatpipe ? 1 : 0);
    return this.caps.length - 1;
  }

  /**
   * Add a flow using these constraints (an index means coefficient 1); returns its index. A
   * constraint listed twice is consumed twice (coefficients add up).
   */
  addFlow(uses: readonly (number | MaxMinUse)[], options: MaxMinFlowOptions = {}): number {
    for (const u of uses) {
      if (typeof u === 'number') {
        this.constraints.push(u);
        this.coefficients.push(1);
      } else {
        this.constraints.push(u.constraint);
        this.coefficients.push(u.coefficient);
        if (u.coefficient !== 1) this.anyCoefficient = true;
      }
    }
    this.offsets.push(this.constraints.length);
    const bound = options.bound ?? Number.POSITIVE_INFINITY;
    const weight = options.weight ?? 1;
    this.bounds.push(bound);
    this.weights.push(weight);
    if (bound !== Number.POSITIVE_INFINITY) this.anyBound = true;
    if (weight !== 1) this.anyWeight = true;
    return this.bounds.length - 1;
  }

  build(): MaxMinSystem {
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= this.caps.length) {
        throw bad(`flowConstraints[${i}]`, `constraint ${c} does not exist (${this.caps.length})`);
      }
    }
    return {
      capacities: Float64Array.from(this.caps),
      flowOffsets: Uint32Array.from(this.offsets),
      flowConstraints: Uint32Array.from(this.constraints),
      ...(this.anyCoefficient ? { flowCoefficients: Float64Array.from(this.coefficients) } : {}),
      ...(this.anyBound ? { flowBounds: Float64Array.from(this.bounds) } : {}),
      ...(this.anyWeight ? { flowWeights: Float64Array.from(this.weights) } : {}),
      ...(this.fatpipe.includes(1) ? { constraintFatpipe: Uint8Array.from(this.fatpipe) } : {}),
    };
  }
}

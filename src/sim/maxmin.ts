/**
 * Placeholder of helper 10a's max-min solver (branch i10a owns src/sim): same API, a plain
 * progressive-filling implementation. Replaced by i10a's solver at merge time.
 */
export interface MaxMinSystem {
  readonly capacities: Float64Array;
  readonly flowOffsets: Uint32Array;
  readonly flowConstraints: Uint32Array;
  readonly flowCoefficients?: Float64Array;
  readonly flowBounds?: Float64Array;
  readonly flowWeights?: Float64Array;
}
export interface MaxMinSolution {
  readonly rates: Float64Array;
  readonly bottleneck: Int32Array;
}

export function solveMaxMin(sys: MaxMinSystem): MaxMinSolution {
  const nf = sys.flowOffsets.length - 1;
  const nc = sys.capacities.length;
  const rates = new Float64Array(nf);
  const bottleneck = new Int32Array(nf).fill(-2);
  const fixed = new Uint8Array(nf);
  const remaining = Float64Array.from(sys.capacities);
  const coef = (e: number) => sys.flowCoefficients?.[e] ?? 1;
  let left = nf;
  for (let f = 0; f < nf; f++) {
    if (sys.flowOffsets[f] === sys.flowOffsets[f + 1] && !(sys.flowBounds?.[f]! < Infinity)) {
      rates[f] = Infinity;
      fixed[f] = 1;
      left--;
    }
  }
  while (left > 0) {
    const load = new Float64Array(nc);
    for (let f = 0; f < nf; f++) {
      if (fixed[f]) continue;
      for (let e = sys.flowOffsets[f]!; e < sys.flowOffsets[f + 1]!; e++)
        load[sys.flowConstraints[e]!]! += coef(e);
    }
    let inc = Infinity;
    let which = -2;
    for (let c = 0; c < nc; c++) {
      if (load[c]! > 0) {
        const s = remaining[c]! / load[c]!;
        if (s < inc) {
          inc = s;
          which = c;
        }
      }
    }
    for (let f = 0; f < nf; f++) {
      if (fixed[f]) continue;
      const b = (sys.flowBounds?.[f] ?? Infinity) - rates[f]!;
      if (b < inc) {
        inc = b;
        which = -1;
      }
    }
    if (!Number.isFinite(inc)) break;
    for (let f = 0; f < nf; f++) {
      if (fixed[f]) continue;
      rates[f]! += inc;
      for (let e = sys.flowOffsets[f]!; e < sys.flowOffsets[f + 1]!; e++)
        remaining[sys.flowConstraints[e]!]! -= inc * coef(e);
    }
    for (let f = 0; f < nf; f++) {
      if (fixed[f]) continue;
      let sat = -2;
      if (rates[f]! >= (sys.flowBounds?.[f] ?? Infinity) * (1 - 1e-12)) sat = -1;
      for (let e = sys.flowOffsets[f]!; e < sys.flowOffsets[f + 1]! && sat === -2; e++) {
        const c = sys.flowConstraints[e]!;
        if (remaining[c]! <= sys.capacities[c]! * 1e-12) sat = c;
      }
      if (sat !== -2) {
        fixed[f] = 1;
        bottleneck[f] = sat;
        left--;
      }
    }
    if (which === -2) break;
  }
  return { rates, bottleneck };
}

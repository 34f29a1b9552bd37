/**
 * The max-min solver on hand-derived systems (the answer worked out in each comment, in the style of
 * SimGrid's src/kernel/lmm/maxmin_test.cpp) and fast-check invariants that together characterise
 * the weighted max-min fair allocation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isPeerdmaError } from '../errors/index.js';
import {
  BOTTLENECK_OWN_BOUND,
  BOTTLENECK_UNCONSTRAINED,
  constraintLoads,
  MaxMinBuilder,
  type MaxMinSystem,
  solveMaxMin,
} from './maxmin.js';
import { randomSystem, seededRandom } from './testing/random.js';

function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual}, expected ${expected}`,
  );
}

function solve(b: MaxMinBuilder): { rates: number[]; bottleneck: number[] } {
  const s = solveMaxMin(b.build());
  return { rates: Array.from(s.rates), bottleneck: Array.from(s.bottleneck) };
}

describe('max-min: hand-derived systems', () => {
  test('weight is a penalty: twice the weight, half the share', () => {
    // C = 3, p1 = 1, p2 = 2: level m with m/1 + m/2 = 3 → m = 2: rates 2 and 1.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(3);
    b.addFlow([c]);
    b.addFlow([c], { weight: 2 });
    const s = solve(b);
    near(s.rates[0]!, 2, 'p=1');
    near(s.rates[1]!, 1, 'p=2');
    assert.deepEqual(s.bottleneck, [c, c]);
  });

  test('a larger coefficient consumes more of the resource for the same share', () => {
    // C = 3, a1 = 1, a2 = 2, p = 1: m + 2m = 3 → both rates 1.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(3);
    b.addFlow([c]);
    b.addFlow([{ constraint: c, coefficient: 2 }]);
    const s = solve(b);
    near(s.rates[0]!, 1, 'a=1');
    near(s.rates[1]!, 1, 'a=2');
  });

  test('coefficient and weight together', () => {
    // C = 20, a = (1, 2), p = (1, 2): usage = 1/1 + 2/2 = 2, m = 10: rates 10 and 5 (1·10 + 2·5 = 20).
    const b = new MaxMinBuilder();
    const c = b.addConstraint(20);
    b.addFlow([c]);
    b.addFlow([{ constraint: c, coefficient: 2 }], { weight: 2 });
    const s = solve(b);
    near(s.rates[0]!, 10, 'flow 0');
    near(s.rates[1]!, 5, 'flow 1');
  });

  test('two constraints: the lower level saturates first, the other takes the rest', () => {
    // c0 = 20: f0 (a 1, p 1), f1 (a 2, p 2) → level 20 / (1 + 1) = 10.
    // c1 = 60: f0 (a 2), f2 (a 1) → level 60 / (2 + 1) = 20 > 10, so c0 goes first: f0 = 10, f1 = 5.
    // c1 then has 60 − 2·10 = 40 left for f2 alone: f2 = 40.
    const b = new MaxMinBuilder();
    const c0 = b.addConstraint(20);
    const c1 = b.addConstraint(60);
    b.addFlow([c0, { constraint: c1, coefficient: 2 }]);
    b.addFlow([{ constraint: c0, coefficient: 2 }], { weight: 2 });
    b.addFlow([c1]);
    const s = solve(b);
    near(s.rates[0]!, 10, 'f0');
    near(s.rates[1]!, 5, 'f1');
    near(s.rates[2]!, 40, 'f2');
    assert.deepEqual(s.bottleneck, [c0, c0, c1]);
  });

  test('the classic parking lot: the long flow shares every link', () => {
    // Links L0 (1) and L1 (2); A crosses both, B only L0, C only L1.
    // L0: level 1/2, L1: level 2/2 = 1 → L0 first: A = B = 0.5. L1 then: C = 2 − 0.5 = 1.5.
    const b = new MaxMinBuilder();
    const l0 = b.addConstraint(1);
    const l1 = b.addConstraint(2);
    b.addFlow([l0, l1]);
    b.addFlow([l0]);
    b.addFlow([l1]);
    const s = solve(b);
    near(s.rates[0]!, 0.5, 'A');
    near(s.rates[1]!, 0.5, 'B');
    near(s.rates[2]!, 1.5, 'C');
    assert.deepEqual(s.bottleneck, [l0, l0, l1]);
  });

  test('a bound under the fair share frees capacity for the others', () => {
    // C = 10, three flows, A bounded at 2: level 10/3 > 2 → A = 2 first (own bound);
    // then 8 left for two: B = C = 4.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(10);
    b.addFlow([c], { bound: 2 });
    b.addFlow([c]);
    b.addFlow([c]);
    const s = solve(b);
    assert.deepEqual(s.rates, [2, 4, 4]);
    assert.deepEqual(s.bottleneck, [BOTTLENECK_OWN_BOUND, c, c]);
  });

  test('a bound exactly at the fair share counts as the link, not the bound (SimGrid: b·p < m)', () => {
    // C = 9, three flows, A bounded at 3 = the level 9/3: not strictly under, so all three get 3
    // from the constraint in one round.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(9);
    b.addFlow([c], { bound: 3 });
    b.addFlow([c]);
    b.addFlow([c]);
    const s = solve(b);
    assert.deepEqual(s.rates, [3, 3, 3]);
    assert.deepEqual(s.bottleneck, [c, c, c]);
  });

  test('a bound scales with the weight: b·p is compared with the level', () => {
    // C = 12, A (p = 2, bound 3), B (p = 1): usage 1/2 + 1 = 1.5, level 8; A's b·p = 6 < 8 → A = 3
    // at its bound; B = 12 − 3 = 9.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(12);
    b.addFlow([c], { weight: 2, bound: 3 });
    b.addFlow([c]);
    const s = solve(b);
    assert.deepEqual(s.rates, [3, 9]);
    assert.deepEqual(s.bottleneck, [BOTTLENECK_OWN_BOUND, c]);
  });

  test('equal levels saturate together and the lower constraint index is named', () => {
    // c0 = 1 and c1 = 1 both carry only f0: both at level 1, so f0 = 1, named c0 (the lower index,
    // whatever order the flow lists them in). f1 alone on c2 (2) gets 2.
    const b = new MaxMinBuilder();
    const c0 = b.addConstraint(1);
    const c1 = b.addConstraint(1);
    const c2 = b.addConstraint(2);
    b.addFlow([c1, c0]);
    b.addFlow([c2]);
    const s = solve(b);
    assert.deepEqual(s.rates, [1, 2]);
    assert.deepEqual(s.bottleneck, [c0, c2]);
  });

  test('listing a constraint twice consumes it twice', () => {
    // [c, c] is coefficient 2: C = 6, usage 2 (f0) + 1 (f1) = 3 → level 2 for both (2·2 + 2 = 6).
    const twice = new MaxMinBuilder();
    const c = twice.addConstraint(6);
    twice.addFlow([c, c]);
    twice.addFlow([c]);
    const once = new MaxMinBuilder();
    const d = once.addConstraint(6);
    once.addFlow([{ constraint: d, coefficient: 2 }]);
    once.addFlow([d]);
    assert.deepEqual(solve(twice).rates, solve(once).rates);
    assert.deepEqual(solve(twice).rates, [2, 2]);
  });

  test('unconstrained flows: Infinity, or their bound', () => {
    const b = new MaxMinBuilder();
    const c = b.addConstraint(5);
    b.addFlow([]);
    b.addFlow([], { bound: 7 });
    b.addFlow([{ constraint: c, coefficient: 0 }]);
    b.addFlow([c]);
    const s = solve(b);
    assert.deepEqual(s.rates, [Number.POSITIVE_INFINITY, 7, Number.POSITIVE_INFINITY, 5]);
    assert.deepEqual(s.bottleneck, [
      BOTTLENECK_UNCONSTRAINED,
      BOTTLENECK_OWN_BOUND,
      BOTTLENECK_UNCONSTRAINED,
      c,
    ]);
  });

  test('no flows, no constraints', () => {
    const s = solveMaxMin(new MaxMinBuilder().build());
    assert.equal(s.rates.length, 0);
    assert.equal(s.bottleneck.length, 0);
  });

  test('precision: a flow every constraint of which snapped shut is left at 0, as in SimGrid', () => {
    // C = 1: A bounded at 0.999995, B with weight 1e6 (usage 1 + 1e-6, level ≈ 0.999999). A is fixed at
    // its bound; 5e-6 remains, under C × 1e-5, so the constraint counts as saturated and B gets 0.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(1);
    b.addFlow([c], { bound: 0.999995 });
    b.addFlow([c], { weight: 1e6 });
    const s = solve(b);
    assert.deepEqual(s.rates, [0.999995, 0]);
    assert.deepEqual(s.bottleneck, [BOTTLENECK_OWN_BOUND, c]);
    // With a finer precision the same system shares the remainder: B = 1e-6 × level.
    const fine = solveMaxMin(b.build(), { precision: 1e-12 });
    assert.ok(fine.rates[1]! > 0);
  });

  test('FATPIPE: the capacity limits each flow alone, weights still scale the shares', () => {
    // SimGrid maxmin_test, unshared: C = 10, p = (1, 2), a = (1, 2): usage max(1/1, 2/2) = 1,
    // level 10 → rates 10 and 5 (a × rate = 10 each: each flow alone at the capacity).
    const b = new MaxMinBuilder();
    const c = b.addConstraint(10, { fatpipe: true });
    b.addFlow([c]);
    b.addFlow([{ constraint: c, coefficient: 2 }], { weight: 2 });
    const sys = b.build();
    const s = solveMaxMin(sys);
    assert.deepEqual(Array.from(s.rates), [10, 5]);
    assert.deepEqual(Array.from(constraintLoads(sys, s.rates)), [10]);
    // Same weights, coefficients (1, 2): usage max(1, 2) = 2, level 5 → both 5.
    const b2 = new MaxMinBuilder();
    const d = b2.addConstraint(10, { fatpipe: true });
    b2.addFlow([d]);
    b2.addFlow([{ constraint: d, coefficient: 2 }]);
    assert.deepEqual(solve(b2).rates, [5, 5]);
  });

  test('FATPIPE behind a shared link: the shared link decides', () => {
    // Fat pipe F = 10 carries A and B; shared S = 6 carries B and C. F: level 10 (usage max 1);
    // S: level 3. S first: B = C = 3. F then: A alone, usage 1, level 10 → A = 10.
    const b = new MaxMinBuilder();
    const f = b.addConstraint(10, { fatpipe: true });
    const sh = b.addConstraint(6);
    b.addFlow([f]);
    b.addFlow([f, sh]);
    b.addFlow([sh]);
    const s = solve(b);
    assert.deepEqual(s.rates, [10, 3, 3]);
    assert.deepEqual(s.bottleneck, [f, sh, sh]);
  });

  test('constraintLoads sums coefficient × rate per constraint', () => {
    const b = new MaxMinBuilder();
    const l0 = b.addConstraint(1);
    const l1 = b.addConstraint(2);
    b.addFlow([l0, { constraint: l1, coefficient: 2 }]);
    b.addFlow([l1]);
    const sys = b.build();
    const s = solveMaxMin(sys);
    // Levels: l0 = 1 / 1 = 1, l1 = 2 / (2 + 1) = 2/3, so l1 goes first: f0 = f1 = 2/3.
    // Loads: l0 = 2/3, l1 = 2 · 2/3 + 2/3 = 2.
    near(s.rates[0]!, 2 / 3, 'f0');
    near(s.rates[1]!, 2 / 3, 'f1');
    const load = constraintLoads(sys, s.rates);
    near(load[l0]!, 2 / 3, 'l0 load');
    near(load[l1]!, 2, 'l1 load');
  });
});

describe('max-min: bad systems are rejected with the field named', () => {
  const cases: [string, () => MaxMinSystem, string][] = [
    ['zero capacity', () => withFlows([0], [[0]]), 'capacities[0]'],
    [
      'NaN weight',
      () => ({ ...withFlows([1], [[0]]), flowWeights: Float64Array.of(Number.NaN) }),
      'flowWeights[0]',
    ],
    [
      'zero bound',
      () => ({ ...withFlows([1], [[0]]), flowBounds: Float64Array.of(0) }),
      'flowBounds[0]',
    ],
    [
      'negative coefficient',
      () => ({ ...withFlows([1], [[0]]), flowCoefficients: Float64Array.of(-1) }),
      'flowCoefficients[0]',
    ],
    ['unknown constraint', () => withFlows([1], [[3]]), 'flowConstraints[0]'],
    [
      'offsets short of the entries',
      () => ({ ...withFlows([1], [[0]]), flowOffsets: Uint32Array.of(0, 0) }),
      'flowOffsets[1]',
    ],
  ];
  for (const [name, make, field] of cases) {
    test(name, () => {
      assert.throws(
        () => solveMaxMin(make()),
        (e: unknown) => isPeerdmaError(e) && e.code === 'E_SCHEMA' && e.location.field === field,
      );
    });
  }

  test('the builder checks constraint indices', () => {
    const b = new MaxMinBuilder();
    b.addConstraint(1);
    b.addFlow([1]);
    assert.throws(
      () => b.build(),
      (e: unknown) => isPeerdmaError(e) && e.location.field === 'flowConstraints[0]',
    );
  });
});

function withFlows(caps: number[], flows: number[][]): MaxMinSystem {
  const b = new MaxMinBuilder();
  for (const c of caps) b.addConstraint(c);
  const offsets = [0];
  const constraints: number[] = [];
  for (const f of flows) {
    constraints.push(...f);
    offsets.push(constraints.length);
  }
  return {
    capacities: Float64Array.from(caps),
    flowOffsets: Uint32Array.from(offsets),
    flowConstraints: Uint32Array.from(constraints),
  };
}

/**
 * Invariants on random systems (weights and coefficients within 0.25–4, where SimGrid's absolute
 * usage precision cannot drop a constraint early). Together they say the allocation is the weighted
 * max-min fair one: feasible, and every flow is stopped either by its bound or by a full constraint
 * on which no other flow has a higher level rate × weight.
 */
describe('max-min: invariants (fast-check)', () => {
  const shapes = fc.record({
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    constraints: fc.integer({ min: 1, max: 40 }),
    flows: fc.integer({ min: 0, max: 120 }),
    maxHops: fc.integer({ min: 1, max: 6 }),
    boundShare: fc.double({ min: 0, max: 0.6, noNaN: true }),
    weightShare: fc.double({ min: 0, max: 0.6, noNaN: true }),
    coefficientShare: fc.double({ min: 0, max: 0.6, noNaN: true }),
    integral: fc.boolean(),
    // SimGrid's precision is absolute on usages (a/p) and bound levels (b·p): values must stay well
    // above 1e-5 for the allocation to be the exact max-min one, so no tiny units here.
    scale: fc.constantFrom(1, 1e3, 1e9),
    fatpipeShare: fc.constantFrom(0, 0.3),
  });

  test('feasible, bounded, and every flow has a full bottleneck where it has the top level', () => {
    fc.assert(
      fc.property(shapes, ({ seed, ...shape }) => {
        const sys = randomSystem(seededRandom(seed), shape);
        const { rates, bottleneck } = solveMaxMin(sys);
        const nF = rates.length;
        const load = constraintLoads(sys, rates);
        const w = (f: number) => sys.flowWeights?.[f] ?? 1;
        for (let c = 0; c < sys.capacities.length; c++) {
          assert.ok(load[c]! <= sys.capacities[c]! * (1 + 1e-9), `constraint ${c} over capacity`);
        }
        for (let f = 0; f < nF; f++) {
          const r = rates[f]!;
          const bound = sys.flowBounds?.[f] ?? Number.POSITIVE_INFINITY;
          assert.ok(r > 0 && Number.isFinite(r), `flow ${f} rate ${r}`);
          assert.ok(r <= bound * (1 + 1e-12), `flow ${f} over its bound`);
          const c = bottleneck[f]!;
          if (c === BOTTLENECK_OWN_BOUND) {
            assert.equal(r, bound);
            continue;
          }
          assert.ok(c >= 0, `flow ${f} bottleneck ${c}`);
          assert.ok(
            load[c]! >= sys.capacities[c]! * (1 - 1e-9),
            `bottleneck ${c} of ${f} not full`,
          );
          let uses = false;
          for (let e = sys.flowOffsets[f]!; e < sys.flowOffsets[f + 1]!; e++) {
            if (sys.flowConstraints[e] === c) uses = true;
          }
          assert.ok(uses, `flow ${f} does not use its bottleneck ${c}`);
          for (let g = 0; g < nF; g++) {
            for (let e = sys.flowOffsets[g]!; e < sys.flowOffsets[g + 1]!; e++) {
              if (sys.flowConstraints[e] !== c) continue;
              assert.ok(
                rates[g]! * w(g) <= r * w(f) * (1 + 1e-9),
                `flow ${g} has a higher level than ${f} on ${f}'s bottleneck ${c}`,
              );
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test('scaling every capacity and bound by 2^k scales every rate by 2^k', () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 20 }), ({ seed, ...shape }, k) => {
        const sys = randomSystem(seededRandom(seed), shape);
        const s = 2 ** k;
        const scaled: MaxMinSystem = {
          ...sys,
          capacities: sys.capacities.map((c) => c * s),
          ...(sys.flowBounds ? { flowBounds: sys.flowBounds.map((b) => b * s) } : {}),
        };
        const a = solveMaxMin(sys).rates;
        const b = solveMaxMin(scaled).rates;
        for (let f = 0; f < a.length; f++) {
          assert.ok(Math.abs(b[f]! - a[f]! * s) <= 1e-12 * b[f]!, `flow ${f}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('same system, same bytes: the solution is deterministic', () => {
    const sys = randomSystem(seededRandom(7), {
      constraints: 30,
      flows: 200,
      maxHops: 4,
      boundShare: 0.3,
      weightShare: 0.3,
      coefficientShare: 0.3,
    });
    const a = solveMaxMin(sys);
    const b = solveMaxMin(sys);
    assert.deepEqual(Buffer.from(a.rates.buffer), Buffer.from(b.rates.buffer));
    assert.deepEqual(a.bottleneck, b.bottleneck);
  });
});

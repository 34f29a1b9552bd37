/** Fluid transfers: completion times worked out by hand, and work conservation on one link. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isPeerdmaError } from '../errors/index.js';
import { MaxMinBuilder, SG_PRECISION_WORKAMOUNT } from './maxmin.js';
import { simulateTransfers } from './transfers.js';

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a}, expected ${b}`);

describe('simulateTransfers', () => {
  test('two flows on one link: the short one leaves, the long one speeds up', () => {
    // C = 10, sizes 10 and 30: both at 5 until t = 2 (10 / 5); the second has 30 − 10 = 20 left and
    // runs alone at 10: done at t = 2 + 2 = 4.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(10);
    b.addFlow([c]);
    b.addFlow([c]);
    const r = simulateTransfers(b.build(), Float64Array.of(10, 30));
    near(r.finish[0]!, 2, 'short');
    near(r.finish[1]!, 4, 'long');
    assert.deepEqual(Array.from(r.initialRates), [5, 5]);
    assert.equal(r.solves, 3); // the steady state, then both, then the long one alone
  });

  test('parking lot: the long flow speeds up when a short one on its bottleneck leaves', () => {
    // L0 = 1, L1 = 2; A on both (size 2), B on L0 (size 0.5), C on L1 (size 6).
    // Rates A = B = 0.5 (L0), C = 1.5. B done at t = 1 (A has 1.5 left, C 4.5).
    // Then L0 carries A alone (level 1), L1: A + C, level 1: A = 1, C = 1 (L1 full at 2).
    // A done at 1 + 1.5 = 2.5 (C has 3 left), then C alone at 2: 2.5 + 1.5 = 4.
    const b = new MaxMinBuilder();
    const l0 = b.addConstraint(1);
    const l1 = b.addConstraint(2);
    b.addFlow([l0, l1]);
    b.addFlow([l0]);
    b.addFlow([l1]);
    const r = simulateTransfers(b.build(), Float64Array.of(2, 0.5, 6));
    near(r.finish[1]!, 1, 'B');
    near(r.finish[0]!, 2.5, 'A');
    near(r.finish[2]!, 4, 'C');
  });

  test('a bound holds a flow back even when the link frees up', () => {
    // C = 10; A bounded at 2 (size 4), B (size 16): A = 2, B = 8 → both done at t = 2.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(10);
    b.addFlow([c], { bound: 2 });
    b.addFlow([c]);
    const r = simulateTransfers(b.build(), Float64Array.of(4, 16));
    near(r.finish[0]!, 2, 'A');
    near(r.finish[1]!, 2, 'B');
    assert.equal(r.solves, 2); // both finish in the same step
  });

  test('zero sizes finish at once; unconstrained flows finish instantly', () => {
    const b = new MaxMinBuilder();
    const c = b.addConstraint(1);
    b.addFlow([c]);
    b.addFlow([]);
    const r = simulateTransfers(b.build(), Float64Array.of(0, 5));
    assert.deepEqual(Array.from(r.finish), [0, 0]);
  });

  test('sizes are checked', () => {
    const b = new MaxMinBuilder();
    b.addFlow([b.addConstraint(1)]);
    assert.throws(
      () => simulateTransfers(b.build(), Float64Array.of(-1)),
      (e: unknown) => isPeerdmaError(e) && e.location.field === 'sizes[0]',
    );
    assert.throws(
      () => simulateTransfers(b.build(), Float64Array.of(1, 2)),
      (e: unknown) => isPeerdmaError(e) && e.location.field === 'sizes',
    );
  });

  test('one link is work-conserving: the last flow ends at total work / capacity', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 100, noNaN: true }),
        fc.array(
          fc.record({
            size: fc.double({ min: 1, max: 1000, noNaN: true }),
            weight: fc.double({ min: 0.25, max: 4, noNaN: true }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (cap, flows) => {
          const b = new MaxMinBuilder();
          const c = b.addConstraint(cap);
          for (const f of flows) b.addFlow([c], { weight: f.weight });
          const sizes = Float64Array.from(flows, (f) => f.size);
          const r = simulateTransfers(b.build(), sizes);
          const total = sizes.reduce((s, x) => s + x, 0);
          const last = Math.max(...r.finish);
          // A flow counts as done with up to SG_PRECISION_WORKAMOUNT of work left, so the end can
          // come that much work early per flow.
          const ideal = total / cap;
          const slack = (flows.length * SG_PRECISION_WORKAMOUNT) / cap + 1e-12 * ideal;
          assert.ok(last <= ideal + slack && last >= ideal - slack, `${last} vs ${ideal}`);
        },
      ),
      { numRuns: 50 },
    );
  });
});

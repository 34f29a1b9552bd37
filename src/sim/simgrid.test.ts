/**
 * Differential test: our solver against SimGrid's own lmm max-min solver (libsimgrid 3.32 via
 * python3-simgrid) on 240 seeded random systems, all in one SimGrid process. Every rate must agree
 * to 1e-9 relative. Skipped, saying so, when SimGrid is not installed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BOTTLENECK_OWN_BOUND, MaxMinBuilder, type MaxMinSystem, solveMaxMin } from './maxmin.js';
import { randomSystem, seededRandom } from './testing/random.js';
import { findSimgrid, solveWithSimgrid } from './testing/simgrid.js';

const found = findSimgrid();
const skip = 'skip' in found ? `SimGrid differential skipped: ${found.skip}` : false;
if (skip) process.stderr.write(`${skip}\n`);

/**
 * 240 systems: small and medium, fractional and integral (exact ties), several unit scales,
 * "hot link" systems where most flows share one link and carry distinct bounds, and a third with
 * some FATPIPE constraints.
 */
function corpus(): MaxMinSystem[] {
  const out: MaxMinSystem[] = [];
  const rand = seededRandom(20261206);
  const scales = [1, 1e-2, 1e3, 1e10];
  for (let i = 0; i < 240; i++) {
    const kind = i % 5;
    const medium = kind === 3;
    const hot = kind === 4;
    out.push(
      randomSystem(rand, {
        constraints: hot ? 2 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * (medium ? 60 : 12)),
        flows: 1 + Math.floor(rand() * (medium || hot ? 150 : 30)),
        maxHops: medium ? 6 : hot ? 2 : 4,
        boundShare: hot ? 0.8 : 0.35,
        weightShare: 0.4,
        coefficientShare: 0.3,
        integral: kind === 1,
        scale: scales[(i >> 2) % scales.length]!,
        fatpipeShare: i % 3 === 0 ? 0.3 : 0,
      }),
    );
  }
  return out;
}

/**
 * Hand-made systems where SimGrid's precision rules decide the answer; ours must decide alike.
 * Returned with the rates SimGrid is expected to give (checked against SimGrid below, too).
 */
function crafted(): { sys: MaxMinSystem; expect: number[]; why: string }[] {
  const out: { sys: MaxMinSystem; expect: number[]; why: string }[] = [];
  {
    // C = 1; A bounded at 0.999995, B with weight 1e6. Level m = 1 / (1 + 1e-6) = 0.999999 > A's
    // bound, so A is fixed at 0.999995 first; the remaining 5e-6 is under 1 × 1e-5 and snaps to 0,
    // B's usage 1e-6 under 1e-5 snaps to 0: the constraint leaves, B is never reached: rate 0.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(1);
    b.addFlow([c], { bound: 0.999995 });
    b.addFlow([c], { weight: 1e6 });
    out.push({ sys: b.build(), expect: [0.999995, 0], why: 'orphaned by remaining snap' });
  }
  {
    // Two bounds within 1e-5 of each other (b·p = 1 and 1.000005) are reached in the same round,
    // each at its own bound; the third flow takes the rest: 10 − 1 − 1.000005 = 7.999995.
    const b = new MaxMinBuilder();
    const c = b.addConstraint(10);
    b.addFlow([c], { bound: 1 });
    b.addFlow([c], { bound: 1.000005 });
    b.addFlow([c]);
    out.push({ sys: b.build(), expect: [1, 1.000005, 7.999995], why: 'bounds within precision' });
  }
  {
    // A zero coefficient lists a constraint without consuming it: flow 0 is limited by c1 only.
    const b = new MaxMinBuilder();
    const c0 = b.addConstraint(1);
    const c1 = b.addConstraint(4);
    b.addFlow([{ constraint: c0, coefficient: 0 }, c1]);
    b.addFlow([c0]);
    out.push({ sys: b.build(), expect: [4, 1], why: 'zero coefficient' });
  }
  {
    // FATPIPE c0 = 10 (SimGrid maxmin_test, unshared, multiple constraints), FATPIPE c1 = 60.
    // f0 (p 1; a 1 on c0, 2 on c1), f1 (p 2; a 2 on c0), f2 (p 1; a 1 on c1).
    // c0 usage max(1/1, 2/2) = 1 → level 10; c1 usage max(2/1, 1/1) = 2 → level 30. c0 first:
    // f0 = 10, f1 = 5. c1 is not drained (FATPIPE): usage max(1/1) = 1 → level 60: f2 = 60.
    const b = new MaxMinBuilder();
    const c0 = b.addConstraint(10, { fatpipe: true });
    const c1 = b.addConstraint(60, { fatpipe: true });
    b.addFlow([c0, { constraint: c1, coefficient: 2 }]);
    b.addFlow([{ constraint: c0, coefficient: 2 }], { weight: 2 });
    b.addFlow([c1]);
    out.push({ sys: b.build(), expect: [10, 5, 60], why: 'FATPIPE' });
  }
  return out;
}

describe('max-min solver vs SimGrid lmm (MaxMin::maxmin_solve)', { skip }, () => {
  test('240 random systems: every rate equal within 1e-9 relative', () => {
    if ('skip' in found) return;
    const systems = corpus();
    const sg = solveWithSimgrid(found, systems);
    assert.equal(sg.results.length, systems.length);
    let flows = 0;
    let byBound = 0;
    let worst = 0;
    for (let s = 0; s < systems.length; s++) {
      const sys = systems[s]!;
      const ours = solveMaxMin(sys);
      const theirs = sg.results[s]!.rates;
      assert.equal(theirs.length, ours.rates.length, `system ${s}: flow count`);
      for (let f = 0; f < theirs.length; f++) {
        const a = ours.rates[f]!;
        const b = theirs[f]!;
        const rel = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
        worst = Math.max(worst, rel);
        assert.ok(
          rel <= 1e-9,
          `system ${s} flow ${f}: ours ${a}, SimGrid ${sg.simgrid} ${b} (relative ${rel})`,
        );
        flows++;
        if (ours.bottleneck[f] === BOTTLENECK_OWN_BOUND) byBound++;
      }
    }
    // The corpus must exercise bounds and shared bottlenecks, or the comparison proves little.
    assert.ok(byBound > flows / 20, `only ${byBound} of ${flows} flows at their bound`);
    assert.ok(byBound < flows / 2, `${byBound} of ${flows} flows at their bound`);
    process.stderr.write(
      `SimGrid ${sg.simgrid}: ${systems.length} systems, ${flows} flows, ${byBound} at their bound, worst relative difference ${worst.toExponential(2)}\n`,
    );
  });

  test('precision rules: the same decisions as SimGrid on hand-made edge cases', () => {
    if ('skip' in found) return;
    const cases = crafted();
    const sg = solveWithSimgrid(
      found,
      cases.map((c) => c.sys),
    );
    cases.forEach(({ sys, expect, why }, i) => {
      const ours = Array.from(solveMaxMin(sys).rates);
      for (let f = 0; f < expect.length; f++) {
        assert.ok(Math.abs(ours[f]! - expect[f]!) <= 1e-12 * expect[f]!, `${why}: ours ${ours}`);
        assert.ok(
          Math.abs(sg.results[i]!.rates[f]! - expect[f]!) <= 1e-12 * expect[f]!,
          `${why}: SimGrid ${sg.results[i]!.rates}`,
        );
      }
    });
  });
});

/**
 * Differential: `PerfModel.aloneAtLeast` (the lone-flow limit, no solver unless limits tied at
 * one end disagree on the floor flag)
 * answers what `solve` answers for the flow alone, on every ordered pair of the example machines
 * and a generated one, under random capacities and floors (drawn from a few values, so limits tie
 * often), both DMA directions, the map type read from the all-pairs matrix as the web reads it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadSpec } from '../ingest/spec/index.js';
import { listExampleNames, readExample } from '../node/examples.js';
import { fastMatrix, matrixDevices } from '../p2pdma/matrix.js';
import { benchFabric } from '../p2pdma/testing/gen.js';
import type { Fabric } from '../pci/fabric.js';
import { BOTTLENECK_OWN_BOUND } from '../sim/index.js';
import { flowMapType, PerfModel } from './model.js';
import type { Capacity, RcProfile } from './rc.js';
import { aloneLimits, type Op, type Route } from './route.js';

const machines: [string, Fabric][] = [
  ...listExampleNames().map(
    (name) => [name, loadSpec({ name, text: readExample(name).text }).fabric] as [string, Fabric],
  ),
  ['benchFabric(1, 2)', benchFabric(1, 2)],
];

/** A few values only: equal capacities (and bounds) make ties, the case the solver decides. */
const capacity = fc
  .record({
    lo: fc.constantFrom(2.54, 7.06, 8, 12, 25.05),
    span: fc.constantFrom(0, 0, 4.5),
    atLeast: fc.boolean(),
  })
  .map(({ lo, span, atLeast }): Capacity => ({ lo, hi: lo + span, atLeast }));

const rcProfile = fc
  .record({ rcFlow: capacity, rcTotal: capacity, socketLink: capacity })
  .map((c): RcProfile => ({ id: 'random', label: 'random', ...c, rows: [] }));

interface Tally {
  cells: number;
  floors: number;
  ties: number;
  /** Cells where limits tied at one end disagree on the floor flag (the solver decides). */
  splits: number;
  /** Cells where the old shortcut (a root-complex route on a floor profile) answers otherwise. */
  shortcutWrong: number;
}

/**
 * `solve`'s floor rule written out here: a lower-bound constraint, or at the high end the bound of
 * a root-complex route on a floor profile.
 */
function floorRule(m: PerfModel, r: Route) {
  const g = m.graph;
  return (by: number, end: 'lo' | 'hi') =>
    by >= 0
      ? g.constraints[by]!.atLeast
      : end === 'hi' &&
        by === BOTTLENECK_OWN_BOUND &&
        r.via === 'root-complex' &&
        g.rc.rcFlow.atLeast;
}

function compare(
  fabric: Fabric,
  where: string,
  rc: RcProfile,
  op: Op,
  caps: readonly Capacity[],
  t: Tally,
) {
  const m = new PerfModel(fabric, { rc, op });
  const devs = matrixDevices(fabric);
  const pairs = fastMatrix(m.env, devs);
  const mt = (a: number, b: number) => flowMapType(pairs, a, b, op);
  // Routes add their constraints as they are first walked: walk them all, then reset capacities.
  for (let a = 0; a < devs.length; a++)
    for (let b = 0; b < devs.length; b++) if (a !== b) m.route(devs[a]!, devs[b]!, 'p2p', mt(a, b));
  const cs = m.graph.constraints;
  if (caps.length > 0)
    cs.forEach((c, i) => {
      const k = caps[i % caps.length]!;
      cs[i] = { ...c, lo: k.lo, hi: k.hi, atLeast: k.atLeast };
    });
  for (let a = 0; a < devs.length; a++) {
    for (let b = 0; b < devs.length; b++) {
      if (a === b) continue;
      const [src, dst] = [devs[a]!, devs[b]!];
      const want = m.solve([{ src, dst, mode: 'p2p' }])[0]!;
      const got = m.aloneAtLeast(src, dst, mt(a, b));
      assert.equal(got, want.rate.atLeast, `${where} ${op} ${src.bdf}→${dst.bdf}`);
      // The map type read from the matrix is the one `solve` computes for the pair.
      assert.equal(m.aloneAtLeast(src, dst), got);
      const r = m.route(src, dst, 'p2p', mt(a, b));
      const alone = m.aloneRate(r);
      assert.equal(alone.atLeast, got);
      assert.deepEqual([alone.lo, alone.hi], [want.rate.lo, want.rate.hi]);
      t.cells++;
      if (got) t.floors++;
      const l = aloneLimits(m.graph, r, floorRule(m, r));
      if (l.lo.tie || l.hi.tie) t.ties++;
      if (l.lo.split || l.hi.split) t.splits++;
      if ((r.via === 'root-complex' && rc.rcFlow.atLeast) !== got) t.shortcutWrong++;
    }
  }
}

describe('PerfModel.aloneAtLeast agrees with solve (the flow alone)', () => {
  test('published capacities: every ordered pair of every machine, writes and reads', () => {
    const t: Tally = { cells: 0, floors: 0, ties: 0, splits: 0, shortcutWrong: 0 };
    for (const [name, fabric] of machines) {
      const m = new PerfModel(fabric);
      const g = m.graph;
      for (const op of ['write', 'read'] as const) compare(fabric, name, g.rc, op, [], t);
    }
    assert.ok(t.floors > 0 && t.floors < t.cells, JSON.stringify(t));
  });

  test('random capacities and floors (fast-check)', () => {
    const t: Tally = { cells: 0, floors: 0, ties: 0, splits: 0, shortcutWrong: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: machines.length - 1 }),
        rcProfile,
        fc.constantFrom<Op>('write', 'read'),
        fc.array(capacity, { minLength: 1, maxLength: 40 }),
        (k, rc, op, caps) => {
          const [name, fabric] = machines[k]!;
          compare(fabric, name, rc, op, caps, t);
        },
      ),
      { numRuns: 40 },
    );
    // The draws bite: floors and non-floors, ties (the solver's choice), and cells where a rule that
    // ignores which constraint limits the flow answers wrong.
    assert.ok(t.floors > 0 && t.floors < t.cells, JSON.stringify(t));
    assert.ok(t.ties > 0 && t.ties < t.cells, JSON.stringify(t));
    // Ties whose limits disagree on the floor flag: the solver path runs and is compared.
    assert.ok(t.splits > 0 && t.splits < t.ties, JSON.stringify(t));
    assert.ok(t.shortcutWrong > 0, JSON.stringify(t));
  });
});

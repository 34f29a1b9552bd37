/** The report's P2P summary from the compact matrix (one pass) against the summary of its own walks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LOCAL_HOST } from '../node/host.js';
import { benchFabric } from '../p2pdma/testing/gen.js';
import { renderP2pSection } from '../report/p2p-matrix.js';
import { loadMachine } from './context.js';
import {
  buildMatrix,
  compactMatrix,
  type MatrixView,
  type P2pSummary,
  p2pSummary,
  summaryOfCompact,
} from './matrix.js';
import { buildReport } from './report.js';
import { randomMatrix } from './testing/matrix.js';

/** A summary as data, without the view and the walk count (they differ by construction). */
const data = (s: P2pSummary) => ({ ...s, view: null, walks: 0 });

/** The summary from the compact matrix equals p2pSummary's, as data and as the rendered section. */
function same(view: MatrixView): P2pSummary {
  const c = compactMatrix(view);
  const got = summaryOfCompact(view, c);
  const want = p2pSummary(view, { shareWalks: false });
  assert.deepEqual(data(got), data(want));
  assert.deepEqual([...got.allowlisted.keys()], [...want.allowlisted.keys()]);
  assert.equal(
    renderP2pSection(got, { maxFindings: 1000 }),
    renderP2pSection(want, { maxFindings: 1000 }),
  );
  assert.equal(got.walks, c.computed);
  return got;
}

test('summaryOfCompact: the summary of one walk per pair, on random machines (differential)', () => {
  let notable = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom('linux-4.20', 'linux-5.2', 'linux-5.4', 'linux-6.1', 'linux-6.19'),
      fc.boolean(),
      fc.boolean(),
      (seed, rules, unknowns, withCmdline) => {
        notable += same(randomMatrix(seed, rules, unknowns, withCmdline).view).notable.length;
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(notable > 0, 'some machines had findings to rank');
});

test('summaryOfCompact: every example under every rule-change release, and a bench machine', async () => {
  const codes = new Set<string>();
  let cross = 0;
  let acs = 0;
  for (const ex of [
    'default',
    'default-acs-off',
    'workstation',
    'amd-epyc-gpus',
    'skylake-sp',
    'xeon-e5v3',
  ]) {
    const { fabric } = await loadMachine(LOCAL_HOST, { from: `example:${ex}` });
    for (const rules of ['linux-4.20', 'linux-5.2', 'linux-6.1', 'linux-6.19', undefined]) {
      const s = same(buildMatrix(fabric, rules, undefined, {}));
      for (const x of s.notable) codes.add(x.finding.code);
      cross += s.crossPairs;
      acs += s.acsPairs;
    }
  }
  same(buildMatrix(benchFabric(2, 4), 'linux-6.19', undefined, { all: true }));
  // The folds and the pair-named finding were exercised, not only plain counts.
  assert.ok(cross > 0 && acs > 0, `${cross} cross, ${acs} ACS pairs`);
  assert.ok(codes.has('early_no_common_switch'), [...codes].join(' '));
});

test('the report judges the pairs once: its summary is the compact matrix’s', () => {
  const rec = buildReport(benchFabric(2, 2));
  assert.ok(rec.p2p.ok);
  if (!rec.p2p.ok) return;
  assert.equal(rec.p2p.value.walks, rec.p2p.value.compact.computed);
  assert.deepEqual(data(rec.p2p.value), {
    ...data(p2pSummary(rec.p2p.value.view)),
    compact: rec.p2p.value.compact,
  });
});

/** The report's P2P summary from the compact matrix (one pass) against the summary of its own walks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LOCAL_HOST } from '../node/host.js';
import type { MatrixRows } from '../p2pdma/matrix.js';
import { benchFabric } from '../p2pdma/testing/gen.js';
import { renderP2pSection } from '../report/p2p-matrix.js';
import { loadMachine } from './context.js';
import type { Finding } from './findings.js';
import {
  buildMatrix,
  type CompactMatrix,
  compactMatrix,
  type MatrixView,
  type P2pSummary,
  summaryOfCompact,
} from './matrix.js';
import { buildReport } from './report.js';
import { groupRowsFromTables, p2pSummary, randomMatrix } from './testing/matrix.js';

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

test('summaryOfCompact on a hand-made compact matrix: first sighting, least rank, the pair named', () => {
  // Three devices, each its own group. Map types: 0→1 THRU_HOST_BRIDGE, 0→2 and 2→0
  // NOT_SUPPORTED, 1→0 BUS_ADDR (its list is never read), the rest THRU_HOST_BRIDGE.
  const MT = [
    [1, 2, 0],
    [1, 1, 2],
    [0, 2, 1],
  ];
  const cells: MatrixRows = {
    n: 3,
    wideDistances: false,
    row: (i, mt) => mt.set(MT[i]!),
  };
  const f = (code: string, subject: string[], evidence: object = {}): Finding =>
    ({ code, severity: 'error', subject, evidence, hint: null }) as unknown as Finding;
  const findings = [
    f('host_bridge_not_allowlisted', ['hb0']), // 0: on a THB pair first, then on an NS pair
    f('early_no_common_switch', []), // 1: names each pair it is met on
    f('no_common_upstream', []), // 2: counted
    f('acs_redirect', ['p1', 'p0']), // 3: counted, its ports gathered
    f('host_bridge_allowlisted', ['hb1'], { hostBridge: 'hb1', entry: 'x', ids: [1, 2] }), // 4
    f('cpu_allows_host_bridge', ['hb1']), // 5: informational
  ];
  const findingLists = [[0, 2], [1, 3], [4, 5, 2], [3]];
  // Group pair lists (-1: none): 0→1 list 0, 0→2 list 1, 1→0 list 3 (BUS_ADDR: not read),
  // 1→2 list 2, 2→0 list 0 (met again, on a NOT_SUPPORTED pair: rank 0), 2→1 list 1.
  const lists = Int32Array.from([-1, 0, 1, 3, -1, 2, 0, 1, -1]);
  const c: CompactMatrix = {
    n: 3,
    cells,
    group: Int32Array.from([0, 1, 2]),
    groups: 3,
    groupRows: groupRowsFromTables(3, new Int8Array(9), lists),
    findings,
    findingLists,
    selfFindings: [],
    undecided: [],
    walked: 0,
    computed: 7,
    fromAcs: 0,
  };
  const view = {
    matrix: { devices: [{ bdf: 'a' }, { bdf: 'b' }, { bdf: 'c' }] },
  } as unknown as MatrixView;
  const s = summaryOfCompact(view, c);
  assert.deepEqual(s.counts, [2, 1, 3, 0]);
  assert.deepEqual(
    s.notable.map((x) => [x.finding.code, x.finding.subject.join('-'), x.rank]),
    [
      ['host_bridge_not_allowlisted', 'hb0', 0], // first on 0→1 (THB, 1), then 2→0 (NS, 0)
      ['early_no_common_switch', 'a-c', 0],
      ['cpu_allows_host_bridge', 'hb1', 2],
      ['early_no_common_switch', 'c-b', 1],
    ],
  );
  assert.equal(s.crossPairs, 3); // 0→1, 1→2, 2→0
  assert.equal(s.acsPairs, 2); // 0→2, 2→1
  assert.deepEqual(s.acsPorts, ['p0', 'p1']);
  assert.deepEqual([...s.allowlisted], [['hb1', { entry: 'x', ids: [1, 2] }]]);
  assert.equal(s.walks, 7);
});

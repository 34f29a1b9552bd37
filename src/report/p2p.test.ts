/** The P2P renderers: one wording for every issue code, the route drawing, the report section. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkRecord } from '../app/check.js';
import { buildMatrix } from '../app/matrix.js';
import { p2pSummary, randomMatrix } from '../app/testing/matrix.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { RULE_SETS } from '../p2pdma/rulesets.js';
import { AMD_ZEN, CPU_UNKNOWN, fab, INTEL_ICX, standard } from '../p2pdma/testing/build.js';
import type { IssueCode } from '../p2pdma/types.js';
import { ACS } from '../pci/types.js';
import { bigintReplacer, stringifyJson } from '../util/json.js';
import {
  issueText,
  matrixJson,
  matrixPairsChunks,
  renderMatrix,
  renderP2pSection,
  renderVerdict,
  verdictJson,
} from './p2p.js';

/** A random machine's matrix under a random rule set, with or without unknowns and a command line. */
const randomMatrixArb = fc
  .tuple(
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    fc.constantFrom(...RULE_SETS.map((r) => r.name)),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([seed, rules, unknowns, withCmdline]) => ({
    ...randomMatrix(seed, rules, unknowns, withCmdline),
    rules,
  }));

const CODES: readonly IssueCode[] = [
  'acs_redirect',
  'no_common_upstream',
  'host_bridge_not_allowlisted',
  'host_bridge_requires_same',
  'no_host_bridge_device',
  'cpu_allows_host_bridge',
  'host_bridge_allowlisted',
  'early_acs_refused',
  'early_no_common_switch',
  'fact_unknown',
  'cmdline',
];

test('every issue code has wording, and JSON carries the same text as the table', () => {
  for (const code of CODES) {
    const text = issueText({
      code,
      path: ['0000:02:00.0'],
      evidence: { fact: 'acs-control', family: 0x19 },
      hint: null,
    });
    assert.ok(text.length > 10, code);
  }
  const v = new P2pdma(standard({ dspAcs: 'redirect' }), 'linux-6.1').verdict('03:00.0', '04:00.0');
  const rec = checkRecord(standard({ dspAcs: 'redirect' }), v);
  const doc = verdictJson(rec) as { issues: { text: string }[] };
  const out = renderVerdict(rec);
  for (const i of doc.issues) assert.ok(out.includes(i.text));
});

test('the route is drawn on the tree with provider, client and ACS marks; a refused pair turns nowhere', () => {
  const f = standard({ dspAcs: 'redirect' });
  const out = renderVerdict(
    checkRecord(f, new P2pdma(f, 'linux-6.1').verdict('03:00.0', '04:00.0')),
  );
  assert.match(out, /verdict: {2}NOT_SUPPORTED/);
  assert.match(out, /└─ 0000:01:00\.0 {2}switch-upstream {2}◀ common upstream\n/);
  assert.doesNotMatch(out, /turns around/);
  assert.match(out, /no route: the kernel refuses peer-to-peer DMA/);
  assert.match(out, /0000:02:00\.0 {2}switch-downstream {2}◀ ACS redirect on \(RR CR\)/);
  assert.match(out, /0000:03:00\.0 "gpu0" {2}endpoint {2}◀ provider/);
  assert.match(
    out,
    /fix:\n {2}- add the kernel parameter: pci=disable_acs_redir=0000:02:00\.0;0000:02:01\.0/,
  );
});

test('pci=disable_acs_redir: the tree and the JSON show the ACS state the BUS_ADDR verdict used', () => {
  const f = standard({ dspAcs: 'redirect' });
  const m = new P2pdma(f, 'linux-6.1', 'pci=disable_acs_redir=0000:02:00.0;0000:02:01.0');
  const rec = checkRecord(f, m.verdict('03:00.0', '04:00.0'));
  const out = renderVerdict(rec);
  assert.match(out, /verdict: {2}BUS_ADDR/);
  assert.doesNotMatch(out, /◀ ACS redirect on/);
  assert.match(
    out,
    /0000:02:00\.0 {2}switch-downstream {2}◀ ACS redirect off \(after the kernel command line\)/,
  );
  assert.match(out, /0000:01:00\.0 {2}switch-upstream {2}◀ common upstream: turns around here/);
  // The boot log carries the kernel's real line, not a placeholder.
  assert.match(out, /pci 0000:02:00\.0: disabled ACS redirect/);
  const doc = verdictJson(rec) as {
    acsUsed: Record<string, { ctrl: number; redirect: boolean; changedByCmdline: boolean }>;
    route: { kind: string; turnsAt: string[] };
  };
  const used = doc.acsUsed['0000:02:00.0']!;
  assert.equal(used.redirect, false);
  assert.equal(used.ctrl & (ACS.RR | ACS.CR | ACS.EC), 0);
  assert.equal(doc.acsUsed['0000:02:00.0']?.changedByCmdline, true);
  assert.equal(doc.acsUsed['0000:01:00.0']?.changedByCmdline, false);
  assert.deepEqual(doc.route, {
    kind: 'switch-local',
    hops: ['0000:04:00.0', '0000:02:01.0', '0000:01:00.0', '0000:02:00.0', '0000:03:00.0'],
    turnsAt: ['0000:01:00.0'],
    uncertain: false,
  });
  // Without the parameter the same machine is drawn with the redirect on.
  const before = renderVerdict(
    checkRecord(f, new P2pdma(f, 'linux-6.1').verdict('03:00.0', '04:00.0')),
  );
  assert.match(before, /0000:02:00\.0 {2}switch-downstream {2}◀ ACS redirect on \(RR CR\)\n/);
});

test('THRU_HOST_BRIDGE under ACS redirect: the root complex is marked as the turn, not the switch', () => {
  const f = standard({ machine: AMD_ZEN, dspAcs: 'redirect' });
  const rec = checkRecord(f, new P2pdma(f, 'linux-6.1').verdict('03:00.0', '04:00.0'));
  const out = renderVerdict(rec);
  assert.match(out, /verdict: {2}THRU_HOST_BRIDGE/);
  assert.match(out, /pci0000:00 {2}◀ turns around here \(root complex: ACS redirect/);
  assert.match(out, /0000:01:00\.0 {2}switch-upstream {2}◀ common upstream\n/);
  assert.equal(out.match(/turns around here/g)?.length, 1);
  assert.deepEqual(rec.route.turnsAt, ['pci0000:00']);
  assert.equal(rec.route.kind, 'root-complex (ACS redirect)');
});

test('uncertain verdicts show the deciding fact and every possible outcome', () => {
  const f = standard({ machine: CPU_UNKNOWN });
  const out = renderVerdict(
    checkRecord(f, new P2pdma(f, 'linux-6.1').verdict('03:00.0', '06:00.0')),
  );
  assert.match(
    out,
    /verdict: {2}uncertain: NOT_SUPPORTED or THRU_HOST_BRIDGE .* decided by the CPU vendor and family/,
  );
  assert.match(
    out,
    /possible outcomes:\n {2}- THRU_HOST_BRIDGE, distance 6\n {2}- NOT_SUPPORTED, distance -1/,
  );
});

test('matrix: both directions in JSON, legend in text, section with findings', () => {
  const f = standard({ dspAcs: 'redirect' });
  const view = buildMatrix(f, 'linux-6.1', undefined, {});
  const doc = matrixJson(view) as {
    devices: string[];
    pairs: { provider: string; client: string }[];
    ruleSet: string;
  };
  assert.equal(doc.ruleSet, 'linux-6.1');
  assert.equal(doc.pairs.length, doc.devices.length ** 2);
  assert.match(
    renderMatrix(view, 'class'),
    /PIX {2}= traverses at most a single PCIe bridge \(a switch counts as one/,
  );
  // GPUs and accelerators count by class even without a memory BAR (gpu0 has none).
  assert.match(renderMatrix(view, 'maptype'), /^ +rciep +gpu0 +nic0 +nvme0 .* NUMA\nrciep +X +NS/);
  // Names longer than 8 characters (a BDF outside domain 0): columns fall back to D0, D1, …
  const long = fab(INTEL_ICX, [
    { k: 'rp', bdf: '0001:00:01.0' },
    { k: 'ep', bdf: '0001:01:00.0', parent: '0001:00:01.0', classCode: 0x020000 },
  ]);
  assert.match(
    renderMatrix(buildMatrix(long, 'linux-6.1', undefined, {}), 'maptype'),
    /^ +D0 {2}NUMA\nD0 {3}0001:01:00\.0 +X /,
  );
  const sum = p2pSummary(buildMatrix(f, 'linux-6.1', undefined, {}));
  // Pairs of distinct devices only: n devices make n(n-1) ordered pairs, self-pairs not counted.
  const n = sum.view.matrix.n;
  assert.equal(
    sum.counts.reduce((a, b) => a + b, 0),
    n * (n - 1),
  );
  const section = renderP2pSection(sum);
  assert.match(section, /pairs of distinct devices \(ordered\): /);
  assert.match(section, /notable findings:/);
  assert.match(section, /fix: add the kernel parameter: pci=disable_acs_redir=/);
  // Above the device limit the grid is left out and the section says where to get it.
  assert.ok(section.includes(' X '));
  const big = renderP2pSection(sum, { maxDevices: n - 1 });
  assert.ok(!big.includes(' X '));
  assert.match(
    big,
    new RegExp(`^${n} devices: the grid is left out of the report \\(peerdma matrix`),
  );
  assert.ok(big.endsWith(section.slice(section.indexOf('pairs of distinct'))));
});

test('matrix --json: every pair equals its full verdict; the walk ran only where there are findings', () => {
  fc.assert(
    fc.property(randomMatrixArb, ({ fabric: f, cmdline, view, rules }) => {
      const doc = matrixJson(view) as {
        pairs: Record<string, unknown>[];
        stats: { pairs: number; walked: number };
      };
      const model = new P2pdma(f, rules, cmdline);
      let busAddr = 0;
      for (const p of doc.pairs) {
        const v = model.verdict(p['provider'] as string, p['client'] as string);
        const want = {
          mapType: v.mapType,
          distance: v.distance,
          class: v.class,
          path: v.path,
          acsBridges: v.acsBridges,
          issues: v.issues.map((i) => i.code),
        };
        const got: Record<string, unknown> = {
          ...p,
          issues: (p['issues'] as { code: string }[]).map((i) => i.code),
        };
        for (const [k, x] of Object.entries(want))
          assert.deepEqual(got[k], x, `${k} ${v.provider} → ${v.client}`);
        if (v.mapType === 'BUS_ADDR' && v.issues.length === 0) busAddr++;
      }
      assert.equal(doc.stats.pairs, doc.pairs.length);
      // Without a command line, BUS_ADDR pairs are never walked and every other pair is.
      if (cmdline === undefined) assert.equal(doc.stats.walked, doc.pairs.length - busAddr);
    }),
    { numRuns: 30 },
  );
});

test('matrix --json --pairs streams exactly the printed document, one pair at a time', () => {
  const whole = (view: ReturnType<typeof buildMatrix>) =>
    stringifyJson(matrixJson(view), bigintReplacer, 2);
  const joined = (view: ReturnType<typeof buildMatrix>, size?: number) =>
    [...matrixPairsChunks(view, size)].join('');
  const view = buildMatrix(standard({ dspAcs: 'redirect' }), 'linux-6.1', undefined, {});
  for (const size of [1, 100, 1 << 16]) assert.equal(joined(view, size), whole(view));
  // Small pieces: one yield per pair, then the tail (stats).
  assert.equal([...matrixPairsChunks(view, 1)].length, view.matrix.n ** 2 + 1);
  // No device selected: an empty pairs list prints as `[]`, like JSON.stringify.
  const none = buildMatrix(
    fab(INTEL_ICX, [{ k: 'rp', bdf: '0000:00:01.0' }]),
    'linux-6.1',
    undefined,
    {},
  );
  assert.equal(none.matrix.n, 0);
  assert.equal(joined(none), whole(none));
  assert.match(joined(none), /"pairs": \[\],/);
  fc.assert(
    fc.property(randomMatrixArb, fc.integer({ min: 1, max: 5000 }), ({ view: v }, size) => {
      assert.equal(joined(v, size), whole(v));
    }),
    { numRuns: 12 },
  );
});

/**
 * The use cases as a second shell would call them: typed records, no text; options checked before
 * the machine loads; a shell's own loader and warning sink; findings as data with a closed code set.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { LoadResult } from '../ingest/types.js';
import { testFabric } from '../iommu/testing/fabric.js';
import { DEFAULT_EXAMPLE as NODE_DEFAULT_EXAMPLE } from '../node/examples.js';
import { LOCAL_HOST } from '../node/host.js';
import { distanceRows } from '../p2pdma/matrix.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { fab, INTEL_ICX, type N, standard } from '../p2pdma/testing/build.js';
import { benchFabric } from '../p2pdma/testing/gen.js';
import { findingText } from '../report/findings.js';
import { matrixJsonText, renderP2pSection } from '../report/p2p-matrix.js';
import { check } from './check.js';
import type { AppContext } from './context.js';
import { demo } from './demo.js';
import { examples } from './examples.js';
import { MAP_COST_CODES } from './findings.js';
import { mapCost } from './map-cost.js';
import {
  buildMatrix,
  compactMatrix,
  type MatrixView,
  matrix,
  matrixPairs,
  type P2pSummary,
  PAIR_SUBJECT,
} from './matrix.js';
import { DEFAULT_EXAMPLE, LOCALITY_CODES } from './options.js';
import { buildReport } from './report.js';
import { cellLocality, groupFindingRows, p2pSummary, randomMatrix } from './testing/matrix.js';
import { topo } from './topo.js';

/** A shell with its own machine: counts loads and collects warnings. */
function shell(res: LoadResult) {
  const seen = { loads: 0, warnings: [] as string[] };
  const ctx: AppContext = {
    load: async () => {
      seen.loads++;
      return res;
    },
    onWarnings: (ws) => seen.warnings.push(...ws.map((w) => w.message)),
  };
  return { ctx, seen };
}

const machine = (redirect: boolean): LoadResult => ({
  fabric: testFabric({ redirect }),
  warnings: [{ code: 'W_TEST', message: 'a test warning' } as never],
});

describe('use cases through an injected loader', () => {
  test('check: the verdict record with findings as data; warnings go to the shell', async () => {
    const { ctx, seen } = shell(machine(true));
    const rec = await check({ provider: 'accel0', client: 'nic0', rules: 'linux-6.1' }, ctx);
    assert.equal(seen.loads, 1);
    assert.deepEqual(seen.warnings, ['a test warning']);
    assert.equal(rec.verdict.mapType, 'THRU_HOST_BRIDGE');
    assert.equal(rec.ruleSetNote, null);
    const acs = rec.findings.find((f) => f.code === 'acs_redirect');
    assert.ok(acs, 'ACS redirect is a finding');
    assert.equal(acs.severity, 'warning');
    assert.ok(acs.subject.length > 0);
    assert.match(acs.hint ?? '', /^pci=disable_acs_redir=/);
  });

  test('bad options are refused before anything loads', async () => {
    const { ctx, seen } = shell(machine(false));
    await assert.rejects(check({ provider: 'a', client: 'b', rules: 'linux-9' }, ctx), /linux-9/);
    await assert.rejects(matrix({ classes: 'nic,toaster' }, ctx), /unknown --class 'toaster'/);
    await assert.rejects(demo({ iommu: 'toString' }, ctx), /unknown --iommu 'toString'/);
    await assert.rejects(demo({ strategy: 'memcpy' }, ctx), /unknown --strategy 'memcpy'/);
    await assert.rejects(mapCost({ size: '0' }, ctx), /--size must be positive/);
    await assert.rejects(mapCost({ maxSeg: '1KiB' }, ctx), /at least 4KiB/);
    await assert.rejects(
      mapCost({ strategy: 'iova-link,memcpy' }, ctx),
      /unknown --strategy 'memcpy'/,
    );
    await assert.rejects(topo({ format: 'pcap' }, ctx), /unknown --format 'pcap'/);
    assert.equal(seen.loads, 0);
  });

  test('matrix: every ordered pair once, walked only where the fast matrix is not the answer', async () => {
    const { ctx } = shell(machine(true));
    const view = await matrix({ all: true }, ctx);
    const pairs = [...matrixPairs(view)];
    const n = view.matrix.devices.length;
    assert.equal(pairs.length, n * n);
    for (const p of pairs) {
      if (!p.walked) assert.equal(p.mapType, 'BUS_ADDR');
      if (p.mapType !== 'BUS_ADDR') assert.equal(p.walked, true);
    }
    assert.ok(pairs.some((p) => p.issues.some((i) => i.code === 'acs_redirect')));
  });

  test('demo and map-cost return records (no sentences); conclusions are coded findings', async () => {
    const { ctx } = shell(machine(true));
    const d = await demo({ iommu: 'strict' }, ctx);
    assert.equal(d.schemaVersion, 2);
    assert.equal(d.founding.iommu, 'strict');
    const r = await mapCost({ size: '1GiB', iommu: 'strict', maxSeg: '2GiB' }, ctx);
    assert.equal(r.mode, 'strict');
    assert.equal(r.maxSegSource, '--max-seg');
    assert.ok(r.conclusion.length > 3);
    for (const f of r.conclusion) {
      assert.ok((MAP_COST_CODES as readonly string[]).includes(f.code), f.code);
      assert.ok(!('text' in f));
      assert.ok(findingText(f).endsWith('.'), f.code);
    }
    const loop = r.conclusion.find((f) => f.code === 'map_resource_loop');
    assert.equal(loop?.evidence['iovaAllocs'], 512);
    assert.equal(loop?.severity, 'warning');
  });

  test('report: a section that cannot run on this machine carries its error, the others run', () => {
    // No device with a memory BAR: map-cost has no pair; topology, P2P and the demo still run.
    const rec = buildReport(standard());
    assert.equal(rec.p2p.ok, true);
    assert.equal(rec.demo.ok, true);
    assert.equal(rec.mapCost.ok, false);
    if (!rec.mapCost.ok) assert.match(String(rec.mapCost.error), /no accelerator, GPU or NVMe/);
    assert.equal(buildReport(testFabric()).mapCost.ok, true);
  });
});

test('a shell without a host capability gets a typed E_UNSUPPORTED, not a crash', async () => {
  const bare: AppContext = { load: async () => machine(false) };
  await assert.rejects(
    examples(bare),
    (e: unknown) => (e as { code?: string }).code === 'E_UNSUPPORTED',
  );
  await assert.rejects(
    mapCost({ calibration: 'cal.json' }, bare),
    (e: unknown) => (e as { code?: string }).code === 'E_UNSUPPORTED',
  );
});

test('examples: the default is one of them, and both layers agree on its name', async () => {
  const rec = await examples(LOCAL_HOST);
  assert.equal(DEFAULT_EXAMPLE, NODE_DEFAULT_EXAMPLE);
  assert.ok(rec.examples.some((e) => e.name === rec.default));
});

describe('compact matrix (matrix --json, schemaVersion 2)', () => {
  /** A fixed set of random fabrics: how much walks are shared depends on the fabrics drawn. */
  const fixedViews = (): MatrixView[] =>
    Array.from(
      { length: 25 },
      (_, k) => randomMatrix(k + 1, 'linux-6.1', (k + 1) % 2 === 0, (k + 1) % 3 === 0).view,
    );

  const NAMES = ['NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE', 'uncertain'];
  test('every pair, rebuilt from groups and the finding table, equals its full verdict', () => {
    let walked = 0;
    let computed = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom('linux-4.20', 'linux-5.4', 'linux-6.1', 'linux-6.19'),
        fc.boolean(),
        fc.boolean(),
        (seed, rules, unknowns, withCmdline) => {
          const { fabric: f, cmdline, view } = randomMatrix(seed, rules, unknowns, withCmdline);
          const c = compactMatrix(view);
          walked += c.walked;
          computed += c.computed;
          assert.ok(c.computed <= c.walked);
          const devs = view.matrix.devices;
          const model = new P2pdma(f, rules, cmdline);
          const byGroup = new Map(
            [...groupFindingRows(c)].map(([g, h, ...fs]) => [`${g},${h}`, fs]),
          );
          const bySelf = new Map(c.selfFindings.map(([i, ...fs]) => [i, fs]));
          const norm = (xs: readonly { code: string; subject: readonly string[] }[]) =>
            xs.map((x) => `${x.code}:${x.subject.join(',')}`).sort();
          const mt = new Int8Array(c.n);
          const dist = distanceRows(c.cells);
          for (let i = 0; i < c.n; i++) {
            c.cells.row(i, mt, dist);
            for (let j = 0; j < c.n; j++) {
              const a = devs[i]!;
              const b = devs[j]!;
              const v = model.verdict(a.bdf, b.bdf);
              const at = `${a.bdf} → ${b.bdf} (${rules}${cmdline ? `, ${cmdline}` : ''})`;
              assert.equal(NAMES[mt[j]!], v.mapType, at);
              if (v.mapType !== 'uncertain') assert.equal(dist[j], v.distance, at);
              assert.equal(LOCALITY_CODES[cellLocality(c, i, j)], v.class, at);
              const refs =
                i === j
                  ? (bySelf.get(i) ?? [])
                  : (byGroup.get(`${c.group[i]},${c.group[j]}`) ?? []);
              const want = v.issues.map((x) => ({
                code: x.code,
                subject: PAIR_SUBJECT.has(x.code) ? [] : x.path,
              }));
              assert.deepEqual(norm(refs.map((k) => c.findings[k]!)), norm(want), at);
              if (v.mapType === 'uncertain') {
                const u = c.undecided.find((x) => x.i === i && x.j === j);
                assert.ok(u, `undecided listed: ${at}`);
                assert.deepEqual(u.missing, v.missing, at);
              }
            }
          }
        },
      ),
      { numRuns: 25 },
    );
    // Group pairs with one verdict key shared a walk (p2pdma/verdict-key.ts): the factored path ran.
    assert.ok(computed < walked, `${computed} walks for ${walked} answered pairs`);
    // How much it shares depends on the fabrics drawn; on a fixed set it must at least halve them.
    const fixed = fixedViews().map((v) => compactMatrix(v));
    const fixedWalked = fixed.reduce((t, c) => t + c.walked, 0);
    const fixedComputed = fixed.reduce((t, c) => t + c.computed, 0);
    assert.ok(fixedComputed * 2 < fixedWalked, `${fixedComputed} walks for ${fixedWalked}`);
  });

  /** randomMatrix's (seed, rules, unknowns, withCmdline), every rule-change release. */
  const matrixCase = fc.tuple(
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    fc.constantFrom('linux-4.20', 'linux-5.2', 'linux-5.4', 'linux-6.1', 'linux-6.19'),
    fc.boolean(),
    fc.boolean(),
  );

  test('ACS findings below two switches of one host bridge: one walk for both switches', () => {
    // Two root ports, each → a switch with three downstream ports redirecting → one endpoint each.
    const nodes: N[] = [{ k: 'hb', bdf: '00:00.0', vendor: 0x8086, device: 0x2020 }];
    for (const [rp, up, down] of [
      ['00:01.0', 1, 2],
      ['00:02.0', 6, 7],
    ] as const) {
      const usp = `0${up}:00.0`;
      nodes.push({ k: 'rp', bdf: rp }, { k: 'usp', bdf: usp, parent: rp });
      for (let d = 0; d < 3; d++) {
        const dsp = `0${down}:0${d}.0`;
        nodes.push({ k: 'dsp', bdf: dsp, parent: usp, acs: 'redirect' });
        nodes.push({
          k: 'ep',
          bdf: `${(down + 1 + d).toString(16).padStart(2, '0')}:00.0`,
          parent: dsp,
        });
      }
    }
    for (const rules of ['linux-6.1', 'linux-6.19']) {
      const view = buildMatrix(fab(INTEL_ICX, nodes), rules, undefined, { all: true });
      const shared = compactMatrix(view);
      const alone = compactMatrix(view, { shareWalks: false });
      assert.equal(matrixJsonText(view, shared, 4096), matrixJsonText(view, alone, 4096));
      // 12 ordered pairs of ports of one switch, each with its own ACS list: the first is walked,
      // the other 11 (the other switch's too) built from their lists; 1 walk for the pairs across
      // (and with the host bridge's device).
      assert.equal(shared.groups, 7); // six ports, and the host bridge's device alone
      assert.equal(shared.fromAcs, 11);
      assert.equal(shared.computed, 2);
      assert.ok(alone.computed >= 24);
    }
  });

  test('ACS findings below two host bridges, one allowlisted and one not: one rest per bridge', () => {
    // Host bridge 00 (8086:2020, allowlisted) and host bridge 0001:00 (8086:29c0, not listed),
    // each: root port → switch with three downstream ports redirecting → one endpoint each.
    const nodes: N[] = [];
    for (const [dom, device] of [
      ['', 0x2020],
      ['0001:', 0x29c0],
    ] as const) {
      nodes.push({ k: 'hb', bdf: `${dom}00:00.0`, vendor: 0x8086, device });
      nodes.push(
        { k: 'rp', bdf: `${dom}00:01.0` },
        { k: 'usp', bdf: `${dom}01:00.0`, parent: `${dom}00:01.0` },
      );
      for (let d = 0; d < 3; d++) {
        const dsp = `${dom}02:0${d}.0`;
        nodes.push({ k: 'dsp', bdf: dsp, parent: `${dom}01:00.0`, acs: 'redirect' });
        nodes.push({ k: 'ep', bdf: `${dom}0${3 + d}:00.0`, parent: dsp });
      }
    }
    for (const rules of ['linux-6.1', 'linux-6.19']) {
      const view = buildMatrix(fab(INTEL_ICX, nodes), rules, undefined, { all: true });
      const shared = compactMatrix(view);
      const alone = compactMatrix(view, { shareWalks: false });
      assert.equal(matrixJsonText(view, shared, 4096), matrixJsonText(view, alone, 4096));
      // Six ordered pairs of ports of each switch: the first walked, the other 5 built from their
      // lists, below each host bridge (the two bridges' rests differ: allowlisted or not).
      assert.equal(shared.fromAcs, 10);
    }
  });

  test('shared walks give the same document, byte for byte, as one walk per group pair', () => {
    const doc = (view: ReturnType<typeof buildMatrix>, shareWalks: boolean) => {
      const c = compactMatrix(view, { shareWalks });
      return { text: matrixJsonText(view, c, 4096), computed: c.computed, fromAcs: c.fromAcs };
    };
    let fromAcs = 0;
    fc.assert(
      fc.property(matrixCase, ([seed, rules, unknowns, withCmdline]) => {
        const { view } = randomMatrix(seed, rules, unknowns, withCmdline);
        const shared = doc(view, true);
        const alone = doc(view, false);
        assert.equal(shared.text, alone.text);
        assert.ok(shared.computed <= alone.computed);
        assert.equal(alone.fromAcs, 0);
        fromAcs += shared.fromAcs;
      }),
      { numRuns: 40 },
    );
    // Findings built from ACS lists (no walk) on the fixed set of fabrics, every rule set.
    for (const rules of ['linux-4.20', 'linux-5.2', 'linux-5.4', 'linux-6.1', 'linux-6.19']) {
      for (let k = 1; k <= 25; k++) {
        const { view } = randomMatrix(k, rules, k % 2 === 0, k % 3 === 0);
        const shared = doc(view, true);
        assert.equal(shared.text, doc(view, false).text);
        fromAcs += shared.fromAcs;
      }
    }
    assert.ok(fromAcs > 0, 'some verdict keys were answered from their ACS list');
    const view = buildMatrix(benchFabric(2, 4), 'linux-6.19', undefined, { all: true });
    const shared = doc(view, true);
    const alone = doc(view, false);
    assert.equal(shared.text, alone.text);
    assert.ok(shared.computed * 10 < alone.computed, `${shared.computed} vs ${alone.computed}`);
  });

  test('p2pSummary: shared walks give the summary of one walk per pair (differential)', () => {
    const plain = (sum: P2pSummary) => ({ ...sum, view: null, walks: 0 });
    /** Both summaries of one fabric are equal, as data and as the rendered section; walks run. */
    const same = (view: MatrixView): { walks: number; alone: number } => {
      const shared = p2pSummary(view);
      const each = p2pSummary(view, { shareWalks: false });
      assert.deepEqual(plain(shared), plain(each));
      assert.equal(
        renderP2pSection(shared, { maxFindings: 1000 }),
        renderP2pSection(each, { maxFindings: 1000 }),
      );
      assert.ok(shared.walks <= each.walks);
      return { walks: shared.walks, alone: each.walks };
    };
    fc.assert(
      fc.property(matrixCase, ([seed, rules, unknowns, withCmdline]) => {
        same(randomMatrix(seed, rules, unknowns, withCmdline).view);
      }),
      { numRuns: 40 },
    );
    // The factored path ran: on a fixed set of fabrics most walks were shared.
    const fixed = fixedViews().map(same);
    const walks = fixed.reduce((t, r) => t + r.walks, 0);
    const alone = fixed.reduce((t, r) => t + r.alone, 0);
    assert.ok(walks * 2 < alone, `${walks} walks vs ${alone}`);
  });

  test('the JSON document parses, has one digit per cell, and stays small per pair', () => {
    const view = buildMatrix(benchFabric(2, 4), 'linux-6.19', undefined, { all: true });
    const text = matrixJsonText(view, compactMatrix(view), 4096);
    const doc = JSON.parse(text);
    const n = doc.devices.length;
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.mapType.length, n);
    assert.ok(doc.mapType.every((r: string) => r.length === n && /^[0-3]+$/.test(r)));
    assert.ok(doc.distance.every((r: number[]) => r.length === n));
    assert.equal(doc.stats.pairs, n * n);
    assert.ok(doc.findings.every((f: { text: string }) => f.text.length > 10));
    assert.ok(text.length / (n * n) <= 64, `${text.length / (n * n)} bytes per pair`);
  });
});

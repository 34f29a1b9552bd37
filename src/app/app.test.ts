/**
 * The use cases as a second shell would call them: typed records, no text; options checked before
 * the machine loads; a shell's own loader and warning sink; findings as data with a closed code set.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadResult } from '../ingest/types.js';
import { testFabric } from '../iommu/testing/fabric.js';
import { DEFAULT_EXAMPLE as NODE_DEFAULT_EXAMPLE } from '../node/examples.js';
import { standard } from '../p2pdma/testing/build.js';
import { findingText } from '../report/findings.js';
import { check } from './check.js';
import type { AppContext } from './context.js';
import { demo } from './demo.js';
import { examples } from './examples.js';
import { MAP_COST_CODES } from './findings.js';
import { mapCost } from './map-cost.js';
import { matrix, matrixPairs } from './matrix.js';
import { DEFAULT_EXAMPLE } from './options.js';
import { buildReport } from './report.js';
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
    assert.equal(d.schemaVersion, 1);
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

test('examples: the default is one of them, and both layers agree on its name', () => {
  const rec = examples();
  assert.equal(DEFAULT_EXAMPLE, NODE_DEFAULT_EXAMPLE);
  assert.ok(rec.examples.some((e) => e.name === rec.default));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDemo } from '../app/demo.js';
import { driverFabric } from '../drivers/testing/fabric.js';
import { mappingLine, renderDemo, renderDemoSection } from './demo.js';
import { driverFindingText as findingText } from './findings.js';

test('demo text names the pair, every step and the ring table', () => {
  const doc = buildDemo(driverFabric());
  assert.equal(doc.schemaVersion, 2);
  const text = renderDemo(doc);
  assert.match(
    text,
    /pair: accel0 \(0000:03:00.0\) exports, nic0 \(0000:04:00.0\) imports — BUS_ADDR/,
  );
  for (const step of ['alloc', 'export', 'pass-fd', 'import', 'rdma-write', 'verify', 'teardown'])
    assert.match(text, new RegExp(`\\d\\. ${step}`));
  assert.match(text, /p2p-doorbell +64\/64 +yes/);
  assert.match(text, /verified: yes · pristine: yes/);
  assert.equal(
    renderDemoSection(buildDemo(driverFabric())).startsWith('== DMA-BUF founding scenario =='),
    true,
  );
});

test('finding wording', () => {
  const t = findingText({
    code: 'p2p_silent_fallback_gtt',
    path: ['0000:06:00.0', '0000:05:00.0'],
    evidence: { bo: 1 },
    hint: null,
  });
  assert.match(t, /served from system memory instead, with no error/);
});

/** The map step's own mappings, from the JSON document as `demo --json` prints it. */
function mapStepJson(doc: ReturnType<typeof buildDemo>) {
  const json = JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  const steps = json.founding.steps as {
    name: string;
    mappings: {
      what: string;
      strategy: string;
      importer: string;
      ledger: { counts: { iovaAllocs: number; calls: Record<string, number> } } | null;
    }[];
  }[];
  return { json, steps, map: steps.find((s) => s.name === 'map')! };
}

test('demo ledger: BUS_ADDR through phys-vec allocates no IOVA (text and JSON)', () => {
  const doc = buildDemo(driverFabric({ iommu: true }), { iommu: 'strict', strategy: 'phys-vec' });
  const { json, steps, map } = mapStepJson(doc);
  assert.equal(json.schemaVersion, 2);
  assert.equal(json.founding.strategy, 'phys-vec');
  assert.equal(json.founding.pair.mapType, 'BUS_ADDR');
  assert.equal(map.mappings.length, 1);
  const m = map.mappings[0]!;
  assert.equal(m.what, 'map');
  assert.equal(m.strategy, 'phys-vec');
  assert.equal(m.importer, '0000:04:00.0');
  assert.equal(m.ledger?.counts.iovaAllocs, 0);
  // Every mapping is attributed to exactly one step: the map to `map`, the unmap to `teardown`.
  assert.deepEqual(
    steps.filter((s) => s.mappings.length > 0).map((s) => [s.name, s.mappings.map((x) => x.what)]),
    [
      ['map', ['map']],
      ['teardown', ['unmap']],
    ],
  );
  const text = renderDemo(doc);
  assert.match(text, /strategy phys-vec/);
  const line = text.split('\n').find((l) => /^ {3}ledger {4}phys-vec map → nic0: /.test(l));
  assert.ok(line, text);
  assert.doesNotMatch(line, /IOVA/);
  assert.match(text, /^ {3}ledger {4}phys-vec unmap → nic0: /m);
});

test('demo ledger: THRU_HOST_BRIDGE under a strict IOMMU allocates and frees IOVA', () => {
  const doc = buildDemo(driverFabric({ iommu: true, redirect: true }), {
    iommu: 'strict',
    strategy: 'map-resource',
  });
  const { json, map, steps } = mapStepJson(doc);
  assert.equal(json.founding.pair.mapType, 'THRU_HOST_BRIDGE');
  assert.equal(json.founding.strategy, 'map-resource');
  const m = map.mappings[0]!;
  assert.equal(m.strategy, 'map-resource');
  assert.equal(m.ledger?.counts.calls['dma_map_resource'], 1);
  assert.equal(m.ledger?.counts.iovaAllocs, 1);
  const unmap = steps.find((s) => s.name === 'teardown')!.mappings[0]!;
  assert.equal(unmap.what, 'unmap');
  const text = renderDemo(doc);
  assert.match(
    text,
    /^ {3}ledger {4}map-resource map → nic0: dma_map_resource×1 \(dma-iommu\) · IOVA \+1 · /m,
  );
  // Strict unmap frees the IOVA at once (a lazy one would queue it).
  assert.match(text, /^ {3}ledger {4}map-resource unmap → nic0: .*IOVA −1 .*IOTLB 1 inv/m);
});

test('a mapping without a ledger (identity mapper) still names its strategy and calls', () => {
  const line = mappingLine(
    {
      what: 'map',
      importer: '0000:04:00.0',
      strategy: 'identity',
      segments: 2,
      calls: { dma_map_resource: 2 },
      cpuNs: 0,
      ledger: null,
    },
    { '0000:04:00.0': 'nic0' },
  );
  assert.equal(line, 'identity map → nic0: dma_map_resource×2 · 2 DMA seg(s) · no ledger');
});

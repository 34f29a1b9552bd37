import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFabric } from '../iommu/testing/fabric.js';
import { buildMapCost, mapCostJson, renderMapCostSection } from './map-cost.js';

test('pair, mode and segment size come with their source; nothing is silently defaulted', () => {
  const r = buildMapCost(testFabric({ redirect: true }), { size: 1n << 30n });
  assert.equal(r.provider.name, 'accel0');
  assert.equal(r.client.name, 'nic0');
  assert.equal(r.mapType, 'THRU_HOST_BRIDGE');
  assert.equal(r.mode, 'lazy');
  assert.match(r.modeSource, /^assumed/);
  assert.equal(r.maxSegSize, 65536n);
  assert.match(r.maxSegSource, /kernel default/);
});

test('conclusion: the dma_map_resource loop loses from a few chunks on; crossover named', () => {
  const r = buildMapCost(testFabric({ redirect: true }), {
    size: 1n << 30n,
    iommu: 'strict',
    maxSegSize: 2n << 30n,
  });
  const text = r.conclusion.join('\n');
  assert.match(
    text,
    /A dma_map_resource loop takes 512 IOVA allocations and 512 IOTLB invalidations; (iova-link|phys-vec) takes 1 and 1/,
  );
  assert.match(text, /Crossover: map-resource is cheaper only below 4MiB/);
  assert.match(text, /Founding case 4KiB in 4KiB chunks: map-resource wins/);
});

test('BUS_ADDR pair: phys-vec uses bus addresses and does no IOMMU work at all', () => {
  const r = buildMapCost(testFabric({ redirect: false }), { size: 64n << 30n, iommu: 'strict' });
  assert.equal(r.mapType, 'BUS_ADDR');
  const pv = r.main.costs.find((c) => c.strategy === 'phys-vec')!;
  assert.equal(pv.map?.counts.iovaAllocs, 0);
  assert.equal(pv.map?.counts.iommuCalls, 0);
  assert.match(r.conclusion[0]!, /phys-vec is cheapest/);
  assert.ok(r.conclusion.some((c) => c.startsWith('The pair is BUS_ADDR')));
  const json = mapCostJson(r) as { schemaVersion: number; sweep: unknown[] };
  assert.equal(json.schemaVersion, 1);
  assert.ok(json.sweep.length > 10);
});

test('report section: pair line, table and conclusions', () => {
  const s = renderMapCostSection(testFabric({ redirect: true }), { size: 64n << 30n });
  assert.match(
    s,
    /^accel0 \(0000:03:00\.0\) → nic0 \(0000:04:00\.0\): THRU_HOST_BRIDGE, IOMMU lazy/,
  );
  assert.match(s, /iova-link/);
  assert.match(s, /^- Memory vs CPU/m);
});

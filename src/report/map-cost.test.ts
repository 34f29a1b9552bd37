import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMapCost } from '../app/map-cost.js';
import { DEFAULT_CALIBRATION } from '../dma/index.js';
import { testFabric } from '../iommu/testing/fabric.js';
import {
  conclusionText,
  mapCostJson,
  nsDecade,
  renderMapCostSection,
  renderMapCostSvg,
} from './map-cost.js';

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
  const text = conclusionText(r).join('\n');
  assert.match(
    text,
    /A dma_map_resource loop \(512 calls for 512 chunks\) makes 512 IOVA allocations and 512 synchronous IOTLB invalidations; iova-link≈phys-vec make 1 and 1: the loop costs [\d.]+× as much/,
  );
  assert.match(
    text,
    /Crossover: at 4MiB \(2 chunks\) map-resource gives way to iova-link≈phys-vec/,
  );
  assert.match(text, /keeps up with the single-IOVA strategies only up to 2MiB \(1 chunk\)/);
  assert.match(text, /"a single 4 KiB page" \(4KiB in 4KiB chunks\): map-resource wins/);
  // iova-link and phys-vec differ by a few ns of sg fills: reported as a tie, not a winner flip
  assert.match(conclusionText(r)[0]!, /iova-link≈phys-vec tie as cheapest/);
  assert.match(text, /no trade-off here, the struct pages buy no CPU time/);
});

test('conclusions follow the numbers: a calibration that favours struct pages flips them', () => {
  const base = DEFAULT_CALIBRATION;
  const calibration = { ...base, sgEntryNs: 0, iommuCallNs: 500 };
  const r = buildMapCost(testFabric({ redirect: true }), {
    size: 1n << 30n,
    iommu: 'strict',
    maxSegSize: 2n << 30n,
    calibration,
  });
  const pages = r.main.costs.find((c) => c.strategy === 'p2p-pages')!;
  const best = r.main.costs
    .filter((c) => c.ok && c.strategy !== 'p2p-pages')
    .sort((a, b) => a.cpuNs - b.cpuNs)[0]!;
  assert.ok(pages.cpuNs < best.cpuNs);
  assert.match(conclusionText(r)[0]!, /p2p-pages is cheapest/);
  const cycles = Math.ceil(pages.setupNs / (best.cpuNs - pages.cpuNs));
  assert.ok(
    conclusionText(r).some((c) => c.includes(`pays for itself after ${cycles} map/unmap cycle`)),
    conclusionText(r).join('\n'),
  );
});

test('BUS_ADDR pair: phys-vec uses bus addresses and does no IOMMU work at all', () => {
  const r = buildMapCost(testFabric({ redirect: false }), { size: 64n << 30n, iommu: 'strict' });
  assert.equal(r.mapType, 'BUS_ADDR');
  const pv = r.main.costs.find((c) => c.strategy === 'phys-vec')!;
  assert.equal(pv.map?.counts.iovaAllocs, 0);
  assert.equal(pv.map?.counts.iommuCalls, 0);
  assert.match(conclusionText(r)[0]!, /phys-vec is cheapest/);
  assert.ok(conclusionText(r).some((c) => c.startsWith('The pair is BUS_ADDR')));
  const json = mapCostJson(r) as {
    schemaVersion: number;
    sweep: { size: string }[];
    export: { size: string; chunks: { size: string; count: number }[] };
  };
  assert.equal(json.schemaVersion, 1);
  assert.ok(json.sweep.length > 10);
  // 64-bit byte values are hex strings, counts are numbers (docs/json.md conventions).
  assert.equal(BigInt(json.export.size), r.main.size);
  assert.match(json.export.size, /^0x[0-9a-f]+$/);
  assert.ok(json.sweep.every((p) => /^0x[0-9a-f]+$/.test(p.size)));
  assert.equal(typeof json.export.chunks[0]!.count, 'number');
});

test('report section: pair line, table and conclusions', () => {
  const s = renderMapCostSection(
    buildMapCost(testFabric({ redirect: true }), { size: 64n << 30n }),
  );
  assert.match(
    s,
    /^accel0 \(0000:03:00\.0\) → nic0 \(0000:04:00\.0\): THRU_HOST_BRIDGE, IOMMU lazy/,
  );
  assert.match(s, /iova-link/);
  assert.match(s, /^- Memory vs CPU/m);
});

test('chart: time axis in ns/µs/ms/s decades, byte axis in KiB/MiB, crossover marked', () => {
  assert.deepEqual([1, 100, 1e3, 1e7, 1e9, 1e11].map(nsDecade), [
    '1 ns',
    '100 ns',
    '1 µs',
    '10 ms',
    '1 s',
    '100 s',
  ]);
  const r = buildMapCost(testFabric({ redirect: true }), {
    size: 1n << 30n,
    iommu: 'strict',
    maxSegSize: 2n << 30n,
  });
  const svg = renderMapCostSvg(r);
  assert.match(svg, />1 µs</);
  assert.match(svg, />1MiB</);
  // the CPU chart marks where map-resource stops being cheapest (2 chunks of 2 MiB)
  assert.match(svg, />4MiB: → iova-link≈phys-vec</);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 8);
});

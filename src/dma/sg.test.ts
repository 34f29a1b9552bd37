import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dmaMapSg, dmaMapSgtable, dmaUnmapSgtable } from './sg.js';
import { ACCEL_BAR, rig } from './testing/fabric.js';
import type { SgTable } from './types.js';

const table = (provider: SgTable['cpu'][number]['p2pProvider'], n = 3): SgTable => ({
  cpu: Array.from({ length: n }, (_, i) => ({
    phys: ACCEL_BAR + BigInt(i) * 8192n,
    length: 4096n,
    p2pProvider: provider,
  })),
  dma: [],
});

test('P2PDMA pages with an unusable map type: dma_map_sg returns 0, dma_map_sgtable -EREMOTEIO', () => {
  const r = rig({ mode: 'strict' }, 'NOT_SUPPORTED');
  assert.equal(dmaMapSg(r.api, r.nic, table(r.accel), 0), 0);
  assert.equal(dmaMapSgtable(r.api, r.nic, table(r.accel), 0), -121);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
  // an entry of 4 GiB does not fit the 32-bit sg length
  const huge: SgTable = { cpu: [{ phys: 0n, length: 1n << 32n, p2pProvider: null }], dma: [] };
  assert.equal(dmaMapSgtable(r.api, r.nic, huge, 0), -22);
  // ordinary RAM pages do not ask the P2PDMA map type
  assert.equal(dmaMapSg(r.api, r.nic, table(null), 0), 1);
});

test('BUS_ADDR: bus addresses (CPU physical + bus offset), marked, no IOVA; unmap skips them', () => {
  const r = rig({ mode: 'strict' }, 'BUS_ADDR', { busOffset: 0x100_0000_0000n });
  const t = table(r.accel);
  assert.equal(dmaMapSg(r.api, r.nic, t, 0), 3);
  assert.deepEqual(
    t.dma.map((s) => [s.dmaAddr - 0x100_0000_0000n - ACCEL_BAR, s.busAddr]),
    [
      [0n, true],
      [8192n, true],
      [16384n, true],
    ],
  );
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
  dmaUnmapSgtable(r.api, r.nic, t, 0);
  assert.deepEqual(r.violations.all, []);
});

test('THRU_HOST_BRIDGE via the IOMMU: one IOVA range, entries merged up to the max segment size', () => {
  const r = rig({ mode: 'lazy' }, 'THRU_HOST_BRIDGE', { maxSegSize: 8192n });
  const t = table(r.accel, 3);
  assert.equal(dmaMapSg(r.api, r.nic, t, 0), 2); // 4K+4K merged (8 KiB max), then 4K
  assert.equal(t.dma[0]!.len, 8192n);
  assert.equal(t.dma[1]!.dmaAddr, t.dma[0]!.dmaAddr + 8192n);
  assert.equal(r.iommu.snapshot().iovaRanges, 1);
  assert.equal(r.iommu.snapshot().ptes['4K'], 3);
  dmaUnmapSgtable(r.api, r.nic, t, 0);
  r.iommu.flushAll();
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
  assert.equal(r.iommu.snapshot().ptes['4K'], 0);
});

test('direct path never merges and hands out CPU physical addresses', () => {
  const r = rig({ mode: 'none' }, 'THRU_HOST_BRIDGE');
  const t = table(r.accel, 2);
  t.cpu[1] = { ...t.cpu[1]!, phys: ACCEL_BAR + 4096n }; // physically contiguous
  assert.equal(dmaMapSg(r.api, r.nic, t, 0), 2);
  assert.deepEqual(
    t.dma.map((s) => s.dmaAddr),
    [ACCEL_BAR, ACCEL_BAR + 4096n],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dmaBufFreeSgt, dmaBufPhysVecToSgt } from './physvec.js';
import { ACCEL_BAR, rig } from './testing/fabric.js';
import { SG_MAX_SEGMENT } from './types.js';

const ranges = [
  { phys: ACCEL_BAR, len: 8192n },
  { phys: ACCEL_BAR + 0x10_0000n, len: 4096n },
];

test('no provider: WARN and -EINVAL; NOT_SUPPORTED: -EINVAL', () => {
  const r = rig({ mode: 'strict' }, 'NOT_SUPPORTED');
  const a = dmaBufPhysVecToSgt(r.api, r.nic, null, ranges, 12288n, 0);
  assert.equal(a.ok ? 'ok' : a.errno, 'EINVAL');
  assert.deepEqual(
    r.violations.all.map((v) => v.rule),
    ['dmabuf.phys-vec.no-provider'],
  );
  const b = dmaBufPhysVecToSgt(r.api, r.nic, r.accel, ranges, 12288n, 0);
  assert.equal(b.ok ? 'ok' : b.errno, 'EINVAL');
});

test('BUS_ADDR: paddr + bus offset per range, CPU view empty, nothing to unmap', () => {
  const r = rig({ mode: 'strict' }, 'BUS_ADDR', { busOffset: 0x1000n });
  const t = dmaBufPhysVecToSgt(r.api, r.nic, r.accel, ranges, 12288n, 0);
  assert.ok(t.ok);
  assert.equal(t.value.how, 'bus');
  assert.deepEqual(t.value.cpu, []);
  assert.deepEqual(
    t.value.dma.map((s) => s.dmaAddr),
    [ACCEL_BAR + 0x1000n, ACCEL_BAR + 0x10_1000n],
  );
  dmaBufFreeSgt(r.api, r.nic, t.value, 0);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
});

test('THRU_HOST_BRIDGE + IOMMU: one IOVA range and one entry for the contiguous span', () => {
  const r = rig({ mode: 'strict' }, 'THRU_HOST_BRIDGE');
  const t = dmaBufPhysVecToSgt(r.api, r.nic, r.accel, ranges, 12288n, 0);
  assert.ok(t.ok);
  assert.equal(t.value.how, 'iova');
  assert.equal(t.value.dma.length, 1);
  assert.equal(t.value.dma[0]!.len, 12288n);
  dmaBufFreeSgt(r.api, r.nic, t.value, 0);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
});

test('THRU_HOST_BRIDGE direct: one dma_map_phys per range; big ranges split at ALIGN_DOWN(UINT_MAX)', () => {
  const r = rig({ mode: 'none' }, 'THRU_HOST_BRIDGE');
  const t = dmaBufPhysVecToSgt(r.api, r.nic, r.accel, ranges, 12288n, 0);
  assert.ok(t.ok);
  assert.equal(t.value.how, 'phys');
  assert.deepEqual(
    t.value.dma.map((s) => s.dmaAddr),
    ranges.map((x) => x.phys),
  );
  const big = rig({ mode: 'strict' }, 'BUS_ADDR');
  const b = dmaBufPhysVecToSgt(
    big.api,
    big.nic,
    big.accel,
    [{ phys: 0n, len: 8n << 30n }],
    8n << 30n,
    0,
  );
  assert.ok(b.ok);
  assert.deepEqual(
    b.value.dma.map((s) => s.len),
    [SG_MAX_SEGMENT, SG_MAX_SEGMENT, (8n << 30n) - 2n * SG_MAX_SEGMENT],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { driverFabric } from '../drivers/testing/fabric.js';
import { FabricBuilder } from '../pci/builder.js';
import { runFounding } from './founding.js';
import { runRingDoorbell } from './ring-doorbell.js';

test('founding scenario on a switch fabric without IOMMU: switch-local, verified, pristine', () => {
  const r = runFounding(driverFabric());
  assert.equal(r.pair?.accel, 'accel0');
  assert.equal(r.pair?.mapType, 'BUS_ADDR');
  assert.deepEqual(
    r.steps.map((s) => s.name),
    ['alloc', 'export', 'pass-fd', 'import', 'wait-fences', 'rdma-write', 'verify', 'teardown'],
  );
  assert.ok(
    r.steps.every((s) => s.ok),
    JSON.stringify(r.steps.filter((s) => !s.ok)),
  );
  assert.equal(r.verified, true);
  assert.deepEqual(r.pristine, []);
  const write = r.steps.find((s) => s.name === 'rdma-write')!;
  assert.match(write.route!, /\[switch-local\]$/);
  // The exporter's WRITE fence was unsignalled at import and signalled after the wait.
  assert.match(r.steps[3]!.fences[0]!, /WRITE .* unsignaled$/);
  assert.match(r.steps[4]!.fences[0]!, /signaled$/);
  assert.ok(write.dmaCalls >= 1);
});

test('founding scenario with a strict IOMMU goes through the root complex; pinned MR works too', () => {
  const r = runFounding(driverFabric({ iommu: true }), { iommu: 'strict', mode: 'pinned' });
  assert.equal(r.verified, true);
  assert.match(r.steps.find((s) => s.name === 'rdma-write')!.route!, /root-complex \(IOMMU\)/);
  assert.deepEqual(r.pristine, []);
});

test('same input, same output (deterministic JSON)', () => {
  const a = JSON.stringify(
    runFounding(driverFabric({ iommu: true }), { iommu: 'lazy' }),
    (_k, v) => (typeof v === 'bigint' ? String(v) : v),
  );
  const b = JSON.stringify(
    runFounding(driverFabric({ iommu: true }), { iommu: 'lazy' }),
    (_k, v) => (typeof v === 'bigint' ? String(v) : v),
  );
  assert.equal(a, b);
});

test('no accelerator: the demo explains instead of failing', () => {
  const f = new FabricBuilder()
    .hostBridge({ domain: 0, rootBus: 0 })
    .fn({ bdf: '0000:00:00.0', classCode: 0x060000, pcie: null })
    .build();
  const r = runFounding(f);
  assert.equal(r.pair, null);
  assert.match(r.noPair!.reason, /no accelerator/);
  assert.deepEqual(r.steps, []);
});

test('ring + doorbell: zero CPU interventions peer-to-peer, one per batch through host memory', () => {
  const r = unwrap(runRingDoorbell(driverFabric(), { records: 40, batch: 8 }));
  const [p2p, bounce] = r.rows;
  assert.equal(p2p!.design, 'p2p-doorbell');
  assert.equal(p2p!.verified, true);
  assert.equal(p2p!.cpuInterventions, 0);
  assert.equal(p2p!.doorbellsByNic, 5);
  assert.equal(p2p!.nicToAccelWrites, 45); // 40 records + 5 doorbells
  assert.equal(bounce!.verified, true);
  assert.equal(bounce!.cpuWakeups, 5);
  assert.equal(bounce!.cpuCopiedBytes, 40 * 64);
  assert.equal(bounce!.doorbellsByCpu, 5);
  assert.equal(bounce!.nicToRamWrites, 40);
  for (const row of r.rows) assert.deepEqual(row.pristine, []);
});

test('ring wraps around its 32 slots and stays consistent', () => {
  const r = unwrap(
    runRingDoorbell(driverFabric({ iommu: true }), { records: 100, batch: 32, iommu: 'strict' }),
  );
  assert.ok(r.rows.every((x) => x.verified && x.consumed === 100));
  const bad = runRingDoorbell(driverFabric(), { batch: 33 });
  assert.equal(bad.ok ? null : bad.errno, 'EINVAL');
});

test('NVMe → GPU VRAM: static and MOVE_NOTIFY-off pins fall back to system RAM; MOVE_NOTIFY on gets the BAR', async () => {
  const { runGpuNvme } = await import('./gpu-nvme.js');
  const r = unwrap(runGpuNvme(driverFabric()));
  assert.equal(r.gpu, 'gpu0');
  assert.deepEqual(
    r.rows.map((x) => [x.attach, x.moveNotify, x.placement, x.p2p, x.verified]),
    [
      ['static', false, 'GTT', false, true],
      ['dynamic+pin', false, 'GTT', false, true],
      ['dynamic+pin', true, 'VRAM', true, true],
    ],
  );
  assert.deepEqual(r.rows[0]!.findings, ['pin_dropped_vram', 'p2p_silent_fallback_gtt']);
  for (const row of r.rows) assert.deepEqual(row.pristine, []);
});

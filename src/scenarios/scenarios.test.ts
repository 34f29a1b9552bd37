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
    [
      'alloc',
      'export',
      'pass-fd',
      'import',
      'map',
      'wait-fences',
      'rdma-write',
      'verify',
      'teardown',
    ],
  );
  assert.ok(
    r.steps.every((s) => s.ok),
    JSON.stringify(r.steps.filter((s) => !s.ok)),
  );
  assert.equal(r.verified, true);
  assert.deepEqual(r.pristine, []);
  // The scenario's own bookkeeping (fence listings under the resv lock) raises no WARN.
  assert.deepEqual(r.violations, []);
  const write = r.steps.find((s) => s.name === 'rdma-write')!;
  assert.match(write.route, /\[switch-local\]$/);
  // Every step carries route and map type: no route before the map and after teardown.
  assert.ok(r.steps.every((s) => s.mapType === 'BUS_ADDR'));
  assert.match(r.steps[3]!.route, /^none: not mapped/);
  assert.equal(r.steps[4]!.route, write.route);
  assert.match(r.steps[8]!.route, /^none: unmapped/);
  // The attach costs nothing; the map makes the DMA-API calls.
  assert.equal(r.steps[3]!.dmaCalls, 0);
  assert.ok(r.steps[4]!.dmaCalls >= 1);
  assert.match(r.steps[3]!.detail, /dma_buf_dynamic_attach, peer2peer=true/);
  // The exporter's WRITE fence was unsignalled at import and signalled after the wait.
  assert.match(r.steps[4]!.fences[0]!, /^write fence: \d+:1 accel0-cs habanalabs unsignalled$/);
  assert.match(
    r.steps[5]!.fences[0]!,
    /^write fence: \d+:1 signaled-timeline detached-driver signalled$/,
  );
  assert.match(r.steps[7]!.detail, /RDMA READ returns them too/);
});

test('founding scenario with a strict IOMMU goes through the root complex; pinned MR works too', () => {
  const r = runFounding(driverFabric({ iommu: true }), { iommu: 'strict', mode: 'pinned' });
  assert.equal(r.verified, true);
  assert.match(r.steps.find((s) => s.name === 'rdma-write')!.route, /root-complex \(IOMMU\)/);
  assert.deepEqual(r.pristine, []);
  assert.deepEqual(r.violations, []);
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
  assert.match(r.noPair!.reason, /no accelerator .* and no RDMA NIC .* \(no endpoints\)/);
  assert.deepEqual(r.steps, []);
  // A fabric with no machine facts says nothing about the IOMMU: the shared rule assumes the x86
  // default (lazy) and says it assumed (same as map-cost).
  assert.equal(r.iommu, 'lazy');
  assert.equal(r.iommuAssumed, true);
  assert.equal(runFounding(f, { iommu: 'strict' }).iommuAssumed, false);
});

test('no RDMA NIC: the reason names the missing role and what the endpoints are instead', () => {
  const f = new FabricBuilder()
    .hostBridge({ domain: 0, rootBus: 0 })
    .fn({ bdf: '0000:00:00.0', classCode: 0x060000, pcie: null })
    .fn({ bdf: '0000:00:01.0', classCode: 0x020000, vendor: 0x8086, pcie: null })
    .fn({ bdf: '0000:00:02.0', classCode: 0x010802, pcie: null })
    .build();
  const r = runFounding(f);
  assert.equal(r.pair, null);
  assert.match(r.noPair!.reason, /no RDMA NIC/);
  assert.match(r.noPair!.reason, /endpoints: 1 non-RDMA nic, 1 nvme/);
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

test('NVMe → GPU VRAM on linux-6.12: pins always land in GTT, even with MOVE_NOTIFY on', async () => {
  const { runGpuNvme } = await import('./gpu-nvme.js');
  const r = unwrap(runGpuNvme(driverFabric(), { ruleSet: 'linux-6.12' }));
  const on = r.rows.find((x) => x.attach === 'dynamic+pin' && x.moveNotify)!;
  assert.equal(on.placement, 'GTT');
  assert.equal(on.p2p, false);
  assert.ok(on.findings.includes('pin_dropped_vram'));
  for (const row of r.rows) assert.deepEqual(row.pristine, []);
});

test('founding on linux-6.1 exports by handle; on linux-5.10 the export does not exist yet', () => {
  const six = runFounding(driverFabric(), { ruleSet: 'linux-6.1' });
  assert.equal(six.verified, true);
  assert.match(six.steps[1]!.detail, /EXPORT_DMABUF_FD handle 1 \(whole allocation\)/);
  assert.deepEqual(six.pristine, []);
  const five = runFounding(driverFabric(), { ruleSet: 'linux-5.10' });
  assert.equal(five.verified, false);
  assert.deepEqual(
    five.steps.map((s) => [s.name, s.ok ? 'ok' : s.errno]),
    [
      ['alloc', 'ok'],
      ['export', 'ENOTTY'],
      ['teardown', 'ok'],
    ],
  );
  assert.match(five.steps[1]!.detail, /no dma-buf export before linux-5.16/);
  assert.equal(five.steps[2]!.detail, 'memory unmapped and freed: kernel pristine');
  assert.deepEqual(five.pristine, []);
});

test('NVMe → GPU VRAM on linux-5.10: amdgpu does not export VRAM yet, every row lands in GTT', async () => {
  const { runGpuNvme } = await import('./gpu-nvme.js');
  const r = unwrap(runGpuNvme(driverFabric(), { ruleSet: 'linux-5.10' }));
  assert.deepEqual(
    r.rows.map((x) => [x.placement, x.p2p, x.verified]),
    [
      ['GTT', false, true],
      ['GTT', false, true],
      ['GTT', false, true],
    ],
  );
  for (const row of r.rows) assert.deepEqual(row.pristine, []);
});

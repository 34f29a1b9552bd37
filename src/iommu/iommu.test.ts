import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../core/clock.js';
import { ViolationLog } from '../core/violations.js';
import { Iommu } from './iommu.js';
import { ACCEL_BAR, testFabric } from './testing/fabric.js';
import { FQ_PERCPU, SZ_4K } from './types.js';

const RW = { read: true, write: true, mmio: true };

test('modes: none/passthrough are direct; strict/lazy give DMA / DMA-FQ domains; untrusted is forced strict', () => {
  const f = testFabric({ redirect: true });
  const nic = f.resolve('nic0');
  const gpu = f.resolve('gpu0');
  assert.equal(new Iommu(f, { mode: 'none' }).domainOf(nic), null);
  assert.equal(new Iommu(f, { mode: 'passthrough' }).domainOf(nic), null);
  assert.equal(new Iommu(f, { mode: 'strict' }).domainOf(nic)?.type, 'DMA');
  const lazy = new Iommu(f, { mode: 'lazy', untrusted: [gpu.bdf] });
  assert.equal(lazy.domainOf(nic)?.type, 'DMA-FQ');
  assert.equal(lazy.domainOf(gpu)?.type, 'DMA');
  const pt = new Iommu(f, { mode: 'passthrough', untrusted: [gpu.bdf] });
  assert.equal(pt.modeOf(gpu), 'strict');
  assert.equal(new Iommu(f, { mode: 'none', untrusted: [gpu.bdf] }).modeOf(gpu), 'none');
});

test('IOVA space never overlaps BARs or the MSI window', () => {
  const f = testFabric();
  const d = new Iommu(f, { mode: 'strict' }).domainOf(f.resolve('nic0'))!;
  // ask for the accelerator BAR's own address range as a limit: allocation must land below it
  const r = d.allocIova(SZ_4K, ACCEL_BAR + SZ_4K - 1n)!;
  assert.ok(r.addr + r.size <= ACCEL_BAR);
  const low = d.allocIova(SZ_4K, 0xfeef_ffffn)!;
  assert.ok(low.addr + low.size <= 0xfee0_0000n);
});

test('strict unmap invalidates at once; lazy leaves the stale IOTLB entry until the queue drains', () => {
  for (const mode of ['strict', 'lazy'] as const) {
    const f = testFabric();
    const clock = new SimClock();
    const iommu = new Iommu(f, { mode }, { clock, violations: new ViolationLog() });
    const nic = f.resolve('nic0');
    const d = iommu.domainOf(nic)!;
    const r = d.allocIova(SZ_4K, 0xffff_ffffn)!;
    assert.ok(d.map(r.addr, ACCEL_BAR, SZ_4K, RW).ok);
    assert.equal(iommu.translate(nic, r.addr + 8n, 'write').ok, true); // fills the IOTLB
    d.unmap(r.addr, SZ_4K, mode === 'strict' ? 'sync' : 'deferred');
    if (mode === 'strict') d.freeIova(r);
    else d.queueFree(r);
    const after = iommu.translate(nic, r.addr + 8n, 'write');
    if (mode === 'strict') {
      assert.equal(after.ok ? 'reached' : after.errno, 'EFAULT');
    } else {
      assert.deepEqual(
        after,
        { ok: true, value: ACCEL_BAR + 8n },
        'stale IOTLB entry still translates',
      );
      assert.equal(d.pending, 1);
      clock.advance(FQ_PERCPU.timeoutNs); // the 10 ms flush timer fires
      assert.equal(d.pending, 0);
      const gone = iommu.translate(nic, r.addr + 8n, 'write');
      assert.equal(gone.ok ? 'reached' : gone.errno, 'EFAULT');
    }
    assert.equal(iommu.snapshot().iovaRanges, 0);
  }
});

test('the flush queue drains with one whole-domain invalidation when it is full', () => {
  const f = testFabric();
  const iommu = new Iommu(f, { mode: 'lazy', flushQueue: { entries: 4, timeoutNs: 1n } });
  const d = iommu.domainOf(f.resolve('nic0'))!;
  for (let i = 0; i < 4; i++) d.queueFree(d.allocIova(SZ_4K, 0xffff_ffffn)!);
  assert.equal(d.pending, 0);
  assert.equal(iommu.iotlb.stats.domainInvalidations, 1);
});

test('permissions follow the mapping (a read-only mapping faults a device write)', () => {
  const f = testFabric();
  const iommu = new Iommu(f, { mode: 'strict' });
  const nic = f.resolve('nic0');
  const d = iommu.domainOf(nic)!;
  const r = d.allocIova(SZ_4K, 0xffff_ffffn)!;
  d.map(r.addr, ACCEL_BAR, SZ_4K, { read: true, write: false, mmio: true });
  assert.equal(iommu.translate(nic, r.addr, 'read').ok, true);
  const w = iommu.translate(nic, r.addr, 'write');
  assert.equal(w.ok ? 'ok' : w.errno, 'EACCES');
});

test('an unmap of a different size than mapped WARNs', () => {
  const f = testFabric();
  const violations = new ViolationLog();
  const iommu = new Iommu(f, { mode: 'strict' }, { violations });
  const d = iommu.domainOf(f.resolve('nic0'))!;
  const r = d.allocIova(2n * SZ_4K, 0xffff_ffffn)!;
  d.map(r.addr, ACCEL_BAR, 2n * SZ_4K, RW);
  d.unmap(r.addr, 3n * SZ_4K, 'sync');
  assert.deepEqual(
    violations.all.map((v) => v.rule),
    ['iommu.unmap.size-mismatch'],
  );
});

test('snapshot: lazy unmaps stay allocated and are counted as pending until the queue drains', () => {
  const f = testFabric();
  const iommu = new Iommu(f, { mode: 'lazy', flushQueue: { entries: 8, timeoutNs: 1_000n } });
  const d = iommu.domainOf(f.resolve('nic0'))!;
  const a = d.allocIova(2n * SZ_4K, 0xffff_ffffn)!;
  const b = d.allocIova(SZ_4K, 0xffff_ffffn)!;
  d.map(a.addr, ACCEL_BAR, a.size, RW);
  d.map(b.addr, ACCEL_BAR + a.size, b.size, RW);
  d.unmap(a.addr, a.size, 'deferred');
  d.queueFree(a);
  const s = iommu.snapshot();
  assert.equal(s.iovaRanges, 2);
  assert.equal(s.iovaBytes, 3n * SZ_4K);
  assert.equal(s.fqPending, 1);
  assert.equal(s.fqPendingBytes, 2n * SZ_4K);
  assert.equal(s.inUseRanges, 1);
  assert.equal(s.inUseBytes, SZ_4K);
  iommu.flushAll();
  const t = iommu.snapshot();
  assert.deepEqual(
    [t.iovaRanges, t.fqPending, t.fqPendingBytes, t.inUseRanges, t.inUseBytes],
    [1, 0, 0n, 1, SZ_4K],
  );
});

test('untrusted forces strict on its whole group, even under passthrough; trusted groups keep the mode', () => {
  const f = testFabric({ redirect: true });
  // 00:1f.0 and 00:1f.3 share a group (multifunction without ACS): one untrusted member is enough
  const lpc = f.resolve('00:1f.0');
  const audio = f.resolve('00:1f.3');
  for (const mode of ['lazy', 'passthrough'] as const) {
    const iommu = new Iommu(f, { mode, untrusted: [audio.bdf] });
    assert.equal(iommu.modeOf(lpc), 'strict', `${mode}: group peer of an untrusted device`);
    assert.equal(iommu.domainOf(lpc)?.type, 'DMA');
    assert.equal(iommu.domainOf(lpc), iommu.domainOf(audio), 'one domain per group');
    assert.equal(iommu.domainOf(lpc)?.fq, null, 'no flush queue: unmaps invalidate at once');
    assert.equal(iommu.modeOf(f.resolve('nic0')), mode);
  }
});

test('lazy without deferred-flush support silently degrades to strict', () => {
  const f = testFabric();
  const nic = f.resolve('nic0');
  const iommu = new Iommu(f, { mode: 'lazy', deferredFlush: false });
  assert.equal(iommu.modeOf(nic), 'strict');
  assert.equal(iommu.domainOf(nic)?.type, 'DMA');
  assert.equal(new Iommu(f, { mode: 'lazy', deferredFlush: true }).domainOf(nic)?.type, 'DMA-FQ');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dmaIovaDestroy,
  dmaIovaFree,
  dmaIovaLink,
  dmaIovaSync,
  dmaIovaTryAlloc,
  dmaIovaUnlink,
  dmaUseIova,
} from './iova-api.js';
import { resolveDma } from './resolve.js';
import { ACCEL_BAR, rig } from './testing/fabric.js';
import { DMA_ATTR } from './types.js';

test('dma_iova_try_alloc: false on the direct path; size 0 or top bit → WARN_ON_ONCE, false', () => {
  assert.equal(
    dmaUseIova(
      dmaIovaTryAlloc(rig({ mode: 'passthrough' }).api, rig({ mode: 'none' }).nic, 0n, 4096n),
    ),
    false,
  );
  const r = rig({ mode: 'strict' });
  assert.equal(dmaUseIova(dmaIovaTryAlloc(r.api, r.nic, 0n, 0n)), false);
  assert.equal(dmaUseIova(dmaIovaTryAlloc(r.api, r.nic, 0n, 1n << 63n)), false);
  assert.deepEqual(
    r.violations.all.map((v) => v.rule),
    ['dma.iova.bad-size'],
  );
});

test('link, sync, unlink (synchronous invalidation), free', () => {
  const r = rig({ mode: 'lazy' });
  const s = dmaIovaTryAlloc(r.api, r.nic, ACCEL_BAR, 3n * 4096n);
  assert.ok(dmaUseIova(s));
  assert.equal(dmaIovaLink(r.api, r.nic, s, ACCEL_BAR, 0n, 4096n, 0, DMA_ATTR.MMIO), 0);
  assert.equal(
    dmaIovaLink(r.api, r.nic, s, ACCEL_BAR + 0x10_0000n, 4096n, 8192n, 0, DMA_ATTR.MMIO),
    0,
  );
  assert.equal(dmaIovaSync(r.api, r.nic, s, 0n, 3n * 4096n), 0);
  const t = resolveDma(r.api, r.nic, s.addr + 4096n + 7n, 'write');
  assert.ok(t.ok && t.value.kind === 'bar');
  assert.equal(t.value.offset, 0x10_0007n);
  dmaIovaUnlink(r.api, r.nic, s, 0n, 3n * 4096n, 0);
  // unlink never defers, even in a DMA-FQ domain: the device faults at once
  assert.equal(resolveDma(r.api, r.nic, s.addr + 4096n, 'write').ok, false);
  dmaIovaFree(r.api, r.nic, s);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
});

test('a link after the first that starts mid-granule: WARN_ON_ONCE, -EIO', () => {
  const r = rig({ mode: 'strict' });
  const s = dmaIovaTryAlloc(r.api, r.nic, 0n, 8192n);
  assert.equal(dmaIovaLink(r.api, r.nic, s, ACCEL_BAR + 16n, 4096n, 100n, 0), -5);
  assert.deepEqual(
    r.violations.all.map((v) => v.rule),
    ['dma.iova.link-unaligned'],
  );
  dmaIovaDestroy(r.api, r.nic, s, 0n, 0);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
});

test('untrusted device: an unaligned MMIO link would need bouncing → -EPERM', () => {
  const r = rig({ mode: 'lazy', untrusted: ['0000:04:00.0'] });
  const s = dmaIovaTryAlloc(r.api, r.nic, ACCEL_BAR + 8n, 100n);
  assert.equal(dmaIovaLink(r.api, r.nic, s, ACCEL_BAR + 8n, 0n, 100n, 0, DMA_ATTR.MMIO), -1);
});

test('dma_iova_destroy defers the invalidation in lazy mode, not in strict', () => {
  for (const mode of ['strict', 'lazy'] as const) {
    const r = rig({ mode });
    const s = dmaIovaTryAlloc(r.api, r.nic, 0n, 4096n);
    dmaIovaLink(r.api, r.nic, s, ACCEL_BAR, 0n, 4096n, 0);
    dmaIovaSync(r.api, r.nic, s, 0n, 4096n);
    assert.ok(resolveDma(r.api, r.nic, s.addr, 'write').ok);
    dmaIovaDestroy(r.api, r.nic, s, 4096n, 0);
    assert.equal(resolveDma(r.api, r.nic, s.addr, 'write').ok, mode === 'lazy', mode);
    assert.equal(r.iommu.snapshot().fqPending, mode === 'lazy' ? 1 : 0);
  }
});
